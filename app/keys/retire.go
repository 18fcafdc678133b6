package keys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrKeyInUse is wrapped by the error Retire returns for an IACA whose
// document signer keys are still in use, unless forced.
var ErrKeyInUse = errors.New("keys: key is in use")

// RetirePlan says what retiring a key now does; Retire carries it out.
type RetirePlan struct {
	// Key is the key, with the count of its unexpired credentials.
	Key Info
	// Replace reports whether the key is the one its purpose uses now: a
	// new key is created for the purpose at once.
	Replace bool
	// Dependents are the unretired document signer keys an IACA issued.
	// Retiring the IACA needs force while there are any; they keep
	// signing with a chain relying parties should stop trusting.
	Dependents []string
}

// RetireOptions are the choices of a manual retirement.
type RetireOptions struct {
	// Force retires an IACA although document signer keys it issued are in
	// use.
	Force bool
	// Reason is kept in the audit event (e.g. "key compromised").
	Reason string
}

// RetireResult is what Retire did.
type RetireResult struct {
	RetirePlan
	// Replacement is the key created for the purpose, nil when the retired
	// key was not its active one.
	Replacement *Info
}

// PlanRetire says what Retire(id) would do now, without changing
// anything. An unknown or retired key is ErrKeyNotFound.
func (r *Ring) PlanRetire(ctx context.Context, id string) (RetirePlan, error) {
	if err := r.Load(ctx); err != nil {
		return RetirePlan{}, err
	}
	return r.plan(ctx, id)
}

// plan is PlanRetire on the loaded keys.
func (r *Ring) plan(ctx context.Context, id string) (RetirePlan, error) {
	e := r.lookup(id)
	now := r.now()
	if e == nil || retired(e.rec, now) {
		return RetirePlan{}, fmt.Errorf("keys: retire %s: %w", id, ErrKeyNotFound)
	}
	infos, err := r.Inventory(ctx)
	if err != nil {
		return RetirePlan{}, err
	}
	var p RetirePlan
	for _, k := range infos {
		if k.ID == id {
			p.Key = k
		}
	}
	r.mu.RLock()
	p.Replace = r.activeLocked(e.rec.Purpose, now) == e
	r.mu.RUnlock()
	if e.rec.Purpose == PurposeMdocIACA {
		p.Dependents = r.issuedBy(e, now)
	}
	return p, nil
}

// Retire takes a key out of use now, for a compromise or a mistake: it is
// no longer published (JWKS, x5chain trust, /mdoc/iaca.pem), so
// credentials it signed stop verifying once verifiers refresh what they
// cached. When it was the key its purpose uses now, a new key (of the kind
// the purpose needs: self-signed, or a document signer issued by the
// IACA) is created at once, rather than falling back to an older key
// that was rotated out. An IACA whose document signer keys are in use is
// refused with ErrKeyInUse unless opts.Force. Both changes are audited
// (signing_key.retired with "manual", then signing_key.created) with the
// actor in ctx. An unknown or retired key is ErrKeyNotFound.
func (r *Ring) Retire(ctx context.Context, id string, opts RetireOptions) (RetireResult, error) {
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	if err := r.Load(ctx); err != nil {
		return RetireResult{}, err
	}
	p, err := r.plan(ctx, id)
	if err != nil {
		return RetireResult{}, err
	}
	if len(p.Dependents) > 0 && !opts.Force {
		return RetireResult{}, fmt.Errorf("%w: document signer keys issued by IACA %s are not retired (%s); retire them first, or force it", ErrKeyInUse, id, strings.Join(p.Dependents, ", "))
	}
	e := r.lookup(id)
	details := map[string]string{"manual": "true", "valid_credentials": fmt.Sprint(p.Key.ValidCredentials)}
	if opts.Reason != "" {
		details["reason"] = opts.Reason
	}
	if len(p.Dependents) > 0 {
		details["forced_with_document_signers"] = strings.Join(p.Dependents, ",")
	}
	if err := r.store.RetireSigningKey(ctx, id, r.now().UTC(), r.event(ctx, "signing_key.retired", &e.rec, details)); err != nil {
		return RetireResult{}, fmt.Errorf("keys: retire %s: %w", id, err)
	}
	if err := r.Load(ctx); err != nil {
		return RetireResult{}, err
	}
	res := RetireResult{RetirePlan: p}
	if !p.Replace {
		return res, nil
	}
	rec, err := r.create(ctx, p.Key.Purpose, time.Time{}, "replaces retired key "+id)
	if err != nil {
		return res, fmt.Errorf("keys: %s retired, but its replacement failed (the next start or housekeeping tick creates one): %w", id, err)
	}
	info, err := r.info(rec.ID)
	if err != nil {
		return res, err
	}
	res.Replacement = &info
	return res, nil
}

// issuedBy returns the ids of the unretired document signer keys whose
// certificate iaca issued.
func (r *Ring) issuedBy(iaca *entry, now time.Time) []string {
	chain := iaca.signer.Chain()
	if len(chain) == 0 {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for _, e := range r.keys {
		if e.rec.Purpose != PurposeMdocDocumentSigner || retired(e.rec, now) {
			continue
		}
		if ds := e.signer.Chain(); len(ds) > 0 && ds[0].CheckSignatureFrom(chain[0]) == nil {
			out = append(out, e.rec.ID)
		}
	}
	return out
}
