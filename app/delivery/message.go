package delivery

import (
	"context"
	"encoding/json"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Message kinds, purposes and states of the outbox.
const (
	KindEmail = "email"
	KindSMS   = "sms"
	// KindWebhook is an event for a back-office endpoint (app/webhooks):
	// its Purpose is the event type, Endpoint the URL, and it may have no
	// offer.
	KindWebhook = "webhook"

	// PurposeOffer carries the QR code and links; PurposeTxCode the tx_code,
	// always in a message of its own.
	PurposeOffer  = "offer"
	PurposeTxCode = "tx_code"
	// PurposeReviewReady and PurposeReviewRejected tell the applicant the
	// outcome of a review (notify.go); they are sent whatever the offer's
	// state, which is past redemption by then.
	PurposeReviewReady    = "review_ready"
	PurposeReviewRejected = "review_rejected"

	StatePending   = "pending"
	StateSending   = "sending"
	StateSent      = "sent"
	StateFailed    = "failed"    // gave up after the last attempt, or refused for good
	StateCancelled = "cancelled" // the offer was revoked or its tx_code replaced
)

// Message is one row of the outbox. Its ID is also its idempotency key: the
// email Message-ID and the SMS webhook's Idempotency-Key are derived from it,
// so a message sent again after a crash is recognisable as the same one.
type Message struct {
	ID      string
	Kind    string
	Purpose string
	OfferID string
	// PayloadSealed is the sealed Payload (it may hold the tx_code); nil
	// once the message is sent or cancelled.
	PayloadSealed  []byte
	State          string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string // never holds secrets or applicant data
	LeaseOwner     string
	LeaseExpiresAt *time.Time
	CreatedAt      time.Time
	SentAt         *time.Time
	// Endpoint is the URL of a webhook message ("" for other kinds).
	Endpoint string
}

// Payload is what a message needs to be written, sealed at rest.
type Payload struct {
	To              string    `json:"to"`
	Name            string    `json:"name,omitempty"`
	Locale          string    `json:"locale,omitempty"`
	ConfigurationID string    `json:"configuration_id"`
	OfferURI        string    `json:"offer_uri,omitempty"`
	LandingURL      string    `json:"landing_url,omitempty"`
	TxCode          string    `json:"tx_code,omitempty"`
	TxCodeChannel   string    `json:"tx_code_channel,omitempty"`
	ExpiresAt       time.Time `json:"expires_at"`
	// Reason is the rejection reason of a review_rejected message (only
	// when the operator chose to send it).
	Reason string `json:"reason,omitempty"`
	// Body is the JSON body of a webhook message.
	Body json.RawMessage `json:"body,omitempty"`
}

// NewOffer is an offer to store with its creation event and the messages
// that deliver it, all in one transaction.
type NewOffer struct {
	Offer    *issuance.Offer
	Event    audit.Event
	Messages []Message
}

// TxCodeReplacement is a regenerated tx_code for an offer.
type TxCodeReplacement struct {
	OfferID string
	Hash    string
	// Sealed is the new code sealed for printing; nil for other channels.
	Sealed []byte
	Now    time.Time
}

// BatchStep is one chunk of a running batch: the offers it created and the
// new resume point, stored together only while Owner holds the batch and it
// is still at After.
type BatchStep struct {
	BatchID, Owner string
	// After is the resume point the chunk started from; Next the one it
	// ends at (the id of the last applicant it covered).
	After, Next string
	Offers      []NewOffer
	Skipped     int
	// Total, when not 0, sets the number of applicants selected.
	Total      int
	At         time.Time
	LeaseUntil time.Time
}

// Store is the persistence of the delivery service. db.Store implements it.
// Sentinel errors are issuance.ErrNotFound and issuance.ErrConflict.
type Store interface {
	// CreateOffers inserts the offers, their messages and events in one
	// transaction.
	CreateOffers(ctx context.Context, offers []NewOffer) error
	// StoreBatchStep inserts the step's offers and moves the batch's resume
	// point from After to Next, in one transaction; ErrConflict (nothing
	// written) when the batch is no longer running at After.
	StoreBatchStep(ctx context.Context, step BatchStep) error
	// OfferMessages returns the messages of an offer, oldest first.
	OfferMessages(ctx context.Context, offerID string) ([]Message, error)
	// RequeueMessages makes the failed messages of an offer that still have
	// a payload due again (attempts reset), inserts add, and writes ev, in
	// one transaction. It returns how many were requeued.
	RequeueMessages(ctx context.Context, offerID string, now time.Time, add []Message, ev audit.Event) (int, error)
	// ReplaceTxCode stores a new tx_code hash (attempts reset, a locked
	// offer back to created or fetched), cancels the offer's unsent tx_code
	// messages, inserts add and writes ev, in one transaction. ErrConflict
	// when the offer has no tx_code, is expired, or is past redemption.
	ReplaceTxCode(ctx context.Context, r TxCodeReplacement, add []Message, ev audit.Event) error
	// MarkPrinted sets delivered_at on the offers that have none and writes
	// the events, in one transaction.
	MarkPrinted(ctx context.Context, offerIDs []string, at time.Time, evs []audit.Event) error
	// CountFailedMessages counts the messages that failed for good.
	CountFailedMessages(ctx context.Context) (int, error)
	// OffersWithFailedMessages returns which of the offers have a message
	// that failed for good (and can be resent).
	OffersWithFailedMessages(ctx context.Context, offerIDs []string) (map[string]bool, error)
	// AuditEvents returns the events about one subject, oldest first.
	AuditEvents(ctx context.Context, subjectType, subjectID string) ([]audit.Event, error)
	// Offers returns the offers with the given ids (unknown ids left out).
	Offers(ctx context.Context, ids []string) ([]issuance.Offer, error)
	// BatchOffers returns the offers of a batch, oldest first.
	BatchOffers(ctx context.Context, batchID string) ([]issuance.Offer, error)
	// BatchApplicants returns the applicants that have an offer of a batch.
	BatchApplicants(ctx context.Context, batchID string) (map[string]bool, error)

	CreateBatch(ctx context.Context, b *Batch, ev audit.Event) error
	// Batch returns the batch with id, or ErrNotFound.
	Batch(ctx context.Context, id string) (*Batch, error)
	// RecentBatches returns the newest batches first.
	RecentBatches(ctx context.Context, limit int) ([]Batch, error)
	// ClaimBatch leases the oldest running batch that no process holds (or
	// whose lease expired before now) to owner until leaseUntil, with one
	// conditional update; ErrNotFound when there is none.
	ClaimBatch(ctx context.Context, owner string, now, leaseUntil time.Time) (*Batch, error)
	// FinishBatch moves a running batch held by owner to state (done or
	// failed) and writes ev, in one transaction; ErrConflict when owner
	// does not hold it.
	FinishBatch(ctx context.Context, id, owner, state, lastError string, at time.Time, ev audit.Event) error
	// WipeSpentTxCodes clears the sealed tx_codes of offers past their
	// expiry at now and returns how many it cleared.
	WipeSpentTxCodes(ctx context.Context, now time.Time) (int64, error)
}

// OutboxStore is what the worker needs. Every method that changes a claimed
// message is conditional on the worker still holding its lease, and
// ErrConflict when it does not.
type OutboxStore interface {
	// ClaimMessages leases up to limit due messages (pending and due at
	// now, or sending with an expired lease) to owner until now+lease,
	// counting one attempt on each. Concurrent claimers never get the same
	// message while its lease runs.
	ClaimMessages(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Message, error)
	// MarkMessageSent moves the message to sent, clears its payload, sets
	// the offer's delivered_at for an offer message, and writes ev.
	MarkMessageSent(ctx context.Context, id, owner string, at time.Time, ev audit.Event) error
	// RetryMessage makes the message pending again, due at next.
	RetryMessage(ctx context.Context, id, owner string, next time.Time, lastError string) error
	// EndMessage moves the message to state (failed or cancelled), clears
	// the payload of a cancelled one, and writes ev (when it has an action).
	EndMessage(ctx context.Context, id, owner, state string, at time.Time, lastError string, ev audit.Event) error
	// Offer returns the offer a message belongs to.
	Offer(ctx context.Context, id string) (*issuance.Offer, error)
}
