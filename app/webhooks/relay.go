package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
)

// Sink turns an event into outbox messages for one kind of subscriber (the
// webhook endpoints, the applicant's email). It stores nothing itself: the
// Relay inserts every sink's messages in one transaction.
type Sink interface {
	// Wants reports whether the sink has anything to send for event type t.
	Wants(t string) bool
	// Messages returns the messages to queue for ev (none is fine). An
	// error makes the relay try the event again later.
	Messages(ctx context.Context, ev issuance.WebhookEvent) ([]delivery.Message, error)
}

// RelayStore is the event outbox. db.Store implements it.
type RelayStore interface {
	// QueuedEvents returns the queued events due at now, oldest first.
	QueuedEvents(ctx context.Context, now time.Time, limit int) ([]audit.Publication, error)
	// PublishEvent removes queued event id and inserts msgs in one
	// transaction; issuance.ErrConflict when another relay published it.
	PublishEvent(ctx context.Context, id string, msgs []delivery.Message) error
	// DelayEvent counts a failed relay of event id and makes it due at
	// next.
	DelayEvent(ctx context.Context, id string, next time.Time, reason string) error
}

// RelayDeps are the collaborators of a Relay.
type RelayDeps struct {
	Store RelayStore
	// Wake, when set, is signalled after messages were queued (the outbox
	// worker).
	Wake func()
	Log  *slog.Logger
	Now  func() time.Time
}

// Relay moves events from the event outbox, where issuance writes them in
// the transaction of the change they report, into the delivery outbox: one
// transaction per event removes it and inserts the messages of every
// subscribed sink. A crash before that commit leaves the event queued, so
// it is relayed again (at least once; the event id is stable). It
// implements issuance.Events.
type Relay struct {
	RelayDeps
	mu    sync.RWMutex
	sinks []Sink
}

var _ issuance.Events = (*Relay)(nil)

// relayBatch is how many events one round relays.
const relayBatch = 50

// NewRelay validates d and fills defaults.
func NewRelay(d RelayDeps, sinks ...Sink) (*Relay, error) {
	if d.Store == nil {
		return nil, errors.New("webhooks: the relay needs a Store")
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Relay{RelayDeps: d, sinks: sinks}, nil
}

// Queued implements issuance.Events: a change with an event committed, so
// the outbox worker (which relays at the start of its rounds) is woken.
func (r *Relay) Queued() { r.Wake() }

// Add adds a sink (the wiring adds the applicant notifier once the
// delivery service exists).
func (r *Relay) Add(s Sink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sinks = append(r.sinks, s)
}

// Wants implements issuance.Events: some sink wants event type t.
func (r *Relay) Wants(t string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.sinks {
		if s.Wants(t) {
			return true
		}
	}
	return false
}

// RelayEvents relays the due events, oldest first, until none is due; it
// returns how many it published. An event a sink fails on is tried again
// later with a backoff (30 s doubling up to an hour); the others go on.
func (r *Relay) RelayEvents(ctx context.Context) (int, error) {
	total := 0
	for {
		evs, err := r.Store.QueuedEvents(ctx, r.Now(), relayBatch)
		if err != nil {
			return total, err
		}
		n := 0
		for _, p := range evs {
			ok, err := r.relay(ctx, p)
			if err != nil {
				return total, err
			}
			if ok {
				n++
			}
		}
		total += n
		if n > 0 {
			r.Wake()
		}
		if len(evs) < relayBatch {
			return total, nil
		}
	}
}

// relay publishes one event; false when it was delayed or another relay
// published it.
func (r *Relay) relay(ctx context.Context, p audit.Publication) (bool, error) {
	msgs, err := r.messages(ctx, p)
	if err != nil {
		r.Log.Warn("relaying an event failed; it is retried", "event_id", p.ID, "event", p.Type, "attempt", p.Attempts+1, "error", err.Error())
		next := r.Now().Add(relayBackoff(p.Attempts + 1))
		if derr := r.Store.DelayEvent(ctx, p.ID, next, err.Error()); derr != nil && !errors.Is(derr, issuance.ErrNotFound) {
			return false, derr
		}
		return false, nil
	}
	err = r.Store.PublishEvent(ctx, p.ID, msgs)
	if errors.Is(err, issuance.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// messages collects the messages of every sink for p.
func (r *Relay) messages(ctx context.Context, p audit.Publication) ([]delivery.Message, error) {
	ev, err := issuance.DecodeWebhookEvent(p)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	sinks := append([]Sink(nil), r.sinks...)
	r.mu.RUnlock()
	var out []delivery.Message
	for _, s := range sinks {
		if !s.Wants(ev.Type) {
			continue
		}
		msgs, err := s.Messages(ctx, ev)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}

// relayBackoff is the delay after the attempt-th failed relay: 30 s
// doubling, at most an hour.
func relayBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
