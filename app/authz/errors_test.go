package authz

import (
	"net/url"
	"testing"
)

// TestRedirectErrorDescriptionIsSafe checks that a description quoting the
// wallet's input is sent in the characters RFC 6749 §4.1.2.1 allows.
func TestRedirectErrorDescriptionIsSafe(t *testing.T) {
	e := &RedirectError{Code: CodeInvalidScope, Description: `unknown scope "äb\c"` + "\n", RedirectURI: "https://wallet.example/cb?x=1", State: "s1"}
	u, err := url.Parse(e.Location("https://issuer.example"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got, want := q.Get("error_description"), "unknown scope '?b?c'?"; got != want {
		t.Errorf("error_description = %q, want %q", got, want)
	}
	if q.Get("error") != CodeInvalidScope || q.Get("iss") != "https://issuer.example" || q.Get("state") != "s1" || q.Get("x") != "1" {
		t.Errorf("redirect query = %v", q)
	}
}
