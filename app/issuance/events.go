package issuance

import (
	"context"
	"time"
)

// Webhook event types (not to be confused with the wallet's notification
// events in notification.go).
const (
	WebhookIssuancePending    = "issuance.pending"
	WebhookIssuanceApproved   = "issuance.approved"
	WebhookIssuanceRejected   = "issuance.rejected"
	WebhookCredentialIssued   = "credential.issued"
	WebhookCredentialAccepted = "credential.accepted"
)

// WebhookEvent is something that happened to an issuance, for the issuer's
// back office. It carries ids only, never claims or secrets.
type WebhookEvent struct {
	Type            string
	At              time.Time
	OfferID         string
	TransactionID   string // deferred request id, when there is one
	ConfigurationID string
	CredentialIDs   []string
	Reason          string // rejection reason
}

// Events receives webhook events. Emit queues the event durably (the
// outbox); it must not block on the network. Deps.Events may be nil.
type Events interface {
	Emit(ctx context.Context, ev WebhookEvent) error
}

// emit sends ev when an Events sink is configured.
func (s *Service) emit(ctx context.Context, ev WebhookEvent) error {
	if s.Events == nil {
		return nil
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	return s.Events.Emit(ctx, ev)
}
