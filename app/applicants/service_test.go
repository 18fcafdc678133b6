package applicants_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"credmint/app/applicants"
	"credmint/db/dbtest"
)

// imported returns a service with n applicants imported from one file.
func imported(t *testing.T, n int) (*applicants.Service, *applicants.ImportJob) {
	t.Helper()
	s, _ := newService(t, dbtest.SQLite(t))
	var b strings.Builder
	b.WriteString("employee_id,given_name,family_name,email,city\n")
	for i := range n {
		fmt.Fprintf(&b, "E%03d,Given,Name %03d,p%d@example.org,Bonn\n", i, (i*37)%n, i)
	}
	j := upload(t, s, []byte(b.String()), applicants.OnErrorSkip)
	if _, err := s.ImportNext(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, j
}

func TestListPagesBothWays(t *testing.T) {
	s, _ := imported(t, 23)
	for _, sort := range []string{applicants.SortNewest, applicants.SortName} {
		var forward []string
		var pages []applicants.Cursors
		p := applicants.Page{Sort: sort, Limit: 5}
		for {
			rows, cur, err := s.List(t.Context(), applicants.Filter{}, p)
			if err != nil {
				t.Fatal(err)
			}
			if rows[0].Claims != nil {
				t.Errorf("List opened the claims")
			}
			for _, a := range rows {
				forward = append(forward, a.ID)
			}
			pages = append(pages, cur)
			if cur.Next == "" {
				break
			}
			p.Cursor = cur.Next
		}
		if len(forward) != 23 || len(pages) != 5 || pages[0].Prev != "" {
			t.Fatalf("%s: %d rows in %d pages, first prev %q", sort, len(forward), len(pages), pages[0].Prev)
		}
		// Walking back from the last page gives the same rows.
		var backward []string
		p = applicants.Page{Cursor: pages[len(pages)-1].Prev, Limit: 5}
		for p.Cursor != "" {
			rows, cur, err := s.List(t.Context(), applicants.Filter{}, p)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Next == "" {
				t.Fatalf("%s: a page reached backward has no next", sort)
			}
			var ids []string
			for _, a := range rows {
				ids = append(ids, a.ID)
			}
			backward = append(ids, backward...)
			p.Cursor = cur.Prev
		}
		if !slices.Equal(backward, forward[:20]) {
			t.Errorf("%s: backward\n%v\nforward\n%v", sort, backward, forward[:20])
		}
	}
	if _, _, err := s.List(t.Context(), applicants.Filter{}, applicants.Page{Cursor: "bm9wZQ"}); !errors.Is(err, applicants.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestUpdateChecksTheDataset(t *testing.T) {
	s, _ := imported(t, 3)
	rows, _, _ := s.List(t.Context(), applicants.Filter{Query: "E001"}, applicants.Page{})
	id := rows[0].ID
	f, err := s.Edit(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	field := map[string]string{}
	for _, c := range f.Claims {
		field[c.Key] = c.Field
	}
	if f.Applicant.Address != "Bonn" || f.Applicant.Flagged() || f.Claims[2].Value != "E001" {
		t.Fatalf("imported: %+v", f.Applicant)
	}
	ch := applicants.Changes{ExternalID: "E001", Name: "Given Name", Email: "bad", Claims: map[string]string{
		"given_name": "", "family_name": "Name", "birthdate": "2001-02-30", "grade": "x", "address.locality": "Bonn",
	}}
	form, err := s.Update(staffCtx(t), id, ch)
	var ve *applicants.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("invalid update: %v", err)
	}
	for k, want := range map[string]string{"email": "email address", field["given_name"]: "mandatory", field["birthdate"]: "Not a date", field["grade"]: "Not a whole number"} {
		if !strings.Contains(ve.Fields[k], want) {
			t.Errorf("message of %s: %q, want %q", k, ve.Fields[k], want)
		}
	}
	if form == nil || form.Claims[3].Value != "2001-02-30" {
		t.Errorf("the form does not keep the typed values: %+v", form)
	}
	ch = applicants.Changes{ExternalID: "E001", Name: "Given Name", Email: "g@example.org", NeedsReview: true, Claims: map[string]string{
		"given_name": "Given", "family_name": "Name", "employee_id": "E001", "birthdate": "2001-02-28", "grade": "3", "address.locality": "Köln",
	}}
	if _, err := s.Update(staffCtx(t), id, ch); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Get(t.Context(), id)
	if fmt.Sprint(a.Claims) != "map[address:map[locality:Köln] birthdate:2001-02-28 employee_id:E001 family_name:Name given_name:Given grade:3]" {
		t.Errorf("claims: %v", a.Claims)
	}
	if !slices.Equal(a.Flags, []string{applicants.FlagNeedsReview}) || a.Email != "g@example.org" {
		t.Errorf("flags %v email %q", a.Flags, a.Email)
	}
	// Clearing a claim removes it; a taken external id is refused.
	ch.Claims["address.locality"], ch.Claims["birthdate"], ch.ExternalID = "", "", "E002"
	if _, err := s.Update(staffCtx(t), id, ch); !errors.As(err, &ve) || ve.Fields["external_id"] == "" {
		t.Fatalf("taken external id: %v", err)
	}
	ch.ExternalID = "E001"
	if _, err := s.Update(staffCtx(t), id, ch); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Get(t.Context(), id)
	if _, ok := a.Claims["birthdate"]; ok || fmt.Sprint(a.Claims["address"]) != "map[]" {
		t.Errorf("cleared claims: %v", a.Claims)
	}
	if err := s.Delete(staffCtx(t), id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), id); !errors.Is(err, applicants.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}
