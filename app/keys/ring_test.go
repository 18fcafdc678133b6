package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/audit"
	"credmint/app/keys"
	"credmint/db"
	"credmint/db/dbtest"
)

// t0 is the tests' "now": whole seconds, as stored times may be.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newRing(t testing.TB, s keys.Store, sealer *keys.Sealer, c *clock) *keys.Ring {
	t.Helper()
	r, err := keys.NewRing(keys.Deps{
		Store:   s,
		Sealer:  sealer,
		Now:     c.Now,
		Subject: "credmint issuer issuer.example.org",
		DNSName: "issuer.example.org",
	})
	if err != nil {
		t.Fatalf("NewRing: %v", err)
	}
	return r
}

func ensure(t testing.TB, r *keys.Ring, wantCreated bool) {
	t.Helper()
	created, err := r.Ensure(context.Background(), keys.PurposeCredential)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	if created != wantCreated {
		t.Fatalf("Ensure created = %v, want %v", created, wantCreated)
	}
}

func active(t testing.TB, r *keys.Ring) keys.Signer {
	t.Helper()
	s, err := r.Active(keys.PurposeCredential)
	if err != nil {
		t.Fatalf("Active: %v", err)
	}
	return s
}

func storedKeys(t testing.TB, s keys.Store) []keys.Record {
	t.Helper()
	recs, err := s.SigningKeys(context.Background())
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	return recs
}

// signAndVerify signs a JWS with s through keys.JOSE and verifies it with
// pub, as a wallet holding the published key would.
func signAndVerify(t testing.TB, s keys.Signer, pub crypto.PublicKey) {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: keys.JOSE(context.Background(), s)}, nil)
	if err != nil {
		t.Fatalf("jose.NewSigner: %v", err)
	}
	obj, err := signer.Sign([]byte("payload"))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	compact, err := obj.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}
	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("ParseSigned: %v", err)
	}
	if _, err := jws.Verify(pub); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// storeKey puts a key into the store as the Ring would have, but with the
// given validity and retirement, and returns its id.
func storeKey(t testing.TB, s keys.Store, sealer *keys.Sealer, notBefore, notAfter time.Time, retiredAt *time.Time) string {
	t.Helper()
	key := newP256(t)
	sum, err := (&jose.JSONWebKey{Key: &key.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatalf("Thumbprint: %v", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(sum)
	cert, err := keys.SelfSignedCertificate(key, "test key", "", notBefore, notAfter, rand.Reader)
	if err != nil {
		t.Fatalf("SelfSignedCertificate: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("MarshalPKCS8PrivateKey: %v", err)
	}
	sealed, err := sealer.Seal(der, []byte(kid))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	rec := &keys.Record{
		ID: kid, Purpose: keys.PurposeCredential, Algorithm: "ES256",
		PrivateKeySealed: sealed, CertificateChain: [][]byte{cert}, CertificateState: keys.CertificateGenerated,
		CreatedAt: notBefore, NotBefore: notBefore, NotAfter: notAfter, RetiredAt: retiredAt,
	}
	if err := s.CreateSigningKey(context.Background(), rec, testEvent(kid)); err != nil {
		t.Fatalf("CreateSigningKey: %v", err)
	}
	return kid
}

// testEvent is the audit event of a key the test stores directly.
func testEvent(kid string) audit.Event {
	return audit.Event{At: t0, Action: "signing_key.created", SubjectType: "signing_key", SubjectID: kid}
}

func TestNewRingValidates(t *testing.T) {
	sealer := newSealer(t, masterKey(1))
	store := dbtest.SQLite(t)
	tests := []struct {
		name string
		deps keys.Deps
	}{
		{"no store", keys.Deps{Sealer: sealer}},
		{"no sealer", keys.Deps{Store: store}},
		{"negative validity", keys.Deps{Store: store, Sealer: sealer, CertValidity: -time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.NewRing(tt.deps); err == nil {
				t.Errorf("NewRing succeeded, want error")
			}
		})
	}
}

func TestRingEnsureCreatesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := newClock(t0)
		r := newRing(t, s, newSealer(t, masterKey(1)), c)
		if _, err := r.Active(keys.PurposeCredential); !errors.Is(err, keys.ErrNoActiveKey) {
			t.Fatalf("Active before Ensure: error = %v, want ErrNoActiveKey", err)
		}

		ensure(t, r, true)
		ensure(t, r, false)

		recs := storedKeys(t, s)
		if got, want := len(recs), 1; got != want {
			t.Fatalf("store holds %d keys, want %d", got, want)
		}
		rec := recs[0]
		signer := active(t, r)
		if got, want := signer.KeyID(), rec.ID; got != want {
			t.Errorf("active kid = %q, want stored id %q", got, want)
		}
		if got, want := rec.Algorithm, "ES256"; got != want {
			t.Errorf("stored algorithm = %q, want %q", got, want)
		}
		if !rec.NotBefore.Equal(t0) || !rec.NotAfter.Equal(t0.Add(keys.DefaultCertValidity)) {
			t.Errorf("stored validity = %v … %v, want %v … %v", rec.NotBefore, rec.NotAfter, t0, t0.Add(keys.DefaultCertValidity))
		}
		if len(rec.PrivateKeySealed) == 0 {
			t.Errorf("stored key has no sealed private key")
		}
		if _, err := x509.ParsePKCS8PrivateKey(rec.PrivateKeySealed); err == nil {
			t.Errorf("stored private key parses as PKCS#8: it is not sealed")
		}

		chain := signer.Chain()
		if got, want := len(chain), 1; got != want {
			t.Fatalf("chain has %d certificates, want %d", got, want)
		}
		if got, want := chain[0].Subject.CommonName, "credmint issuer issuer.example.org"; got != want {
			t.Errorf("certificate CN = %q, want %q", got, want)
		}
		if got, want := strings.Join(chain[0].DNSNames, ","), "issuer.example.org"; got != want {
			t.Errorf("certificate DNSNames = %q, want %q", got, want)
		}
		if !chain[0].NotAfter.Equal(rec.NotAfter) {
			t.Errorf("certificate NotAfter = %v, want the key's %v", chain[0].NotAfter, rec.NotAfter)
		}
		signAndVerify(t, signer, chain[0].PublicKey)

		infos := r.Keys()
		if got, want := len(infos), 1; got != want {
			t.Fatalf("Keys() has %d entries, want %d", got, want)
		}
		want := keys.Info{
			ID: rec.ID, Purpose: keys.PurposeCredential, Algorithm: "ES256",
			CreatedAt: t0, NotBefore: t0, NotAfter: t0.Add(keys.DefaultCertValidity),
			Subject: "CN=credmint issuer issuer.example.org", Active: true,
		}
		got := infos[0]
		if got.ID != want.ID || got.Purpose != want.Purpose || got.Algorithm != want.Algorithm ||
			!got.CreatedAt.Equal(want.CreatedAt) || !got.NotBefore.Equal(want.NotBefore) || !got.NotAfter.Equal(want.NotAfter) ||
			got.Subject != want.Subject || got.Retired != want.Retired || got.Active != want.Active {
			t.Errorf("Keys()[0] = %+v, want %+v", got, want)
		}
	})
}

func TestRingReloadsSameKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := newClock(t0)
		first := newRing(t, s, newSealer(t, masterKey(1)), c)
		ensure(t, first, true)
		want := active(t, first)

		// A restart: a new Ring and Sealer over the same store and master key.
		second := newRing(t, s, newSealer(t, masterKey(1)), c)
		if err := second.Load(context.Background()); err != nil {
			t.Fatalf("Load: %v", err)
		}
		got := active(t, second)
		if got.KeyID() != want.KeyID() {
			t.Errorf("reloaded kid = %q, want %q", got.KeyID(), want.KeyID())
		}
		signAndVerify(t, got, want.Public())
		ensure(t, second, false)
		if got, want := len(storedKeys(t, s)), 1; got != want {
			t.Errorf("store holds %d keys, want %d", got, want)
		}
	})
}

func TestRingWrongMasterKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := newClock(t0)
		ensure(t, newRing(t, s, newSealer(t, masterKey(1)), c), true)

		wrong := newRing(t, s, newSealer(t, masterKey(2)), c)
		err := wrong.Load(context.Background())
		if !errors.Is(err, keys.ErrMasterKeyMismatch) {
			t.Fatalf("Load with another master key: error = %v, want ErrMasterKeyMismatch", err)
		}
		if !strings.Contains(err.Error(), "master key does not match") {
			t.Errorf("error %q does not say the master key does not match", err)
		}
		if _, err := wrong.Ensure(context.Background(), keys.PurposeCredential); !errors.Is(err, keys.ErrMasterKeyMismatch) {
			t.Errorf("Ensure with another master key: error = %v, want ErrMasterKeyMismatch", err)
		}
		if got, want := len(storedKeys(t, s)), 1; got != want {
			t.Errorf("store holds %d keys after Ensure with a wrong master key, want %d", got, want)
		}
		if _, err := wrong.Active(keys.PurposeCredential); err == nil {
			t.Errorf("Active succeeded on a Ring that failed to load")
		}
	})
}

func TestRingPublicJWKS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := newClock(t0)
		r := newRing(t, s, newSealer(t, masterKey(1)), c)
		ensure(t, r, true)
		signer := active(t, r)

		body, err := json.Marshal(r.PublicJWKS())
		if err != nil {
			t.Fatalf("marshal JWKS: %v", err)
		}
		var raw struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("unmarshal JWKS: %v", err)
		}
		if got, want := len(raw.Keys), 1; got != want {
			t.Fatalf("JWKS has %d keys, want %d: %s", got, want, body)
		}
		k := raw.Keys[0]
		for member, want := range map[string]string{"kty": "EC", "crv": "P-256", "kid": signer.KeyID(), "alg": "ES256", "use": "sig"} {
			if got := k[member]; got != want {
				t.Errorf("JWKS %s = %v, want %q", member, got, want)
			}
		}
		if _, ok := k["d"]; ok {
			t.Fatalf("JWKS contains the private key: %s", body)
		}

		// Read back as a verifier would: x5c parses and is the same key.
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(body, &set); err != nil {
			t.Fatalf("go-jose unmarshal JWKS: %v", err)
		}
		found := set.Key(signer.KeyID())
		if len(found) != 1 {
			t.Fatalf("JWKS has %d keys with kid %q, want 1", len(found), signer.KeyID())
		}
		jwk := found[0]
		if !jwk.IsPublic() {
			t.Errorf("JWKS key is not public")
		}
		if got, want := len(jwk.Certificates), 1; got != want {
			t.Fatalf("x5c has %d certificates, want %d", got, want)
		}
		pub, ok := jwk.Certificates[0].PublicKey.(*ecdsa.PublicKey)
		if !ok || !pub.Equal(signer.Public()) {
			t.Errorf("x5c leaf is not the key")
		}
		signAndVerify(t, signer, jwk.Key)
	})
}

func TestRingNotBefore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		sealer := newSealer(t, masterKey(1))
		c := newClock(t0)
		r := newRing(t, s, sealer, c)
		ensure(t, r, true)
		current := active(t, r).KeyID()

		// A rotation prepared a day ahead.
		next := storeKey(t, s, sealer, t0.Add(24*time.Hour), t0.Add(48*time.Hour), nil)
		if err := r.Load(context.Background()); err != nil {
			t.Fatalf("Load: %v", err)
		}
		jwks := r.PublicJWKS()
		if len(jwks.Key(current)) != 1 || len(jwks.Key(next)) != 1 {
			t.Errorf("JWKS lacks the current or the next key: %+v", jwks)
		}

		tests := []struct {
			name string
			now  time.Time
			want string // "" for no active key
		}{
			{"before any key", t0.Add(-time.Second), ""},
			{"current key", t0, current},
			{"just before the next key", t0.Add(24*time.Hour - time.Second), current},
			{"next key", t0.Add(24 * time.Hour), next},
			{"next key expired", t0.Add(48 * time.Hour), current},
			{"all expired", t0.Add(keys.DefaultCertValidity), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c.Set(tt.now)
				got, err := r.Active(keys.PurposeCredential)
				if tt.want == "" {
					if !errors.Is(err, keys.ErrNoActiveKey) {
						t.Errorf("Active at %v: error = %v, want ErrNoActiveKey", tt.now, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Active at %v: %v", tt.now, err)
				}
				if got.KeyID() != tt.want {
					t.Errorf("Active at %v = %q, want %q", tt.now, got.KeyID(), tt.want)
				}
				for _, info := range r.Keys() {
					if got, want := info.Active, info.ID == tt.want; got != want {
						t.Errorf("Keys(): %s Active = %v, want %v", info.ID, got, want)
					}
				}
			})
		}

		// With every key expired, Ensure makes a fresh one.
		c.Set(t0.Add(keys.DefaultCertValidity + time.Hour))
		ensure(t, r, true)
		if got := active(t, r).KeyID(); got == current || got == next {
			t.Errorf("Active after renewal = %q, an expired key", got)
		}
	})
}

func TestRingOnlyFutureKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		sealer := newSealer(t, masterKey(1))
		c := newClock(t0)
		future := storeKey(t, s, sealer, t0.Add(time.Hour), t0.Add(48*time.Hour), nil)
		r := newRing(t, s, sealer, c)
		if err := r.Load(context.Background()); err != nil {
			t.Fatalf("Load: %v", err)
		}
		if _, err := r.Active(keys.PurposeCredential); !errors.Is(err, keys.ErrNoActiveKey) {
			t.Fatalf("Active with only a future key: error = %v, want ErrNoActiveKey", err)
		}
		ensure(t, r, true)
		if got := active(t, r).KeyID(); got == future {
			t.Errorf("Active = the future key %q", got)
		}
	})
}

func TestRingRetired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		sealer := newSealer(t, masterKey(1))
		c := newClock(t0)
		retiredAt := t0.Add(-time.Minute)
		old := storeKey(t, s, sealer, t0.Add(-time.Hour), t0.Add(time.Hour), &retiredAt)
		r := newRing(t, s, sealer, c)
		ensure(t, r, true)
		if got := active(t, r).KeyID(); got == old {
			t.Errorf("Active = the retired key")
		}
		if jwks := r.PublicJWKS(); len(jwks.Key(old)) != 0 {
			t.Errorf("JWKS contains the retired key")
		}
		var sawRetired bool
		for _, info := range r.Keys() {
			if info.ID == old {
				sawRetired = true
				if !info.Retired || info.Active {
					t.Errorf("Keys(): retired key has Retired = %v, Active = %v, want true, false", info.Retired, info.Active)
				}
			}
		}
		if !sawRetired {
			t.Errorf("Keys() omits the retired key")
		}
	})
}

func TestRingConcurrentEnsure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		r := newRing(t, s, newSealer(t, masterKey(1)), newClock(t0))
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 8 {
			wg.Go(func() {
				if _, err := r.Ensure(context.Background(), keys.PurposeCredential); err != nil {
					errs <- err
				}
			})
			wg.Go(func() {
				_ = r.PublicJWKS()
				_ = r.Keys()
				if signer, err := r.Active(keys.PurposeCredential); err == nil {
					if _, err := signer.Sign(context.Background(), []byte("m")); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent use: %v", err)
		}
		if got, want := len(storedKeys(t, s)), 1; got != want {
			t.Errorf("store holds %d keys after concurrent Ensure, want %d", got, want)
		}
	})
}

// TestRingEnsureAll checks that EnsureAll creates a key for each purpose
// that has none, and only for those.
func TestRingEnsureAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		r := newRing(t, s, newSealer(t, masterKey(1)), newClock(t0))
		ensure(t, r, true) // the credential purpose has a key already
		purposes := []string{keys.PurposeCredential, keys.PurposeStatusList, keys.PurposeMetadata}
		created, err := r.EnsureAll(context.Background(), purposes...)
		if err != nil {
			t.Fatal(err)
		}
		if want := purposes[1:]; !slices.Equal(created, want) {
			t.Errorf("EnsureAll created keys for %v, want %v", created, want)
		}
		for _, p := range purposes {
			if _, err := r.Active(p); err != nil {
				t.Errorf("no active %s key after EnsureAll: %v", p, err)
			}
		}
		if created, err := r.EnsureAll(context.Background(), purposes...); err != nil || len(created) != 0 {
			t.Errorf("second EnsureAll created %v (%v), want nothing", created, err)
		}
		if _, err := r.EnsureAll(context.Background(), keys.PurposeMetadata, ""); err == nil {
			t.Error("EnsureAll accepted an empty purpose")
		}
	})
}
