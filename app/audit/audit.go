// Package audit defines the append-only audit event every state change
// writes, and carries who acts (staff, an API key, a wallet) through the
// request context. The store writes events in the same transaction as the
// change they describe.
package audit

import (
	"context"
	"encoding/json"
	"time"
)

// Actor kinds.
const (
	ActorSystem = "system"
	ActorAPIKey = "api_key"
	ActorWallet = "wallet"
	ActorStaff  = "staff"
)

// Actor is who caused an event.
type Actor struct {
	Kind       string
	ID         string // API key id, staff user id; empty for wallets
	RemoteAddr string
	RequestID  string
}

// Event is one audit record. Details never hold secrets or applicant data.
type Event struct {
	At          time.Time
	Actor       Actor
	Action      string // e.g. "offer.created", "token.issued"
	SubjectType string // e.g. "offer"
	SubjectID   string
	Details     map[string]string
	// Publish, when set, is an event for the issuer's back office
	// (webhooks, applicant emails) that the store writes to the event
	// outbox in the same transaction as the change and this record: it is
	// never lost once the change committed, and never sent for a change
	// that did not commit. app/webhooks relays it.
	Publish *Publication
}

// Publication is an event queued for publication with the change it
// reports.
type Publication struct {
	// ID ("evt_…") names the event; every delivery of it carries it, so
	// receivers can de-duplicate.
	ID   string
	Type string // e.g. "issuance.approved"
	// At is when it happened; zero means the audit event's At.
	At time.Time
	// Data is the JSON payload: ids only, never secrets or applicant data.
	Data json.RawMessage
	// Attempts counts the failed relays of a queued event; LastError is
	// why the last one failed and NextAttemptAt when it is tried again
	// (set by the store when read).
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or a system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem}
}

// New builds an event for the actor in ctx.
func New(ctx context.Context, at time.Time, action, subjectType, subjectID string, details map[string]string) Event {
	return Event{At: at, Actor: ActorFrom(ctx), Action: action, SubjectType: subjectType, SubjectID: subjectID, Details: details}
}
