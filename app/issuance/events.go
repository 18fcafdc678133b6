package issuance

import (
	"encoding/json"
	"fmt"
	"time"

	"credmint/app/audit"
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
// back office. It carries ids only, never claims or secrets. Its JSON (the
// members other than ID, Type and At) is the payload stored in the event
// outbox and the "data" of a webhook.
type WebhookEvent struct {
	// ID ("evt_…") is the same on every delivery of the event.
	ID              string    `json:"-"`
	Type            string    `json:"-"`
	At              time.Time `json:"-"`
	OfferID         string    `json:"offer_id,omitempty"`
	TransactionID   string    `json:"transaction_id,omitempty"` // deferred request id, when there is one
	ConfigurationID string    `json:"configuration_id,omitempty"`
	CredentialIDs   []string  `json:"credential_ids,omitempty"`
	Reason          string    `json:"reason,omitempty"` // rejection reason
}

// Events says which event types have a subscriber. An event of such a type
// travels with the state change it reports: the store writes it to the
// event outbox in the change's transaction (audit.Event.Publish), and
// app/webhooks relays it to the subscribers. Deps.Events may be nil: no
// events are written.
type Events interface {
	Wants(eventType string) bool
	// Queued is called after a change with an event committed, to relay
	// it soon; it must not block.
	Queued()
}

// DecodeWebhookEvent turns a queued event back into a WebhookEvent.
func DecodeWebhookEvent(p audit.Publication) (WebhookEvent, error) {
	var ev WebhookEvent
	if len(p.Data) > 0 {
		if err := json.Unmarshal(p.Data, &ev); err != nil {
			return WebhookEvent{}, fmt.Errorf("issuance: decoding event %s: %w", p.ID, err)
		}
	}
	ev.ID, ev.Type, ev.At = p.ID, p.Type, p.At
	return ev, nil
}

// publish attaches we to ev, the audit event of the change it reports, when
// someone subscribes to its type; the store then queues both in one
// transaction.
func (s *Service) publish(ev *audit.Event, we WebhookEvent) error {
	if s.Events == nil || !s.Events.Wants(we.Type) {
		return nil
	}
	id, err := randomID(s.Rand, "evt_")
	if err != nil {
		return err
	}
	data, err := json.Marshal(we)
	if err != nil {
		return fmt.Errorf("issuance: encoding %s event: %w", we.Type, err)
	}
	at := we.At
	if at.IsZero() {
		at = ev.At
	}
	ev.Publish = &audit.Publication{ID: id, Type: we.Type, At: at, Data: data}
	return nil
}

// queued tells the relay that the change of ev, with its event, committed.
func (s *Service) queued(ev *audit.Event) {
	if ev.Publish != nil && s.Events != nil {
		s.Events.Queued()
	}
}
