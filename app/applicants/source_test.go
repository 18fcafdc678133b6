package applicants_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"credmint/app/applicants"
	"credmint/app/credential"
	"credmint/db/dbtest"
)

func TestReadSource(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    string
		columns []string
		rows    [][]any
		numbers []int
		extra   []int
	}{
		{"comma", "a,b\n1,2\n3,4\n", []string{"a", "b"}, [][]any{{"1", "2"}, {"3", "4"}}, []int{2, 3}, nil},
		{"semicolon with BOM and CRLF", "\ufeffa;b\r\n1,5;x\r\n", []string{"a", "b"}, [][]any{{"1,5", "x"}}, []int{2}, nil},
		{"quoted semicolons do not count", "\"x;y;z\",b\n1,2\n", []string{"x;y;z", "b"}, [][]any{{"1", "2"}}, []int{2}, nil},
		{"quoted newline is one row", "a,b\n\"line 1\nline 2\",2\n3,4\n", []string{"a", "b"}, [][]any{{"line 1\nline 2", "2"}, {"3", "4"}}, []int{2, 3}, nil},
		{"blank rows are left out, numbers kept", "a,b\n1,2\n,\n\n5,6\n", []string{"a", "b"}, [][]any{{"1", "2"}, {"5", "6"}}, []int{2, 4}, nil},
		{"short and long rows", "a,b\n1\n1,2,3\n", []string{"a", "b"}, [][]any{{"1", ""}, {"1", "2"}}, []int{2, 3}, []int{1}},
		{"empty and repeated headers", "name,,name\n1,2,3\n", []string{"name", "column 2", "name (2)"}, [][]any{{"1", "2", "3"}}, []int{2}, nil},
		{"JSON keeps key order and types", `[{"b": 1, "a": "x"}, {}, {"c": true, "a": "y"}]`, []string{"b", "a", "c"},
			[][]any{{json.Number("1"), "x", nil}, {nil, "y", true}}, []int{1, 3}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := applicants.ReadSource([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.columns, src.Columns); d != "" {
				t.Errorf("columns (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.rows, src.Rows); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.numbers, src.RowNumbers); d != "" {
				t.Errorf("row numbers (-want +got):\n%s", d)
			}
			for _, i := range tc.extra {
				if !src.Extra[i] {
					t.Errorf("row index %d should be marked as too long", i)
				}
			}
		})
	}
	for _, tc := range []struct{ data, want string }{
		{"", "empty"},
		{"a,b\n\"unterminated\n", "cannot be read"},
		{"a\n\xff\n", "not UTF-8"},
		{`[{"a": 1}, 2]`, "item 2 of the JSON array is not an object"},
		{`[{"a": }]`, "not valid"},
		{`[] []`, "more after"},
		{strings.Repeat("x", applicants.MaxFileSize+1), "larger than"},
	} {
		_, err := applicants.ReadSource([]byte(tc.data))
		var fe *applicants.FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, tc.want) {
			t.Errorf("%.20q: got %v, want a FileError containing %q", tc.data, err, tc.want)
		}
	}
}

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		typ    string
		in     any
		want   any
		reason string
	}{
		{credential.TypeString, "  Ada ", "Ada", ""},
		{credential.TypeString, "", nil, ""},
		{credential.TypeString, json.Number("42"), "42", ""},
		{credential.TypeDate, "2024-02-29", "2024-02-29", ""},
		{credential.TypeDate, "2023-02-29", nil, "not a date (YYYY-MM-DD)"},
		{credential.TypeDate, "29.02.2024", nil, "not a date (YYYY-MM-DD)"},
		{credential.TypeDateTime, "2024-02-29T10:00:00Z", "2024-02-29T10:00:00Z", ""},
		{credential.TypeInteger, "12", json.Number("12"), ""},
		{credential.TypeInteger, "123456789012345678901234567890", json.Number("123456789012345678901234567890"), ""},
		{credential.TypeInteger, "1.5", nil, "not a whole number"},
		{credential.TypeInteger, json.Number("7"), json.Number("7"), ""},
		{credential.TypeNumber, "1,5", json.Number("1.5"), ""},
		{credential.TypeNumber, "-2.25e2", json.Number("-225"), ""},
		{credential.TypeNumber, "NaN", nil, "not a number"},
		{credential.TypeNumber, "0x10", nil, "not a number"},
		{credential.TypeBoolean, "Yes", true, ""},
		{credential.TypeBoolean, "0", false, ""},
		{credential.TypeBoolean, "maybe", nil, "not true/false (or yes/no, 1/0)"},
		{credential.TypeObject, `{"locality": "Bonn"}`, map[string]any{"locality": "Bonn"}, ""},
		{credential.TypeObject, `[1]`, nil, "must be a JSON object"},
		{credential.TypeArray, `["a", 2]`, []any{"a", json.Number("2")}, ""},
		{credential.TypeArray, `["a"`, nil, "not valid JSON"},
		{credential.TypeDate, json.Number("20240101"), nil, "must be a date (YYYY-MM-DD)"},
	} {
		got, reason := applicants.Convert(tc.typ, tc.in)
		if reason != tc.reason || !cmp.Equal(got, tc.want) {
			t.Errorf("convert(%s, %#v) = %#v, %q; want %#v, %q", tc.typ, tc.in, got, reason, tc.want, tc.reason)
		}
	}
}

func TestGuessAndTargets(t *testing.T) {
	cfg := staffBadge()
	var keys []string
	for _, tg := range applicants.Targets(&cfg) {
		keys = append(keys, tg.Key)
	}
	// address is the parent of address.locality: only the child is a target.
	if d := cmp.Diff([]string{"given_name", "family_name", "employee_id", "birthdate", "grade", "address.locality"}, keys); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
	m := applicants.Guess(&cfg, []string{"Personalnummer", "Vorname", "Nachname", "Date of Birth", "E-Mail", "Mobile", "Street", "ZIP", "Town", "Locality"})
	want := applicants.Mapping{GivenName: "Vorname", FamilyName: "Nachname", Email: "E-Mail", Phone: "Mobile",
		Address: []string{"Street", "ZIP", "Town", ""}, Claims: map[string]string{"birthdate": "Date of Birth", "address.locality": "Locality"}}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("guess (-want +got):\n%s", d)
	}
	m = applicants.Guess(&cfg, []string{"employee_id", "given_name", "family_name"})
	if m.ExternalID != "employee_id" || m.Claims["employee_id"] != "employee_id" || m.Claims["given_name"] != "given_name" {
		t.Errorf("guess by claim names: %+v", m)
	}
}

func TestUploadKeepsACleanFileName(t *testing.T) {
	s, _ := newService(t, dbtest.SQLite(t))
	for name, want := range map[string]string{
		`C:\Users\ada\Desktop\people.csv`: "people.csv",
		"../../etc/passwd":                "passwd",
		"new\nline.csv":                   "newline.csv",
		strings.Repeat("é", 150) + ".csv": strings.Repeat("é", 100),
	} {
		j, err := s.Upload(staffCtx(t), applicants.UploadRequest{ConfigurationID: "staff_badge", FileName: name, Data: []byte("given_name\nAda\n")})
		if err != nil {
			t.Fatal(err)
		}
		if j.FileName != want {
			t.Errorf("file name %q stored as %q, want %q", name, j.FileName, want)
		}
	}
}
