package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ErrMasterKeyMismatch is wrapped by the error Load returns when a stored
// private key cannot be opened: the configured master key is not the one
// the keys were sealed with (or the stored value is corrupt).
var ErrMasterKeyMismatch = errors.New("the master key does not match the one the signing keys were sealed with (or the stored key is corrupt); start credmint with the original master key")

// ErrNoActiveKey is wrapped by the error Active returns when no key may sign
// for the purpose right now.
var ErrNoActiveKey = errors.New("keys: no active signing key")

const (
	// DefaultCertValidity is how long a generated certificate, and so its
	// key, stays valid.
	DefaultCertValidity = 2 * 365 * 24 * time.Hour
	// certBackdate moves a generated certificate's notBefore into the past,
	// so verifiers whose clocks run a little behind still accept its x5c.
	// The key itself signs only from Record.NotBefore.
	certBackdate   = time.Hour
	defaultSubject = "credmint issuer"
)

// Deps are what a Ring needs. Store and Sealer are required.
type Deps struct {
	Store  Store
	Sealer *Sealer
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand is the randomness for certificate serials; default
	// crypto/rand.Reader. Key generation and signatures always use the
	// system's secure source (Go 1.26 ignores custom readers there).
	Rand io.Reader
	// Subject is the certificate CN, e.g. "credmint issuer
	// issuer.example.org"; default "credmint issuer" followed by DNSName.
	Subject string
	// DNSName is the certificate subjectAltName, e.g. the public URL's host.
	// It may be empty, a host name or an IP address.
	DNSName string
	// CertValidity is how long generated certificates are valid; default
	// DefaultCertValidity.
	CertValidity time.Duration
}

// Info describes one key for listing. It holds no key material.
type Info struct {
	ID        string
	Purpose   string
	Algorithm string
	CreatedAt time.Time
	NotBefore time.Time
	NotAfter  time.Time
	// Subject is the leaf certificate's subject, empty without a chain.
	Subject string
	Retired bool
	// Active reports whether Active(Purpose) returns this key now.
	Active bool
}

// Ring manages the issuer's signing keys: it opens the sealed keys from the
// Store, creates keys when a purpose has none, picks the active key per
// purpose and publishes the public keys. It is safe for concurrent use.
type Ring struct {
	store    Store
	sealer   *Sealer
	now      func() time.Time
	rand     io.Reader
	subject  string
	dnsName  string
	validity time.Duration

	// ensureMu serialises Ensure, so one process creates one key.
	ensureMu sync.Mutex
	mu       sync.RWMutex
	keys     []*entry // oldest first
}

type entry struct {
	rec    Record // PrivateKeySealed dropped once opened
	signer Signer
}

// NewRing validates d and fills its defaults. The Ring is empty until Load
// or Ensure.
func NewRing(d Deps) (*Ring, error) {
	if d.Store == nil {
		return nil, errors.New("keys: Ring needs a Store")
	}
	if d.Sealer == nil {
		return nil, errors.New("keys: Ring needs a Sealer")
	}
	if d.CertValidity < 0 {
		return nil, errors.New("keys: CertValidity must not be negative")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.CertValidity == 0 {
		d.CertValidity = DefaultCertValidity
	}
	if d.Subject == "" {
		d.Subject = defaultSubject
		if host := sanHost(d.DNSName); host != "" {
			d.Subject += " " + host
		}
	}
	return &Ring{
		store: d.Store, sealer: d.Sealer, now: d.Now, rand: d.Rand,
		subject: d.Subject, dnsName: d.DNSName, validity: d.CertValidity,
	}, nil
}

// Load reads every key from the Store, opens its private key (the key id is
// the additional authenticated data) and parses its certificate chain. It
// replaces what the Ring held only if every key opens; a key sealed under
// another master key makes it fail with ErrMasterKeyMismatch.
func (r *Ring) Load(ctx context.Context) error {
	recs, err := r.store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: read signing keys: %w", err)
	}
	entries := make([]*entry, 0, len(recs))
	for _, rec := range recs {
		e, err := r.open(rec)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	slices.SortStableFunc(entries, func(a, b *entry) int {
		return a.rec.CreatedAt.Compare(b.rec.CreatedAt)
	})
	r.mu.Lock()
	r.keys = entries
	r.mu.Unlock()
	return nil
}

// open turns a stored record into a signer, checking that the key, its id
// and its certificate belong together.
func (r *Ring) open(rec Record) (*entry, error) {
	if rec.Algorithm != AlgorithmES256 {
		return nil, fmt.Errorf("keys: signing key %s: unsupported algorithm %q", rec.ID, rec.Algorithm)
	}
	der, err := r.sealer.Open(rec.PrivateKeySealed, []byte(rec.ID))
	if errors.Is(err, errOpen) {
		return nil, fmt.Errorf("keys: open signing key %s: %w", rec.ID, ErrMasterKeyMismatch)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: open signing key %s: %w", rec.ID, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %s: parse private key: %w", rec.ID, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("keys: signing key %s: not a P-256 key", rec.ID)
	}
	chain := make([]*x509.Certificate, 0, len(rec.CertificateChain))
	for i, c := range rec.CertificateChain {
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return nil, fmt.Errorf("keys: signing key %s: certificate %d: %w", rec.ID, i, err)
		}
		chain = append(chain, cert)
	}
	if len(chain) > 0 {
		if pub, ok := chain[0].PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
			return nil, fmt.Errorf("keys: signing key %s: leaf certificate is for another key", rec.ID)
		}
	}
	s, err := newLocalSigner(key, chain)
	if err != nil {
		return nil, fmt.Errorf("keys: signing key %s: %w", rec.ID, err)
	}
	if s.KeyID() != rec.ID {
		return nil, fmt.Errorf("keys: signing key %s: id does not match the key's thumbprint %s", rec.ID, s.KeyID())
	}
	rec.PrivateKeySealed = nil
	return &entry{rec: rec, signer: s}, nil
}

// Ensure makes sure purpose has a key Active would return: it reloads the
// Store and, if there is none, generates a P-256 key and a self-signed
// certificate, seals and stores them, and loads again. created reports
// whether it made a key. It never creates a key when Load fails, so a wrong
// master key cannot shadow the stored keys.
//
// Ensure is serialised within a process; two processes racing on an empty
// shared store may each create a key, which is harmless (the newer is used).
func (r *Ring) Ensure(ctx context.Context, purpose string) (created bool, err error) {
	if purpose == "" {
		return false, errors.New("keys: Ensure needs a purpose")
	}
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	if err := r.Load(ctx); err != nil {
		return false, err
	}
	if _, err := r.Active(purpose); err == nil {
		return false, nil
	}
	rec, err := r.generate(purpose)
	if err != nil {
		return false, err
	}
	if err := r.store.CreateSigningKey(ctx, rec); err != nil {
		return false, fmt.Errorf("keys: store signing key %s: %w", rec.ID, err)
	}
	if err := r.Load(ctx); err != nil {
		return true, err
	}
	return true, nil
}

// generate makes a sealed P-256 key with a self-signed certificate, usable
// from now until the certificate expires.
func (r *Ring) generate(purpose string) (*Record, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), r.rand)
	if err != nil {
		return nil, fmt.Errorf("keys: generate key: %w", err)
	}
	kid, err := thumbprint(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	// Certificates carry whole seconds; keep the record equal to them.
	now := r.now().UTC().Truncate(time.Second)
	notAfter := now.Add(r.validity)
	cert, err := SelfSignedCertificate(key, r.subject, r.dnsName, now.Add(-certBackdate), notAfter, r.rand)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("keys: encode key: %w", err)
	}
	defer clear(der)
	sealed, err := r.sealer.Seal(der, []byte(kid))
	if err != nil {
		return nil, err
	}
	return &Record{
		ID:               kid,
		Purpose:          purpose,
		Algorithm:        AlgorithmES256,
		PrivateKeySealed: sealed,
		CertificateChain: [][]byte{cert},
		CreatedAt:        now,
		NotBefore:        now,
		NotAfter:         notAfter,
	}, nil
}

// Active returns the signer for purpose: the newest key (by CreatedAt) that
// is not retired, whose NotBefore has come and whose NotAfter has not. It
// returns an error wrapping ErrNoActiveKey if there is none.
func (r *Ring) Active(purpose string) (Signer, error) {
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if e := r.activeLocked(purpose, now); e != nil {
		return e.signer, nil
	}
	return nil, fmt.Errorf("%w for purpose %q", ErrNoActiveKey, purpose)
}

func (r *Ring) activeLocked(purpose string, now time.Time) *entry {
	for _, e := range slices.Backward(r.keys) {
		rec := e.rec
		if rec.Purpose == purpose && !retired(rec, now) && !rec.NotBefore.After(now) &&
			(rec.NotAfter.IsZero() || now.Before(rec.NotAfter)) {
			return e
		}
	}
	return nil
}

// retired reports whether rec is retired at now; a RetiredAt in the future
// is a scheduled retirement.
func retired(rec Record, now time.Time) bool {
	return rec.RetiredAt != nil && !now.Before(*rec.RetiredAt)
}

// PublicJWKS returns the public keys of all keys not retired, including
// those not yet active (so verifiers learn them ahead of a rotation), with
// kid, alg, use "sig" and x5c.
func (r *Ring) PublicJWKS() jose.JSONWebKeySet {
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, e := range r.keys {
		if retired(e.rec, now) {
			continue
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:          e.signer.Public(),
			KeyID:        e.signer.KeyID(),
			Algorithm:    e.signer.Algorithm(),
			Use:          "sig",
			Certificates: e.signer.Chain(),
		})
	}
	return set
}

// Keys describes every key, oldest first, for `credmint keys list`.
func (r *Ring) Keys() []Info {
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	active := map[string]*entry{} // purpose → its active key, or nil
	infos := make([]Info, 0, len(r.keys))
	for _, e := range r.keys {
		if _, seen := active[e.rec.Purpose]; !seen {
			active[e.rec.Purpose] = r.activeLocked(e.rec.Purpose, now)
		}
		var subject string
		if chain := e.signer.Chain(); len(chain) > 0 {
			subject = chain[0].Subject.String()
		}
		infos = append(infos, Info{
			ID:        e.rec.ID,
			Purpose:   e.rec.Purpose,
			Algorithm: e.rec.Algorithm,
			CreatedAt: e.rec.CreatedAt,
			NotBefore: e.rec.NotBefore,
			NotAfter:  e.rec.NotAfter,
			Subject:   subject,
			Retired:   retired(e.rec, now),
			Active:    active[e.rec.Purpose] == e,
		})
	}
	return infos
}
