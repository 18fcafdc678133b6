package oid4vci

import "testing"

func TestStatusForm(t *testing.T) {
	const jwt, cwt = "application/statuslist+jwt", "application/statuslist+cwt"
	tests := []struct {
		accept string
		want   string // "" for 406
	}{
		{"", jwt},
		{"*/*", jwt},
		{"application/*", jwt},
		{jwt, jwt},
		{"application/jwt", jwt},
		{cwt, cwt},
		{"application/cwt", cwt},
		{cwt + ", " + jwt, jwt}, // a tie: the default
		{jwt + ";q=0.5, " + cwt, cwt},
		{cwt + ";q=0.9, */*;q=0.1", cwt},
		{jwt + ";q=0, */*", cwt}, // the JWT excluded, */* admits the CWT
		{cwt + ";q=0, */*", jwt},
		{"text/html", ""},
		{jwt + ";q=0, " + cwt + ";q=0", ""},
		{"application/json;q=1, text/*", ""},
		{"garbage;;", ""},
		{cwt + ";q=2", ""}, // an invalid quality is ignored
	}
	for _, tt := range tests {
		got, ok := statusForm(tt.accept)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("statusForm(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}
