package db_test

import (
	"slices"
	"testing"

	"credmint/db"
	"credmint/db/dbtest"
)

// TestStatusCredentialsSignedBy pages through the credentials of one
// signing key in id order.
func TestStatusCredentialsSignedBy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		if _, err := s.ReserveStatusEntries(t.Context(), 5, 2, listMaker(16, 2)); err != nil {
			t.Fatal(err)
		}
		ids := issueWithStatus(t, s, "off-sb", "", "sl_2_1", 3, 1, 4, 0, 2) // all signed by kid-1
		slices.Sort(ids)
		var got []string
		after := ""
		for range 4 {
			page, err := s.StatusCredentialsSignedBy(t.Context(), "kid-1", after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				if c.SigningKeyID != "kid-1" || c.ListID != "sl_2_1" {
					t.Errorf("credential %+v, want signing key kid-1 in sl_2_1", c)
				}
				got = append(got, c.ID)
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(got, ids) {
			t.Errorf("pages = %v, want %v", got, ids)
		}
		if page, err := s.StatusCredentialsSignedBy(t.Context(), "kid-other", "", 10); err != nil || len(page) != 0 {
			t.Errorf("another key: %v %v, want none", page, err)
		}
	})
}
