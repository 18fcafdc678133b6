package status

import (
	"context"
	"fmt"
	"strconv"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Action is a status change staff ask for.
type Action string

// Actions.
const (
	Revoke    Action = "revoke"
	Suspend   Action = "suspend"
	Unsuspend Action = "unsuspend"
)

// ParseAction returns the action named s.
func ParseAction(s string) (Action, bool) {
	switch a := Action(s); a {
	case Revoke, Suspend, Unsuspend:
		return a, true
	}
	return "", false
}

// auditAction is the audit event action of a.
func (a Action) auditAction() string {
	switch a {
	case Revoke:
		return "credential.revoked"
	case Suspend:
		return "credential.suspended"
	}
	return "credential.unsuspended"
}

// ConflictError says why a credential's status cannot change as asked. It
// matches issuance.ErrConflict.
type ConflictError struct {
	CredentialID string
	Reason       string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("credential %s: %s", e.CredentialID, e.Reason)
}

// Unwrap makes errors.Is(err, issuance.ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return issuance.ErrConflict }

// target decides the new status of c under a: revocation is final (§7.1:
// INVALID "is not reversible"), suspension needs 2-bit lists and toggles.
func (a Action) target(c Credential) (State, error) {
	conflict := func(reason string) (State, error) {
		return c.Status, &ConflictError{CredentialID: c.ID, Reason: reason}
	}
	if c.ListID == "" {
		return conflict("it has no status list entry (issued before status lists were enabled)")
	}
	if c.Status == StateRevoked {
		return conflict("it is revoked, and revocation is final")
	}
	switch a {
	case Revoke:
		return StateRevoked, nil
	case Suspend:
		if c.ListBits < 2 {
			return conflict("its status list has 1 bit per entry, which cannot express suspension (status_list.bits: 2)")
		}
		if c.Status == StateSuspended {
			return conflict("it is already suspended")
		}
		return StateSuspended, nil
	case Unsuspend:
		if c.Status != StateSuspended {
			return conflict("it is not suspended")
		}
		return StateValid, nil
	}
	return conflict("unknown action " + string(a))
}

// Change applies a to the credentials sel selects, each with an audit event
// (reason in its details) in the transaction that changes it. Credentials
// the action does not apply to are reported with a *ConflictError in their
// Outcome and left alone; unknown ids with issuance.ErrNotFound.
func (s *Service) Change(ctx context.Context, a Action, sel Selector, reason string) ([]Outcome, error) {
	if _, ok := ParseAction(string(a)); !ok {
		return nil, fmt.Errorf("status: unknown action %q", a)
	}
	if len(sel.IDs) == 0 && sel.ApplicantID == "" {
		return nil, nil
	}
	actor := audit.ActorFrom(ctx)
	at := s.d.Now()
	decide := func(c Credential) Decision {
		to, err := a.target(c)
		if err != nil {
			return Decision{To: c.Status, Err: err}
		}
		details := map[string]string{"from": string(c.Status), "to": string(to), "status_list": c.ListID, "index": strconv.Itoa(c.Index)}
		if reason != "" {
			details["reason"] = reason
		}
		if sel.ApplicantID != "" {
			details["applicant_id"] = sel.ApplicantID
		}
		return Decision{To: to, Event: audit.Event{At: at, Actor: actor, Action: a.auditAction(), SubjectType: "credential", SubjectID: c.ID, Details: details}}
	}
	out, err := s.d.Store.ChangeCredentialStatus(ctx, sel, at, decide)
	if err != nil {
		return nil, fmt.Errorf("status: %s: %w", a, err)
	}
	return out, nil
}

// ChangeOne applies a to credential id and returns its entry after the
// change: issuance.ErrNotFound for an unknown id, a *ConflictError when the
// action does not apply.
func (s *Service) ChangeOne(ctx context.Context, a Action, id, reason string) (*Credential, error) {
	out, err := s.Change(ctx, a, Selector{IDs: []string{id}}, reason)
	if err != nil {
		return nil, err
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("status: %s %s: %w", a, id, issuance.ErrNotFound)
	}
	if out[0].Err != nil {
		return nil, out[0].Err
	}
	c := out[0].Credential
	c.Status = out[0].To
	return &c, nil
}

// Credential returns the status entry of credential id.
func (s *Service) Credential(ctx context.Context, id string) (*Credential, error) {
	return s.d.Store.StatusCredential(ctx, id)
}

// CredentialAt returns the credential at index of the list with URI uri;
// issuance.ErrNotFound when the URI is not one of this issuer's lists or
// nothing was issued there.
func (s *Service) CredentialAt(ctx context.Context, uri string, index int) (*Credential, error) {
	id, ok := s.ListID(uri)
	if !ok || index < 0 {
		return nil, fmt.Errorf("status: %q is not a status list of this issuer: %w", uri, issuance.ErrNotFound)
	}
	return s.d.Store.StatusCredentialAt(ctx, id, index)
}

// Credentials returns the status entries of the credentials sel selects.
func (s *Service) Credentials(ctx context.Context, sel Selector) ([]Credential, error) {
	if len(sel.IDs) == 0 && sel.ApplicantID == "" {
		return nil, nil
	}
	return s.d.Store.StatusCredentials(ctx, sel)
}

// MaxPage is the most credentials CredentialsSignedBy returns at once, as
// many as one bulk change takes.
const MaxPage = 1000

// CredentialsSignedBy returns a page of the credentials the key keyID
// signed, in id order, starting after the id after ("" from the start);
// limit is capped at MaxPage. next is the after of the next page, "" on
// the last one.
func (s *Service) CredentialsSignedBy(ctx context.Context, keyID, after string, limit int) (page []Credential, next string, err error) {
	if keyID == "" {
		return nil, "", nil
	}
	limit = min(max(limit, 1), MaxPage)
	page, err = s.d.Store.StatusCredentialsSignedBy(ctx, keyID, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("status: credentials signed by %s: %w", keyID, err)
	}
	if len(page) > limit {
		page = page[:limit]
		next = page[limit-1].ID
	}
	return page, next, nil
}

// Counts tallies outcomes: changed, and skipped because the action did not
// apply or the credential is unknown.
func Counts(out []Outcome) (changed, skipped int) {
	for _, o := range out {
		if o.Changed {
			changed++
		} else {
			skipped++
		}
	}
	return changed, skipped
}
