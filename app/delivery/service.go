package delivery

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
)

// Applicants gives the people offers are made for. *applicants.Service
// satisfies it.
type Applicants interface {
	Get(ctx context.Context, id string) (*applicants.Applicant, error)
	// Addressees returns the names and postal addresses of the applicants
	// with ids, without opening their claims.
	Addressees(ctx context.Context, ids []string) (map[string]applicants.Addressee, error)
	// Select calls fn with every applicant f selects, newest first
	// (created_at, id descending), claims opened.
	Select(ctx context.Context, f applicants.Filter, fn func(*applicants.Applicant) error) error
}

// Catalog gives the enabled credential configurations.
type Catalog interface {
	Configuration(ctx context.Context, id string) (*credential.Configuration, error)
}

// Sealer encrypts data at rest with the master key.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Deps are the collaborators of a Service.
type Deps struct {
	Store      Store
	Issuance   *issuance.Service
	Applicants Applicants
	Catalog    Catalog
	Sealer     Sealer
	// EmailEnabled and SMSEnabled say whether SMTP and the SMS webhook are
	// configured; a channel that is not cannot be chosen.
	EmailEnabled bool
	SMSEnabled   bool
	// IssuerName and Contact are printed on letters and shown on the
	// landing page ("expired, contact …").
	IssuerName string
	Contact    string
	// Locale is the default language of messages and letters.
	Locale string
	// Wake, when set, is signalled when messages are queued or a batch is
	// started, so the workers do not wait for their next poll.
	Wake func()
	Log  *slog.Logger
	Now  func() time.Time
	Rand io.Reader
}

// Service creates offers for applicants with their deliveries, and acts on
// them (resend, new tx_code, print).
type Service struct {
	Deps
}

// New validates d, fills defaults and returns a Service.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Issuance == nil || d.Applicants == nil || d.Catalog == nil || d.Sealer == nil {
		return nil, errors.New("delivery: Store, Issuance, Applicants, Catalog and Sealer are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Locale == "" {
		d.Locale = "en"
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	return &Service{Deps: d}, nil
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Order asks for offers with their deliveries.
type Order struct {
	// DeliveryChannel is issuance.DeliveryEmail, DeliveryPrint or
	// DeliveryNone (staff hand the QR code over themselves).
	DeliveryChannel string
	// TxCodeChannel is DeliveryEmail (a second email), DeliverySMS,
	// DeliveryPrint (a tear-off slip or a separate PIN letter) or
	// DeliveryNone (the offer has no tx_code).
	TxCodeChannel string
	// ExpiresIn 0 means the default offer lifetime.
	ExpiresIn time.Duration
	// Grant is "" (a pre-authorized code) or
	// issuance.GrantAuthorizationCode: the person logs in from the wallet,
	// so the offer has no PIN and TxCodeChannel is none. A batch's offers
	// all have the same grant.
	Grant string
}

// normalized is o as it is carried out: an offer with the login has no PIN.
func (o Order) normalized() Order {
	if o.Grant == issuance.GrantAuthorizationCode {
		o.TxCodeChannel = issuance.DeliveryNone
	}
	return o
}

// Check validates the channels of o, for every applicant.
func (s *Service) Check(o Order) error {
	fields := map[string]string{}
	switch o.DeliveryChannel {
	case issuance.DeliveryEmail:
		if !s.EmailEnabled {
			fields["delivery_channel"] = "email is not configured (smtp.host)"
		}
	case issuance.DeliveryPrint, issuance.DeliveryNone:
	default:
		fields["delivery_channel"] = "must be email, print or none"
	}
	switch o.TxCodeChannel {
	case issuance.DeliveryEmail:
		if !s.EmailEnabled {
			fields["tx_code_channel"] = "email is not configured (smtp.host)"
		}
	case issuance.DeliverySMS:
		if !s.SMSEnabled {
			fields["tx_code_channel"] = "SMS is not configured (sms_webhook.url)"
		}
	case issuance.DeliveryPrint, issuance.DeliveryNone:
	default:
		fields["tx_code_channel"] = "must be email, sms, print or none"
	}
	if o.ExpiresIn != 0 && (o.ExpiresIn < time.Hour || o.ExpiresIn > 90*24*time.Hour) {
		fields["expires_in"] = "must be between 1 hour and 90 days"
	}
	if len(fields) > 0 {
		return &issuance.ValidationError{Fields: fields}
	}
	return nil
}

// checkApplicant names what a applicant lacks for the channels of o.
func checkApplicant(a *applicants.Applicant, o Order) map[string]string {
	fields := map[string]string{}
	if (o.DeliveryChannel == issuance.DeliveryEmail || o.TxCodeChannel == issuance.DeliveryEmail) && strings.TrimSpace(a.Email) == "" {
		fields[channelField(o, issuance.DeliveryEmail)] = "the applicant has no email address"
	}
	if o.TxCodeChannel == issuance.DeliverySMS && strings.TrimSpace(a.Phone) == "" {
		fields["tx_code_channel"] = "the applicant has no phone number"
	}
	if (o.DeliveryChannel == issuance.DeliveryPrint || o.TxCodeChannel == issuance.DeliveryPrint) && strings.TrimSpace(a.Address) == "" {
		fields[channelField(o, issuance.DeliveryPrint)] = "the applicant has no postal address"
	}
	return fields
}

func channelField(o Order, ch string) string {
	if o.DeliveryChannel == ch {
		return "delivery_channel"
	}
	return "tx_code_channel"
}

// CreateOffer creates an offer for one applicant (claims: the applicant's
// dataset) and queues its deliveries, in one transaction.
func (s *Service) CreateOffer(ctx context.Context, applicantID string, o Order) (*issuance.CreatedOffer, error) {
	o = o.normalized()
	if err := s.Check(o); err != nil {
		return nil, err
	}
	a, err := s.Applicants.Get(ctx, applicantID)
	if errors.Is(err, applicants.ErrNotFound) {
		return nil, &issuance.ValidationError{Fields: map[string]string{"applicant_id": "no such applicant"}}
	} else if err != nil {
		return nil, err
	}
	if fields := checkApplicant(a, o); len(fields) > 0 {
		return nil, &issuance.ValidationError{Fields: fields}
	}
	n, created, err := s.prepare(ctx, a, o, "")
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateOffers(ctx, []NewOffer{*n}); err != nil {
		return nil, err
	}
	if len(n.Messages) > 0 {
		s.Wake()
	}
	return created, nil
}

// prepare builds the offer for applicant a with its messages.
func (s *Service) prepare(ctx context.Context, a *applicants.Applicant, o Order, batchID string) (*NewOffer, *issuance.CreatedOffer, error) {
	req := issuance.CreateOfferRequest{ConfigurationIDs: []string{a.ConfigurationID}, Claims: a.Claims, ExpiresIn: o.ExpiresIn, Grant: o.Grant}
	if o.TxCodeChannel == issuance.DeliveryNone {
		req.TxCode = &issuance.TxCodePolicy{None: true}
	} else {
		req.TxCode = &issuance.TxCodePolicy{Description: txCodeDescription(o.TxCodeChannel)}
	}
	p, err := s.Issuance.PrepareOffer(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	off := p.Offer
	off.ApplicantID, off.BatchID = a.ID, batchID
	off.DeliveryChannel, off.TxCodeChannel = o.DeliveryChannel, o.TxCodeChannel
	if p.Event.Details == nil {
		p.Event.Details = map[string]string{}
	}
	p.Event.Details["applicant_id"] = a.ID
	p.Event.Details["delivery_channel"] = o.DeliveryChannel
	p.Event.Details["tx_code_channel"] = o.TxCodeChannel
	if batchID != "" {
		p.Event.Details["batch_id"] = batchID
	}
	if o.TxCodeChannel == issuance.DeliveryPrint {
		if off.TxCodeSealed, err = s.Issuance.SealTxCode(off, p.TxCode); err != nil {
			return nil, nil, err
		}
	}
	base := Payload{Name: a.Name, Locale: s.locale(ctx, a.ConfigurationID), ConfigurationID: a.ConfigurationID,
		ExpiresAt: off.ExpiresAt, TxCodeChannel: o.TxCodeChannel}
	var msgs []Message
	if o.DeliveryChannel == issuance.DeliveryEmail {
		pl := base
		pl.To, pl.OfferURI, pl.LandingURL = a.Email, p.Links.OfferURI, p.Links.LandingURL
		m, err := s.newMessage(KindEmail, PurposeOffer, off.ID, pl)
		if err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, *m)
	}
	if o.TxCodeChannel == issuance.DeliveryEmail || o.TxCodeChannel == issuance.DeliverySMS {
		pl := base
		pl.TxCode = p.TxCode
		kind := KindEmail
		pl.To = a.Email
		if o.TxCodeChannel == issuance.DeliverySMS {
			kind, pl.To = KindSMS, a.Phone
		}
		m, err := s.newMessage(kind, PurposeTxCode, off.ID, pl)
		if err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, *m)
	}
	return &NewOffer{Offer: off, Event: p.Event, Messages: msgs}, &p.CreatedOffer, nil
}

// txCodeDescription is the tx_code description wallets show: where the PIN
// comes from.
func txCodeDescription(channel string) string {
	switch channel {
	case issuance.DeliverySMS:
		return "Enter the PIN we sent you by text message"
	case issuance.DeliveryEmail:
		return "Enter the PIN we sent you in a separate email"
	case issuance.DeliveryPrint:
		return "Enter the PIN printed on the slip of your letter"
	}
	return ""
}

// locale is the language of messages for a configuration: its first display
// locale, else the default.
func (s *Service) locale(ctx context.Context, configurationID string) string {
	c, err := s.Catalog.Configuration(ctx, configurationID)
	if err != nil {
		return s.Locale
	}
	for _, d := range c.Display {
		if d.Locale != "" {
			return d.Locale
		}
	}
	return s.Locale
}

// newMessage returns a pending message with p sealed, due now.
func (s *Service) newMessage(kind, purpose, offerID string, p Payload) (*Message, error) {
	id, err := messageID(s.Rand, s.now())
	if err != nil {
		return nil, err
	}
	sealed, err := SealPayload(s.Sealer, id, p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &Message{ID: id, Kind: kind, Purpose: purpose, OfferID: offerID, PayloadSealed: sealed,
		State: StatePending, NextAttemptAt: now, CreatedAt: now}, nil
}

// payloadAAD binds a sealed payload to its message.
func payloadAAD(id string) []byte { return []byte("outbox\x00" + id) }

// SealPayload seals p for the message with id.
func SealPayload(sealer Sealer, id string, p Payload) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("delivery: encoding payload: %w", err)
	}
	b, err := sealer.Seal(raw, payloadAAD(id))
	if err != nil {
		return nil, fmt.Errorf("delivery: sealing payload: %w", err)
	}
	return b, nil
}

// OpenPayload opens the payload of m.
func OpenPayload(sealer Sealer, m *Message) (*Payload, error) {
	if len(m.PayloadSealed) == 0 {
		return nil, fmt.Errorf("delivery: message %s has no payload", m.ID)
	}
	raw, err := sealer.Open(m.PayloadSealed, payloadAAD(m.ID))
	if err != nil {
		return nil, fmt.Errorf("delivery: opening payload of %s: %w", m.ID, err)
	}
	var p Payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("delivery: decoding payload of %s: %w", m.ID, err)
	}
	return &p, nil
}

// messageID returns an outbox id that sorts by creation time (so that the
// outbox's primary key grows at its end, which keeps big batches fast) and
// carries 96 random bits: "msg_" + 12 hex digits of Unix milliseconds + 16
// base64url characters.
func messageID(r io.Reader, now time.Time) (string, error) {
	b := make([]byte, 12)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("delivery: reading randomness: %w", err)
	}
	return fmt.Sprintf("msg_%012x%s", now.UnixMilli(), base64.RawURLEncoding.EncodeToString(b)), nil
}

// NewMessageID returns a new outbox message id (see messageID), for
// messages queued outside this package (webhook events).
func NewMessageID(r io.Reader, now time.Time) (string, error) { return messageID(r, now) }

// randomID returns a prefixed random identifier.
func randomID(r io.Reader, prefix string) (string, error) {
	b := make([]byte, 15)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("delivery: reading randomness: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// FailedDeliveries counts the messages that failed for good, for the
// dashboard.
func (s *Service) FailedDeliveries(ctx context.Context) (int, error) {
	return s.Store.CountFailedMessages(ctx)
}

// FailedAmong returns which of the offers have a failed delivery.
func (s *Service) FailedAmong(ctx context.Context, offerIDs []string) (map[string]bool, error) {
	if len(offerIDs) == 0 {
		return nil, nil
	}
	return s.Store.OffersWithFailedMessages(ctx, offerIDs)
}

// event is an audit event about offer id for the actor in ctx.
func (s *Service) event(ctx context.Context, action, id string, details map[string]string) audit.Event {
	return audit.New(ctx, s.now(), action, "offer", id, details)
}
