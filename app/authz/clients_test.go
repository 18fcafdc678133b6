package authz

import (
	"context"
	"net/http"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

func TestClientsResolve(t *testing.T) {
	registered := []Client{{ID: "wallet.example", Name: "Example Wallet", RedirectURIs: []string{"https://wallet.example/cb", "eudi-wallet://cb"}}}
	closed, err := NewClients(registered, UnregisteredPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	open, err := NewClients(registered, UnregisteredPolicy{Allowed: true, Schemes: []string{"HTTPS", "my-wallet"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name               string
		clients            *Clients
		clientID, redirect string
		wantName           string // "" when refused
		wantCode           string
	}{
		{"registered", closed, "wallet.example", "https://wallet.example/cb", "Example Wallet", ""},
		{"registered custom scheme", closed, "wallet.example", "eudi-wallet://cb", "Example Wallet", ""},
		{"registered, other redirect", closed, "wallet.example", "https://wallet.example/cb/", "", CodeInvalidRequest},
		{"registered, redirect with query", closed, "wallet.example", "https://wallet.example/cb?x=1", "", CodeInvalidRequest},
		{"unknown client", closed, "other", "https://other.example/cb", "", CodeInvalidClient},
		{"no client_id", closed, "", "https://wallet.example/cb", "", CodeInvalidRequest},
		{"no redirect_uri", closed, "wallet.example", "", "", CodeInvalidRequest},
		{"unregistered https", open, "other", "https://other.example/cb", "other", ""},
		{"unregistered allowed scheme", open, "other", "my-wallet:/cb", "other", ""},
		{"unregistered other scheme", open, "other", "http://other.example/cb", "", CodeInvalidRequest},
		{"unregistered javascript", open, "other", "javascript:alert(1)", "", CodeInvalidRequest},
		{"unregistered fragment", open, "other", "https://other.example/cb#x", "", CodeInvalidRequest},
		{"registered still exact when open", open, "wallet.example", "https://elsewhere.example/cb", "", CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, perr := tc.clients.Resolve(context.Background(), tc.clientID, tc.redirect)
			if tc.wantName != "" {
				if perr != nil || cl.Name != tc.wantName {
					t.Fatalf("got %+v, %v; want client %q", cl, perr, tc.wantName)
				}
				return
			}
			if perr == nil || perr.Code != tc.wantCode || perr.Status != http.StatusBadRequest {
				t.Fatalf("got %+v, %+v; want a %s page", cl, perr, tc.wantCode)
			}
		})
	}
}

func TestNewClientsRefusesBadRegistrations(t *testing.T) {
	for name, cs := range map[string][]Client{
		"no id":          {{RedirectURIs: []string{"https://w.example/cb"}}},
		"twice":          {{ID: "a", RedirectURIs: []string{"https://w.example/cb"}}, {ID: "a", RedirectURIs: []string{"https://w.example/cb"}}},
		"no redirect":    {{ID: "a"}},
		"relative":       {{ID: "a", RedirectURIs: []string{"/cb"}}},
		"fragment":       {{ID: "a", RedirectURIs: []string{"https://w.example/cb#f"}}},
		"data scheme":    {{ID: "a", RedirectURIs: []string{"data:text/html,hi"}}},
		"https, no host": {{ID: "a", RedirectURIs: []string{"https:///cb"}}},
	} {
		if _, err := NewClients(cs, UnregisteredPolicy{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCheckPKCE(t *testing.T) {
	good := s256("a-verifier-of-enough-length-0123456789-abcdef")
	for _, tc := range []struct {
		challenge, method string
		ok                bool
	}{
		{good, "S256", true},
		{good, "plain", false},
		{good, "", false},
		{"", "S256", false},
		{"short", "S256", false},
		{good + "!", "S256", false},
	} {
		if err := checkPKCE(tc.challenge, tc.method); (err == nil) != tc.ok {
			t.Errorf("checkPKCE(%q, %q): got %v, want ok=%v", tc.challenge, tc.method, err, tc.ok)
		}
	}
	v := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 Appendix B
	if !pkceMatches(v, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") {
		t.Error("pkceMatches fails the RFC 7636 Appendix B example")
	}
}

// memClients is an in-memory ClientStore that counts reads.
type memClients struct {
	m     map[string]StoredClient
	reads int
}

func (s *memClients) WalletClient(_ context.Context, id string) (*StoredClient, error) {
	s.reads++
	c, ok := s.m[id]
	if !ok {
		return nil, issuance.ErrNotFound
	}
	return &c, nil
}
func (s *memClients) WalletClients(context.Context) ([]StoredClient, error) { return nil, nil }
func (s *memClients) CreateWalletClient(context.Context, *StoredClient, audit.Event) error {
	return nil
}
func (s *memClients) UpdateWalletClient(context.Context, *StoredClient, audit.Event) error {
	return nil
}
func (s *memClients) DeleteWalletClient(context.Context, string, audit.Event) error { return nil }

// TestClientsPreDraft: pre_1_0 comes from the configuration file and from
// enabled console clients, through the client cache.
func TestClientsPreDraft(t *testing.T) {
	c, err := NewClients([]Client{
		{ID: "file.old", RedirectURIs: []string{"https://w.example/cb"}, Pre10: true},
		{ID: "file.new", RedirectURIs: []string{"https://w.example/cb"}},
	}, UnregisteredPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	st := &memClients{m: map[string]StoredClient{
		"db.old":      {ID: "db.old", Pre10: true},
		"db.new":      {ID: "db.new"},
		"db.disabled": {ID: "db.disabled", Pre10: true, Disabled: true},
	}}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.UseStore(st, func() time.Time { return now })
	for id, want := range map[string]bool{"": false, "file.old": true, "file.new": false, "db.old": true, "db.new": false, "db.disabled": false, "unknown": false} {
		if got, err := c.PreDraft(context.Background(), id); err != nil || got != want {
			t.Errorf("PreDraft(%q): got %v, %v, want %v", id, got, err, want)
		}
	}
	reads := st.reads
	if got, _ := c.PreDraft(context.Background(), "db.old"); !got || st.reads != reads {
		t.Errorf("second lookup: got %v with %d store reads, want true from the cache", got, st.reads-reads)
	}
}
