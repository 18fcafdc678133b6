package delivery

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Sender sends one message. Implementations derive the message's
// idempotency key from m.ID (email Message-ID, webhook Idempotency-Key).
type Sender interface {
	Send(ctx context.Context, m *Message, p *Payload) error
}

// SendError is a failed send with a message safe to store and show (no
// addresses, no codes). Permanent failures are not retried.
type SendError struct {
	Reason    string
	Permanent bool
	Err       error
}

func (e *SendError) Error() string { return e.Reason }
func (e *SendError) Unwrap() error { return e.Err }

// WorkerDeps are the collaborators of a Worker.
type WorkerDeps struct {
	Store  OutboxStore
	Sealer Sealer
	// Email and SMS send the two kinds; nil fails messages of that kind.
	Email Sender
	SMS   Sender
	// Webhook sends webhook events (app/webhooks); nil fails them.
	Webhook Sender
	// Events, when set, relays the queued events (app/webhooks.Relay) into
	// the outbox at the start of every round.
	Events EventRelay
	// Owner names this process in leases (host and pid).
	Owner string
	// Lease is how long a claimed message is held (default 5 minutes);
	// after it another worker may send it again.
	Lease time.Duration
	// MaxAttempts is how many sends are tried before a message fails for
	// good (default 8).
	MaxAttempts int
	// Backoff is the delay after the first failure (default 30 s); it
	// doubles per attempt up to MaxBackoff (default 1 hour), with ±20%
	// jitter.
	Backoff, MaxBackoff time.Duration
	// Claim is how many messages one round claims (default 10).
	Claim int
	// SendTimeout bounds one send (default 20 s).
	SendTimeout time.Duration
	Log         *slog.Logger
	Now         func() time.Time
	Rand        io.Reader
}

// EventRelay moves queued events into the outbox (app/webhooks.Relay).
type EventRelay interface {
	RelayEvents(ctx context.Context) (int, error)
}

// Worker sends the outbox: it claims due messages, sends them, and marks
// them sent, or schedules a retry with exponential backoff and jitter, or
// fails them for good. Delivery is at least once: a crash between sending
// and marking sends the message again once the lease expires, with the same
// idempotency key.
type Worker struct {
	WorkerDeps
}

// NewWorker validates d and fills defaults.
func NewWorker(d WorkerDeps) (*Worker, error) {
	if d.Store == nil || d.Sealer == nil || d.Owner == "" {
		return nil, errors.New("delivery: worker needs Store, Sealer and Owner")
	}
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&d.Lease, 5*time.Minute)
	def(&d.Backoff, 30*time.Second)
	def(&d.MaxBackoff, time.Hour)
	def(&d.SendTimeout, 20*time.Second)
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 8
	}
	if d.Claim <= 0 {
		d.Claim = 10
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	return &Worker{WorkerDeps: d}, nil
}

func (w *Worker) now() time.Time { return w.Now().UTC().Truncate(time.Microsecond) }

// RunOnce relays the queued events (Events), then claims one round of due
// messages and works them. It returns how
// many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if w.Events != nil {
		if _, err := w.Events.RelayEvents(ctx); err != nil {
			return 0, fmt.Errorf("delivery: relaying events: %w", err)
		}
	}
	msgs, err := w.Store.ClaimMessages(ctx, w.Owner, w.now(), w.Lease, w.Claim)
	if err != nil {
		return 0, err
	}
	for i := range msgs {
		if err := w.work(ctx, &msgs[i]); err != nil {
			return len(msgs), err
		}
	}
	return len(msgs), nil
}

// Drain runs rounds until no message is due.
func (w *Worker) Drain(ctx context.Context) error {
	for {
		n, err := w.RunOnce(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// systemCtx marks the worker's audit events as the system's.
func systemCtx(ctx context.Context) context.Context {
	return audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem})
}

// work sends one claimed message and records the outcome.
func (w *Worker) work(ctx context.Context, m *Message) error {
	if m.Kind == KindWebhook {
		return w.workWebhook(ctx, m)
	}
	sctx := systemCtx(ctx)
	o, err := w.Store.Offer(ctx, m.OfferID)
	if err != nil {
		return err
	}
	if !o.Redeemable(w.now()) && !isReviewPurpose(m.Purpose) {
		// Nothing to deliver any more: revoked, expired, used or locked.
		ev := audit.New(sctx, w.now(), "offer.delivery_cancelled", "offer", m.OfferID, map[string]string{"channel": m.Kind, "purpose": m.Purpose, "message": m.ID})
		return w.ignoreConflict(w.Store.EndMessage(ctx, m.ID, w.Owner, StateCancelled, w.now(), "the offer is "+string(o.EffectiveState(w.now())), ev))
	}
	sendErr := w.send(ctx, m)
	now := w.now()
	if sendErr == nil {
		action := "offer.delivered"
		if m.Purpose == PurposeTxCode {
			action = "offer.tx_code_sent"
		} else if isReviewPurpose(m.Purpose) {
			action = "offer.review_notified"
		}
		ev := audit.New(sctx, now, action, "offer", m.OfferID, map[string]string{"channel": m.Kind, "message": m.ID})
		return w.ignoreConflict(w.Store.MarkMessageSent(ctx, m.ID, w.Owner, now, ev))
	}
	var se *SendError
	reason, permanent := "send failed", false
	if errors.As(sendErr, &se) {
		reason, permanent = se.Reason, se.Permanent
	}
	w.Log.Warn("delivery attempt failed", "message", m.ID, "offer_id", m.OfferID, "kind", m.Kind, "attempt", m.Attempts, "reason", reason)
	if permanent || m.Attempts >= w.MaxAttempts {
		ev := audit.New(sctx, now, "offer.delivery_failed", "offer", m.OfferID, map[string]string{"channel": m.Kind, "purpose": m.Purpose, "message": m.ID, "error": reason})
		return w.ignoreConflict(w.Store.EndMessage(ctx, m.ID, w.Owner, StateFailed, now, reason, ev))
	}
	return w.ignoreConflict(w.Store.RetryMessage(ctx, m.ID, w.Owner, now.Add(w.backoff(m.Attempts)), reason))
}

// workWebhook sends one claimed webhook event: unlike offer messages it does
// not depend on the offer's state (credential.issued comes after the offer
// is spent). The audit events name the message, never the payload.
func (w *Worker) workWebhook(ctx context.Context, m *Message) error {
	sctx := systemCtx(ctx)
	sendErr := w.send(ctx, m)
	now := w.now()
	details := map[string]string{"event": m.Purpose, "offer_id": m.OfferID}
	if sendErr == nil {
		ev := audit.New(sctx, now, "webhook.delivered", "webhook", m.ID, details)
		return w.ignoreConflict(w.Store.MarkMessageSent(ctx, m.ID, w.Owner, now, ev))
	}
	var se *SendError
	reason, permanent := "send failed", false
	if errors.As(sendErr, &se) {
		reason, permanent = se.Reason, se.Permanent
	}
	w.Log.Warn("webhook attempt failed", "message", m.ID, "event", m.Purpose, "attempt", m.Attempts, "reason", reason)
	if permanent || m.Attempts >= w.MaxAttempts {
		details["error"] = reason
		ev := audit.New(sctx, now, "webhook.failed", "webhook", m.ID, details)
		return w.ignoreConflict(w.Store.EndMessage(ctx, m.ID, w.Owner, StateFailed, now, reason, ev))
	}
	return w.ignoreConflict(w.Store.RetryMessage(ctx, m.ID, w.Owner, now.Add(w.backoff(m.Attempts)), reason))
}

// ignoreConflict: a lost lease means another worker has the message now.
func (w *Worker) ignoreConflict(err error) error {
	if errors.Is(err, issuance.ErrConflict) {
		return nil
	}
	return err
}

func (w *Worker) send(ctx context.Context, m *Message) error {
	p, err := OpenPayload(w.Sealer, m)
	if err != nil {
		return &SendError{Reason: "the message could not be opened", Permanent: true, Err: err}
	}
	var s Sender
	switch m.Kind {
	case KindEmail:
		s = w.Email
	case KindSMS:
		s = w.SMS
	case KindWebhook:
		s = w.Webhook
	}
	if s == nil {
		return &SendError{Reason: m.Kind + " is not configured", Permanent: true}
	}
	sctx, cancel := context.WithTimeout(ctx, w.SendTimeout)
	defer cancel()
	return s.Send(sctx, m, p)
}

// backoff is the delay after the attempt-th failure: Backoff·2^(attempt-1),
// at most MaxBackoff, times a random factor in [0.8, 1.2).
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.Backoff
	for i := 1; i < attempt && d < w.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.MaxBackoff)
	n, err := rand.Int(w.Rand, big.NewInt(400))
	if err != nil {
		return d
	}
	return d * time.Duration(800+n.Int64()) / 1000
}

// Run works the outbox until ctx ends: rounds back to back while there is
// work, then one whenever woken or every poll interval.
func (w *Worker) Run(ctx context.Context, poll time.Duration, wake <-chan struct{}) {
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("outbox round failed", "error", err.Error())
		}
		if err == nil && n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// MessageIDFor is the email Message-ID of outbox message id at host: the
// same for every attempt, so a repeated send is the same message to
// mail systems and clients.
func MessageIDFor(id, host string) string { return fmt.Sprintf("%s@%s", id, host) }
