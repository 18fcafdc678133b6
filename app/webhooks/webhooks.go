package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
)

// Endpoint is one configured receiver.
type Endpoint struct {
	URL    string
	Secret string
	// Events are the event types sent there; empty means all.
	Events []string
}

// Wants reports whether e subscribes to event type t.
func (e Endpoint) Wants(t string) bool { return len(e.Events) == 0 || slices.Contains(e.Events, t) }

// Store is the outbox as the delivery log uses it. db.Store implements it.
type Store interface {
	// WebhookMessages returns the newest webhook messages first.
	WebhookMessages(ctx context.Context, limit int) ([]delivery.Message, error)
	// RequeueWebhook makes a failed webhook message due at now again and
	// writes ev; issuance.ErrConflict when it is not a failed one.
	RequeueWebhook(ctx context.Context, id string, now time.Time, ev audit.Event) error
	// DelayedEvents returns the queued events whose relay failed at least
	// once, oldest first (the Relay's RelayStore writes them).
	DelayedEvents(ctx context.Context, limit int) ([]audit.Publication, error)
	// RetryEventNow makes a delayed event due at now and writes ev;
	// issuance.ErrConflict when it is not a delayed one.
	RetryEventNow(ctx context.Context, id string, now time.Time, ev audit.Event) error
}

// Deps are the collaborators of a Service.
type Deps struct {
	Store     Store
	Sealer    delivery.Sealer
	Endpoints []Endpoint
	// Wake, when set, is signalled after a delivery is requeued.
	Wake func()
	Now  func() time.Time
	Rand io.Reader
}

// Service turns events into webhook deliveries (a Sink of the Relay) and
// serves the console's delivery log.
type Service struct {
	Deps
}

var _ Sink = (*Service)(nil)

// New validates d and fills defaults.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Sealer == nil {
		return nil, errors.New("webhooks: Store and Sealer are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	return &Service{Deps: d}, nil
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Body is the JSON POSTed for an event. It carries ids only, never claims.
type Body struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      Data      `json:"data"`
}

// Data is what an event is about.
type Data struct {
	OfferID         string   `json:"offer_id,omitempty"`
	TransactionID   string   `json:"transaction_id,omitempty"`
	ConfigurationID string   `json:"configuration_id,omitempty"`
	CredentialIDs   []string `json:"credential_ids,omitempty"`
	Reason          string   `json:"reason,omitempty"`
}

// Wants reports whether an endpoint subscribes to event type t.
func (s *Service) Wants(t string) bool {
	for _, e := range s.Endpoints {
		if e.Wants(t) {
			return true
		}
	}
	return false
}

// Messages implements Sink: one outbox message per endpoint that subscribes
// to ev.Type. The body is fixed here, so every attempt sends the same bytes;
// the event id (ev.ID, from the event outbox) is shared by the endpoints
// and by a relay repeated after a crash, the delivery id (the message id)
// is each message's own.
func (s *Service) Messages(_ context.Context, ev issuance.WebhookEvent) ([]delivery.Message, error) {
	var targets []Endpoint
	for _, e := range s.Endpoints {
		if e.Wants(ev.Type) {
			targets = append(targets, e)
		}
	}
	if len(targets) == 0 {
		return nil, nil
	}
	now := s.now()
	at := ev.At
	if at.IsZero() {
		at = now
	}
	id := ev.ID
	if id == "" {
		var err error
		if id, err = eventID(s.Rand); err != nil {
			return nil, err
		}
	}
	body, err := json.Marshal(Body{ID: id, Type: ev.Type, CreatedAt: at.UTC(), Data: Data{OfferID: ev.OfferID,
		TransactionID: ev.TransactionID, ConfigurationID: ev.ConfigurationID, CredentialIDs: ev.CredentialIDs, Reason: ev.Reason}})
	if err != nil {
		return nil, fmt.Errorf("webhooks: encoding event: %w", err)
	}
	msgs := make([]delivery.Message, len(targets))
	for i, e := range targets {
		mid, err := delivery.NewMessageID(s.Rand, now)
		if err != nil {
			return nil, err
		}
		sealed, err := delivery.SealPayload(s.Sealer, mid, delivery.Payload{To: e.URL, ConfigurationID: ev.ConfigurationID, Body: body})
		if err != nil {
			return nil, err
		}
		msgs[i] = delivery.Message{ID: mid, Kind: delivery.KindWebhook, Purpose: ev.Type, OfferID: ev.OfferID,
			Endpoint: e.URL, PayloadSealed: sealed, State: delivery.StatePending, NextAttemptAt: now, CreatedAt: now}
	}
	return msgs, nil
}

// Deliveries returns the newest deliveries first, at most limit.
func (s *Service) Deliveries(ctx context.Context, limit int) ([]delivery.Message, error) {
	return s.Store.WebhookMessages(ctx, limit)
}

// DelayedEvents returns the events that could not be turned into
// deliveries yet (a sink failed on them; the relay retries them, 30 s
// doubling up to hourly), oldest first, at most limit.
func (s *Service) DelayedEvents(ctx context.Context, limit int) ([]audit.Publication, error) {
	return s.Store.DelayedEvents(ctx, limit)
}

// RetryEvent makes a delayed event due now, for the actor in ctx
// (audited), once whatever made its relay fail has been put right;
// issuance.ErrConflict when it is not a delayed event.
func (s *Service) RetryEvent(ctx context.Context, id string) error {
	now := s.now()
	ev := audit.New(ctx, now, "event.retried", "event", id, nil)
	if err := s.Store.RetryEventNow(ctx, id, now, ev); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Retry makes a failed delivery due now, with a fresh attempt count, for
// the actor in ctx (audited); issuance.ErrConflict when it has not failed.
func (s *Service) Retry(ctx context.Context, id string) error {
	now := s.now()
	ev := audit.New(ctx, now, "webhook.retried", "webhook", id, nil)
	if err := s.Store.RequeueWebhook(ctx, id, now, ev); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// eventID returns "evt_" and 120 random bits.
func eventID(r io.Reader) (string, error) {
	b := make([]byte, 15)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("webhooks: reading randomness: %w", err)
	}
	return "evt_" + base64.RawURLEncoding.EncodeToString(b), nil
}
