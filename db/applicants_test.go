package db_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/db"
	"credmint/db/dbtest"
)

// applicantEvent is an audit event about applicant id.
func applicantEvent(action, id string) audit.Event {
	return audit.Event{At: t0, Actor: audit.Actor{Kind: audit.ActorStaff, ID: "usr_1"}, Action: action, SubjectType: "applicant", SubjectID: id}
}

func newApplicant(id, cfg, ext string, at time.Time) *applicants.Applicant {
	return &applicants.Applicant{
		ID: id, ConfigurationID: cfg, ExternalID: ext, Name: "Ada " + id, Email: id + "@example.org", Phone: "+44 20 7946 0000",
		Address: "1 Lane\nLondon", ClaimsSealed: []byte("sealed " + id), CreatedAt: at, UpdatedAt: at,
	}
}

func mustCreateApplicant(t *testing.T, s *db.Store, a *applicants.Applicant) {
	t.Helper()
	if err := s.CreateApplicant(t.Context(), a, applicantEvent("applicant.created", a.ID)); err != nil {
		t.Fatalf("CreateApplicant(%s): %v", a.ID, err)
	}
}

func TestApplicantsCreateReadUpdateDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := t.Context()
		a := newApplicant("apl_1", "pid", "S-1", t0)
		a.Flags, a.ImportJobID, a.ImportRow = []string{applicants.FlagNeedsReview}, "imp_1", 7
		mustCreateApplicant(t, s, a)
		got, err := s.Applicant(ctx, "apl_1")
		if err != nil {
			t.Fatal(err)
		}
		want := *a
		want.CreatedAt, want.UpdatedAt = t0.UTC(), t0.UTC()
		diff(t, "applicant", got, &want)

		// The external id is unique per configuration only; "" may repeat.
		if err := s.CreateApplicant(ctx, newApplicant("apl_2", "pid", "S-1", t0), applicantEvent("applicant.created", "apl_2")); !errors.Is(err, applicants.ErrConflict) {
			t.Fatalf("same external id, same configuration: got %v, want ErrConflict", err)
		}
		mustCreateApplicant(t, s, newApplicant("apl_3", "mdl", "S-1", t0))
		mustCreateApplicant(t, s, newApplicant("apl_4", "pid", "", t0))
		mustCreateApplicant(t, s, newApplicant("apl_5", "pid", "", t0))
		if _, err := s.Applicant(ctx, "apl_2"); !errors.Is(err, applicants.ErrNotFound) {
			t.Fatalf("refused applicant was stored: %v", err)
		}

		got.Name, got.ExternalID, got.Flags, got.ClaimsSealed, got.UpdatedAt = "Ada Lovelace", "S-9", nil, []byte("new"), t0.Add(time.Hour)
		if err := s.UpdateApplicant(ctx, got, applicantEvent("applicant.updated", got.ID)); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Applicant(ctx, "apl_1")
		if again.Name != "Ada Lovelace" || again.ExternalID != "S-9" || len(again.Flags) != 0 || string(again.ClaimsSealed) != "new" || !again.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after update: %+v", again)
		}
		taken := *again
		taken.ID = "apl_4"
		if err := s.UpdateApplicant(ctx, &taken, applicantEvent("applicant.updated", "apl_4")); !errors.Is(err, applicants.ErrConflict) {
			t.Errorf("update to a taken external id: got %v", err)
		}
		taken.ID = "apl_nope"
		if err := s.UpdateApplicant(ctx, &taken, applicantEvent("applicant.updated", "apl_nope")); !errors.Is(err, applicants.ErrNotFound) {
			t.Errorf("update unknown: got %v", err)
		}
		ids, err := s.ExistingExternalIDs(ctx, "pid", []string{"S-9", "S-1", "S-2"})
		if err != nil || !ids["S-9"] || ids["S-1"] || ids["S-2"] {
			t.Errorf("ExistingExternalIDs: %v %v", ids, err)
		}
		if err := s.DeleteApplicant(ctx, "apl_1", applicantEvent("applicant.deleted", "apl_1")); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteApplicant(ctx, "apl_1", applicantEvent("applicant.deleted", "apl_1")); !errors.Is(err, applicants.ErrNotFound) {
			t.Errorf("second delete: got %v", err)
		}
		evs, _ := s.AuditEvents(ctx, "applicant", "apl_1")
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
		}
		if !slices.Equal(actions, []string{"applicant.created", "applicant.updated", "applicant.deleted"}) {
			t.Errorf("audit of apl_1: %v", actions)
		}
	})
}

// listAll walks every page of q (forward, then back from the end) and
// returns the ids in order.
func listAll(t *testing.T, s *db.Store, q applicants.ListQuery) []string {
	t.Helper()
	var ids []string
	for {
		rows, err := s.Applicants(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range rows {
			ids = append(ids, a.ID)
		}
		if len(rows) < q.Limit {
			return ids
		}
		last := rows[len(rows)-1]
		q.After = &applicants.SortKey{CreatedAt: last.CreatedAt, NameKey: applicants.NameKey(last.Name), ID: last.ID}
	}
}

func TestApplicantsKeysetPagesAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		names := []string{"Zoë Ng", "ada Byron", "Ada Lovelace", "Alan Turing", "Grace Hopper", "Adele Goldberg", "Barbara Liskov"}
		var newest []string // expected newest-first order
		for i := range 21 {
			id := fmt.Sprintf("apl_%02d", i)
			// Three applicants share each creation time: id breaks the tie.
			a := newApplicant(id, []string{"pid", "mdl"}[i%2], fmt.Sprintf("EXT-%02d", i), t0.Add(time.Duration(i/3)*time.Minute))
			a.Name, a.Email = names[i%len(names)], fmt.Sprintf("user%02d@Example.org", i)
			if i%5 == 0 {
				a.Flags = []string{applicants.FlagNoContact}
			}
			if i < 10 {
				a.ImportJobID = "imp_a"
			}
			mustCreateApplicant(t, s, a)
			newest = append([]string{id}, newest...)
		}
		if got := listAll(t, s, applicants.ListQuery{Sort: applicants.SortNewest, Limit: 4}); !slices.Equal(got, newest) {
			t.Errorf("newest first:\ngot  %v\nwant %v", got, newest)
		}
		// Backward from the oldest gives the rest in reverse.
		rows, _ := s.Applicants(t.Context(), applicants.ListQuery{Sort: applicants.SortNewest, Limit: 3, Backward: true,
			After: &applicants.SortKey{CreatedAt: t0, ID: "apl_00"}})
		if got := ids(rows); !slices.Equal(got, []string{"apl_01", "apl_02", "apl_03"}) {
			t.Errorf("backward from apl_00: %v", got)
		}
		byName := listAll(t, s, applicants.ListQuery{Sort: applicants.SortName, Limit: 5})
		var gotNames []string
		for _, id := range byName {
			a, _ := s.Applicant(t.Context(), id)
			gotNames = append(gotNames, applicants.NameKey(a.Name))
		}
		if !slices.IsSorted(gotNames) || len(byName) != 21 {
			t.Errorf("by name: %v", gotNames)
		}
		for _, tc := range []struct {
			name   string
			filter applicants.Filter
			want   int
		}{
			{"configuration", applicants.Filter{ConfigurationID: "mdl"}, 10},
			{"import job", applicants.Filter{ImportJobID: "imp_a"}, 10},
			{"flagged", applicants.Filter{Flagged: true}, 5},
			{"name prefix, any case", applicants.Filter{Query: "ADA "}, 6},
			{"email prefix", applicants.Filter{Query: "USER1"}, 10},
			{"external id prefix", applicants.Filter{Query: "EXT-2"}, 1},
			{"external id is case-sensitive", applicants.Filter{Query: "ext-2"}, 0},
			{"combined", applicants.Filter{ConfigurationID: "pid", Flagged: true, Query: "user"}, 3},
		} {
			got := listAll(t, s, applicants.ListQuery{Filter: tc.filter, Sort: applicants.SortNewest, Limit: 3})
			if len(got) != tc.want {
				t.Errorf("%s: got %d applicants %v, want %d", tc.name, len(got), got, tc.want)
			}
		}
	})
}

func ids(as []applicants.Applicant) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

// TestApplicantNames checks the bulk name lookup of list pages, across
// more ids than one query takes.
func TestApplicantNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var ids []string
		for i := range 3 {
			a := newApplicant(fmt.Sprintf("apl_n%d", i), "pid", "", t0)
			mustCreateApplicant(t, s, a)
			ids = append(ids, a.ID)
		}
		for i := range 600 { // unknown ids fill a second chunk
			ids = append(ids, fmt.Sprintf("apl_missing%d", i))
		}
		ids = append(ids, "apl_n0")
		names, err := s.ApplicantNames(t.Context(), ids)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"apl_n0": "Ada apl_n0", "apl_n1": "Ada apl_n1", "apl_n2": "Ada apl_n2"}
		if !maps.Equal(names, want) {
			t.Errorf("ApplicantNames = %v, want %v", names, want)
		}
		people, err := s.ApplicantAddressees(t.Context(), ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 3 || people["apl_n2"] != (applicants.Addressee{Name: "Ada apl_n2", Address: "1 Lane\nLondon"}) {
			t.Errorf("ApplicantAddressees = %v, want the three applicants' names and addresses", people)
		}
	})
}
