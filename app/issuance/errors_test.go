package issuance

import "testing"

// TestPublicDescription: error_description keeps to RFC 6749 §5.2's
// characters whatever wallet input a description quotes.
func TestPublicDescription(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text (with [brackets]) ~!", "plain text (with [brackets]) ~!"},
		{`alg "HS256"`, `alg 'HS256'`},
		{`a\b`, `a?b`},
		{"line\nbreak\ttab\x7f", "line?break?tab?"},
		{"café ✓", "caf? ?"},
		{"", ""},
	} {
		e := &Error{Code: CodeInvalidProof, Description: tc.in}
		if got := e.PublicDescription(); got != tc.want {
			t.Errorf("PublicDescription(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// allowedInDescription reports whether every character of s is one RFC
// 6749 §5.2 allows in error_description: %x20-21 / %x23-5B / %x5D-7E.
func allowedInDescription(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
