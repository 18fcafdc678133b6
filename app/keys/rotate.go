package keys

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultPublicationGrace is how long a superseded status list or metadata
// key stays published when no other grace is set: a day.
const DefaultPublicationGrace = 24 * time.Hour

// RotationSettings are the grace periods of superseded keys and the
// automatic rotation of the keys credmint generated.
type RotationSettings struct {
	// StatusListGrace keeps a superseded status list key published this
	// long after its successor took over: the status list token lifetime,
	// so every token it signed has expired. Default a day.
	StatusListGrace time.Duration
	// MetadataGrace does the same for the metadata key; default a day.
	MetadataGrace time.Duration
	// RotateBefore, when positive, makes Housekeep rotate a generated key
	// (self-signed, or a document signer issued by credmint's IACA) this
	// long before its certificate expires; zero turns it off. Keys with an
	// imported chain are never rotated automatically: they need a CSR.
	RotateBefore time.Duration
	// PublishAhead is how long an automatically rotated key is published
	// before it signs, so verifiers caching the JWKS learn it in time; it
	// must be shorter than RotateBefore.
	PublishAhead time.Duration
}

func (s *RotationSettings) defaults() error {
	if s.StatusListGrace == 0 {
		s.StatusListGrace = DefaultPublicationGrace
	}
	if s.MetadataGrace == 0 {
		s.MetadataGrace = DefaultPublicationGrace
	}
	if s.StatusListGrace < 0 || s.MetadataGrace < 0 || s.RotateBefore < 0 || s.PublishAhead < 0 {
		return errors.New("keys: rotation durations must not be negative")
	}
	if s.RotateBefore > 0 && s.PublishAhead >= s.RotateBefore {
		return errors.New("keys: PublishAhead must be shorter than RotateBefore, or the old key expires before the new one signs")
	}
	return nil
}

// Rotate creates a new key for purpose, of the kind the purpose needs (a
// document signer certificate issued by the IACA for
// PurposeMdocDocumentSigner, an IACA root for PurposeMdocIACA, a
// self-signed certificate otherwise), that signs from at (now, if at is
// zero or past). It is published at once, so verifiers learn it ahead; the
// current key keeps signing until at and stays published until Housekeep
// retires it. The change is audited with the actor in ctx.
func (r *Ring) Rotate(ctx context.Context, purpose string, at time.Time) (Info, error) {
	if purpose == "" {
		return Info{}, errors.New("keys: Rotate needs a purpose")
	}
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	if err := r.Load(ctx); err != nil {
		return Info{}, err
	}
	rec, err := r.create(ctx, purpose, at, "rotation")
	if err != nil {
		return Info{}, err
	}
	return r.info(rec.ID)
}

// info returns the Info of the key with id.
func (r *Ring) info(id string) (Info, error) {
	for _, k := range r.Keys() {
		if k.ID == id {
			return k, nil
		}
	}
	return Info{}, fmt.Errorf("keys: key %s: %w", id, ErrKeyNotFound)
}

// HousekeepingResult says what Housekeep changed.
type HousekeepingResult struct {
	// Rotated are the keys created by automatic rotation.
	Rotated []Info
	// Retired are the ids of the keys retired.
	Retired []string
}

// Housekeep reloads the keys, rotates the generated keys whose certificate
// expires within RotateBefore (if set), and retires every superseded key
// whose grace is over:
//   - credential and document signer keys once every credential they
//     signed has expired (or they signed none);
//   - status list and metadata keys StatusListGrace and MetadataGrace after
//     their successor took over;
//   - an IACA once no unretired document signer it issued remains.
//
// A key its purpose uses now, a scheduled key and a key waiting for its
// chain are never retired; nor is a key whose purpose has no active key.
// Every change is audited (as the system, unless ctx carries an actor).
func (r *Ring) Housekeep(ctx context.Context) (HousekeepingResult, error) {
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	var res HousekeepingResult
	if err := r.Load(ctx); err != nil {
		return res, err
	}
	if err := r.autoRotate(ctx, &res); err != nil {
		return res, err
	}
	for _, c := range r.retirable() {
		done, err := r.graceOver(ctx, c)
		if err != nil {
			return res, err
		}
		if !done {
			continue
		}
		ev := r.event(ctx, "signing_key.retired", &c.e.rec, map[string]string{"successor": c.successor.rec.ID})
		if err := r.store.RetireSigningKey(ctx, c.e.rec.ID, r.now().UTC(), ev); err != nil && !errors.Is(err, ErrKeyNotFound) {
			return res, fmt.Errorf("keys: retire %s: %w", c.e.rec.ID, err)
		}
		res.Retired = append(res.Retired, c.e.rec.ID)
	}
	if len(res.Retired) > 0 {
		return res, r.Load(ctx)
	}
	return res, nil
}

// autoRotate rotates generated keys whose certificates expire within
// RotateBefore and have no successor yet. The caller holds ensureMu.
func (r *Ring) autoRotate(ctx context.Context, res *HousekeepingResult) error {
	if r.rotation.RotateBefore <= 0 {
		return nil
	}
	now := r.now()
	var due []string
	r.mu.RLock()
	seen := map[string]bool{}
	for _, e := range r.keys {
		p := e.rec.Purpose
		if seen[p] {
			continue
		}
		seen[p] = true
		cur := r.activeLocked(p, now)
		if cur == nil || cur.rec.CertificateState != CertificateGenerated || cur.rec.NotAfter.Sub(now) > r.rotation.RotateBefore {
			continue
		}
		if !r.hasSuccessorLocked(cur, now) {
			due = append(due, p)
		}
	}
	r.mu.RUnlock()
	// The IACA first, so a document signer rotated in the same pass is
	// issued by the new root.
	for _, first := range []bool{true, false} {
		for _, p := range due {
			if (p == PurposeMdocIACA) != first {
				continue
			}
			rec, err := r.create(ctx, p, now.Add(r.rotation.PublishAhead), "scheduled rotation before certificate expiry")
			if err != nil {
				return err
			}
			info, err := r.info(rec.ID)
			if err != nil {
				return err
			}
			res.Rotated = append(res.Rotated, info)
		}
	}
	return nil
}

// hasSuccessorLocked reports whether a key of cur's purpose, not retired,
// will take over from cur (a scheduled key, or one waiting for its chain).
func (r *Ring) hasSuccessorLocked(cur *entry, now time.Time) bool {
	for _, e := range r.keys {
		if e != cur && e.rec.Purpose == cur.rec.Purpose && !retired(e.rec, now) &&
			(e.rec.CertificateState == CertificatePending || e.rec.NotBefore.After(cur.rec.NotBefore)) &&
			(e.rec.NotAfter.IsZero() || e.rec.NotAfter.After(cur.rec.NotAfter)) {
			return true
		}
	}
	return false
}

// candidate is a superseded key and the key its purpose uses instead.
type candidate struct {
	e, successor *entry
}

// retirable lists the keys that no longer sign (or issue) and whose purpose
// has an active key.
func (r *Ring) retirable() []candidate {
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []candidate
	for _, e := range r.keys {
		if retired(e.rec, now) || e.rec.CertificateState == CertificatePending || e.rec.NotBefore.After(now) {
			continue
		}
		cur := r.activeLocked(e.rec.Purpose, now)
		if cur == nil || cur == e {
			continue
		}
		out = append(out, candidate{e: e, successor: cur})
	}
	return out
}

// graceOver reports whether c's key may be retired now.
func (r *Ring) graceOver(ctx context.Context, c candidate) (bool, error) {
	now := r.now()
	// When the key stopped signing: its successor took over, or its
	// certificate expired before that.
	stopped := c.successor.rec.NotBefore
	if !c.e.rec.NotAfter.IsZero() && c.e.rec.NotAfter.Before(stopped) {
		stopped = c.e.rec.NotAfter
	}
	switch c.e.rec.Purpose {
	case PurposeStatusList:
		return !now.Before(stopped.Add(r.rotation.StatusListGrace)), nil
	case PurposeMetadata:
		return !now.Before(stopped.Add(r.rotation.MetadataGrace)), nil
	case PurposeMdocIACA:
		return !r.issuedUnretired(c.e, now), nil
	default: // credential keys of any format, document signers
		latest, ok, err := r.store.LatestCredentialExpiry(ctx, c.e.rec.ID)
		if err != nil {
			return false, fmt.Errorf("keys: credentials signed by %s: %w", c.e.rec.ID, err)
		}
		return !ok || !latest.After(now), nil
	}
}

// issuedUnretired reports whether a document signer certificate iaca issued
// belongs to a key that is not retired.
func (r *Ring) issuedUnretired(iaca *entry, now time.Time) bool {
	return len(r.issuedBy(iaca, now)) > 0
}
