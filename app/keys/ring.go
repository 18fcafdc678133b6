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

	"credmint/app/audit"
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

	// Mdoc shapes the IACA root and the document signer certificates
	// credmint generates for mso_mdoc (mdoc.go).
	Mdoc MdocSettings
	// Rotation sets the grace periods and the automatic rotation of
	// generated keys (rotate.go).
	Rotation RotationSettings
}

// Info describes one key for listing. It holds no key material.
type Info struct {
	ID        string
	Purpose   string
	Algorithm string
	CreatedAt time.Time
	NotBefore time.Time
	NotAfter  time.Time
	// Subject and Issuer are the leaf certificate's, empty without a
	// chain.
	Subject string
	Issuer  string
	// CertificateState is one of the Certificate* constants.
	CertificateState string
	// State is the key's state now: one of the State* constants.
	State   string
	Retired bool
	// Active reports whether the key is the one its purpose uses now:
	// Active(Purpose) returns it (for the IACA: new document signer
	// certificates are issued by it).
	Active bool
	// RetiredAt is when the key was retired, if it is.
	RetiredAt *time.Time
	// ValidCredentials counts the unexpired credentials the key signed; it
	// is filled by Inventory only.
	ValidCredentials int
}

// Key states (Info.State).
const (
	// StateActive: the key its purpose signs with now.
	StateActive = "active"
	// StateScheduled: published already, signs from NotBefore on.
	StateScheduled = "scheduled"
	// StatePending: waits for the chain a CA issues from its CSR.
	StatePending = "pending_certificate"
	// StateSuperseded: a newer key took over; still published until
	// retired.
	StateSuperseded = "superseded"
	// StateExpired: its certificate expired.
	StateExpired = "expired"
	// StateRetired: no longer published.
	StateRetired = "retired"
)

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
	mdoc     MdocSettings
	rotation RotationSettings

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
	if err := d.Mdoc.defaults(d.DNSName); err != nil {
		return nil, err
	}
	if err := d.Rotation.defaults(); err != nil {
		return nil, err
	}
	return &Ring{
		store: d.Store, sealer: d.Sealer, now: d.Now, rand: d.Rand,
		subject: d.Subject, dnsName: d.DNSName, validity: d.CertValidity,
		mdoc: d.Mdoc, rotation: d.Rotation,
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
	if len(chain) == 0 && rec.CertificateState != CertificatePending {
		return nil, fmt.Errorf("keys: signing key %s has no certificate", rec.ID)
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
	made, err := r.EnsureAll(ctx, purpose)
	return len(made) > 0, err
}

// EnsureAll is Ensure for several purposes with one reload of the Store: it
// returns the purposes it made a key for, in the order given.
func (r *Ring) EnsureAll(ctx context.Context, purposes ...string) (created []string, err error) {
	if slices.Contains(purposes, "") {
		return nil, errors.New("keys: Ensure needs a purpose")
	}
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	if err := r.Load(ctx); err != nil {
		return nil, err
	}
	for _, purpose := range purposes {
		r.mu.RLock()
		current := r.activeLocked(purpose, r.now())
		r.mu.RUnlock()
		if current != nil {
			continue
		}
		if _, err := r.create(ctx, purpose, time.Time{}, "no valid key"); err != nil {
			return created, err
		}
		created = append(created, purpose)
	}
	return created, nil
}

// create generates a key of the kind purpose needs, signing from notBefore
// (zero: now), stores it with a signing_key.created audit event giving
// reason, and reloads. The caller holds ensureMu.
func (r *Ring) create(ctx context.Context, purpose string, notBefore time.Time, reason string) (*Record, error) {
	var (
		rec *Record
		err error
	)
	switch purpose {
	case PurposeMdocIACA:
		rec, err = r.generateIACA(ctx, notBefore)
	case PurposeMdocDocumentSigner:
		var iaca *entry
		if iaca, err = r.issuingIACA(ctx); err == nil {
			rec, err = r.generateDocumentSigner(iaca, notBefore)
		}
	default:
		rec, err = r.generate(purpose, notBefore)
	}
	if err != nil {
		return nil, err
	}
	rec.CreatedAt = r.nextCreatedAt(rec.CreatedAt)
	if err := r.store.CreateSigningKey(ctx, rec, r.event(ctx, "signing_key.created", rec, map[string]string{"reason": reason})); err != nil {
		return nil, fmt.Errorf("keys: store signing key %s: %w", rec.ID, err)
	}
	if err := r.Load(ctx); err != nil {
		return rec, err
	}
	return rec, nil
}

// nextCreatedAt returns t, or a microsecond after the newest key's
// CreatedAt if t is not after it: creation order breaks ties between keys
// with the same NotBefore (Active picks the newer), so it must be strict
// even within one second or under a stopped test clock.
func (r *Ring) nextCreatedAt(t time.Time) time.Time {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, e := range r.keys {
		if !t.After(e.rec.CreatedAt) {
			t = e.rec.CreatedAt.Add(time.Microsecond)
		}
	}
	return t
}

// event is an audit event about rec for the actor in ctx.
func (r *Ring) event(ctx context.Context, action string, rec *Record, details map[string]string) audit.Event {
	d := map[string]string{"purpose": rec.Purpose}
	if !rec.NotBefore.IsZero() {
		d["not_before"] = rec.NotBefore.UTC().Format(time.RFC3339)
	}
	for k, v := range details {
		d[k] = v
	}
	return audit.New(ctx, r.now().UTC(), action, "signing_key", rec.ID, d)
}

// generate makes a sealed P-256 key with a self-signed certificate, usable
// from notBefore (zero or past: now) until the certificate expires.
func (r *Ring) generate(purpose string, notBefore time.Time) (*Record, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	now, from := r.window(notBefore)
	notAfter := from.Add(r.validity)
	cert, err := SelfSignedCertificate(key, r.subject, r.dnsName, now.Add(-certBackdate), notAfter, r.rand)
	if err != nil {
		return nil, err
	}
	return r.seal(key, &Record{
		Purpose:          purpose,
		CertificateChain: [][]byte{cert},
		CertificateState: CertificateGenerated,
		CreatedAt:        now,
		NotBefore:        from,
		NotAfter:         notAfter,
	})
}

// window returns now and when a new key signs from: notBefore, or now if
// that is zero or past. Certificates carry whole seconds; records keep
// equal times.
func (r *Ring) window(notBefore time.Time) (now, from time.Time) {
	now = r.now().UTC().Truncate(time.Second)
	from = notBefore.UTC().Truncate(time.Second)
	if from.Before(now) {
		from = now
	}
	return now, from
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: generate key: %w", err)
	}
	return key, nil
}

// seal fills rec's id (the key's thumbprint), algorithm and sealed private
// key.
func (r *Ring) seal(key *ecdsa.PrivateKey, rec *Record) (*Record, error) {
	kid, err := thumbprint(&key.PublicKey)
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
	rec.ID, rec.Algorithm, rec.PrivateKeySealed = kid, AlgorithmES256, sealed
	return rec, nil
}

// Active returns the signer for purpose: of the keys that are not retired,
// have their certificate, whose NotBefore has come and whose NotAfter has
// not, the one with the latest NotBefore (the newest by CreatedAt among
// equals). It returns an error wrapping ErrNoActiveKey if there is none, and
// always for PurposeMdocIACA, whose key signs only certificates.
func (r *Ring) Active(purpose string) (Signer, error) {
	if purpose == PurposeMdocIACA {
		return nil, fmt.Errorf("%w: the IACA key signs only document signer certificates", ErrNoActiveKey)
	}
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if e := r.activeLocked(purpose, now); e != nil {
		return e.signer, nil
	}
	return nil, fmt.Errorf("%w for purpose %q", ErrNoActiveKey, purpose)
}

func (r *Ring) activeLocked(purpose string, now time.Time) *entry {
	var best *entry
	for _, e := range r.keys { // oldest first: a later equal NotBefore wins
		if e.rec.Purpose == purpose && usable(e.rec, now) &&
			(best == nil || !e.rec.NotBefore.Before(best.rec.NotBefore)) {
			best = e
		}
	}
	return best
}

// usable reports whether rec may sign at now, if chosen.
func usable(rec Record, now time.Time) bool {
	return rec.CertificateState != CertificatePending && !retired(rec, now) &&
		!rec.NotBefore.After(now) && (rec.NotAfter.IsZero() || now.Before(rec.NotAfter))
}

// retired reports whether rec is retired at now; a RetiredAt in the future
// is a scheduled retirement.
func retired(rec Record, now time.Time) bool {
	return rec.RetiredAt != nil && !now.Before(*rec.RetiredAt)
}

// PublicJWKS returns the public JOSE keys (credential, status list,
// metadata) that are not retired and have their certificate, including
// those not yet active (so verifiers learn them ahead of a rotation) and
// superseded ones (credentials they signed are still valid), with kid, alg,
// use "sig" and x5c. The mdoc keys are left out: the document signer
// certificate travels in each credential, the IACA is published as a
// certificate (IACACertificates).
func (r *Ring) PublicJWKS() jose.JSONWebKeySet {
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, e := range r.keys {
		if retired(e.rec, now) || e.rec.CertificateState == CertificatePending || publishedAsCertificate(e.rec.Purpose) {
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
		info := Info{
			ID:               e.rec.ID,
			Purpose:          e.rec.Purpose,
			Algorithm:        e.rec.Algorithm,
			CreatedAt:        e.rec.CreatedAt,
			NotBefore:        e.rec.NotBefore,
			NotAfter:         e.rec.NotAfter,
			CertificateState: e.rec.CertificateState,
			Retired:          retired(e.rec, now),
			Active:           active[e.rec.Purpose] == e,
			RetiredAt:        e.rec.RetiredAt,
		}
		if chain := e.signer.Chain(); len(chain) > 0 {
			info.Subject, info.Issuer = chain[0].Subject.String(), chain[0].Issuer.String()
		}
		info.State = state(e.rec, info.Active, now)
		infos = append(infos, info)
	}
	return infos
}

// state names rec's state at now.
func state(rec Record, active bool, now time.Time) string {
	switch {
	case retired(rec, now):
		return StateRetired
	case rec.CertificateState == CertificatePending:
		return StatePending
	case active:
		return StateActive
	case rec.NotBefore.After(now):
		return StateScheduled
	case !rec.NotAfter.IsZero() && !now.Before(rec.NotAfter):
		return StateExpired
	default:
		return StateSuperseded
	}
}

// Inventory is Keys with the count of unexpired credentials each key
// signed, for the console.
func (r *Ring) Inventory(ctx context.Context) ([]Info, error) {
	infos := r.Keys()
	counts, err := r.store.ValidCredentialCounts(ctx, r.now())
	if err != nil {
		return nil, fmt.Errorf("keys: count credentials per key: %w", err)
	}
	for i := range infos {
		infos[i].ValidCredentials = counts[infos[i].ID]
	}
	return infos, nil
}

// lookup returns the entry with id, or nil.
func (r *Ring) lookup(id string) *entry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, e := range r.keys {
		if e.rec.ID == id {
			return e
		}
	}
	return nil
}
