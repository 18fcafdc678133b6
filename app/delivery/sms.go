package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"credmint/views/mail"
)

// Headers of the SMS webhook request.
const (
	HeaderSignature      = "X-Credmint-Signature"
	HeaderTimestamp      = "X-Credmint-Timestamp"
	HeaderIdempotencyKey = "Idempotency-Key"
)

// SMSRequest is the JSON body POSTed to the SMS webhook.
type SMSRequest struct {
	To      string `json:"to"`
	Message string `json:"message"`
	OfferID string `json:"offer_id"`
}

// SMSWebhook sends tx_codes by text message through an HTTP webhook (the
// operator's SMS gateway or a small adapter in front of one).
//
// The request is a JSON POST of SMSRequest with:
//
//	Idempotency-Key: <outbox message id>  (the same on every attempt)
//	X-Credmint-Timestamp: <unix seconds>
//	X-Credmint-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// A 2xx answer is success; 408, 429 and 5xx (and network errors) are retried
// with backoff; any other answer fails the message for good.
type SMSWebhook struct {
	url       string
	secret    []byte
	client    *http.Client
	templates *mail.Templates
	catalog   Catalog
	texts     Texts
	now       func() time.Time
}

// NewSMSWebhook returns the sender for url signed with secret. client nil
// means a client with a 15 s timeout.
func NewSMSWebhook(url, secret string, client *http.Client, templates *mail.Templates, catalog Catalog, texts Texts, now func() time.Time) (*SMSWebhook, error) {
	if url == "" || len(secret) < 16 || templates == nil || catalog == nil {
		return nil, errors.New("delivery: the SMS webhook needs a URL, a secret of at least 16 characters, templates and a catalog")
	}
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &SMSWebhook{url: url, secret: []byte(secret), client: client, templates: templates, catalog: catalog, texts: texts, now: now}, nil
}

// Send implements Sender for SMS messages (tx_codes only).
func (s *SMSWebhook) Send(ctx context.Context, m *Message, p *Payload) error {
	if m.Purpose != PurposeTxCode {
		return &SendError{Reason: "sms: only tx_codes go by text message", Permanent: true}
	}
	text, err := smsText(ctx, s.templates, s.catalog, s.texts, p)
	if err != nil {
		return &SendError{Reason: "the message could not be written", Permanent: true, Err: err}
	}
	body, err := json.Marshal(SMSRequest{To: p.To, Message: text, OfferID: m.OfferID})
	if err != nil {
		return &SendError{Reason: "the message could not be written", Permanent: true, Err: err}
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return &SendError{Reason: "sms: bad webhook URL", Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, m.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, "sha256="+Sign(s.secret, ts, body))
	res, err := s.client.Do(req)
	if err != nil {
		return &SendError{Reason: "sms: webhook unreachable", Err: err}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch c := res.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return &SendError{Reason: fmt.Sprintf("sms: webhook answered %d", c)}
	default:
		return &SendError{Reason: fmt.Sprintf("sms: webhook refused the message (%d)", c), Permanent: true}
	}
}

// Sign returns the hex HMAC-SHA256 of timestamp + "." + body under secret.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a webhook request as a receiver should: the
// signature header matches, and the timestamp is within tolerance of now.
func VerifySignature(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("missing or bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp out of tolerance")
	}
	got, ok := strings.CutPrefix(header.Get(HeaderSignature), "sha256=")
	if !ok {
		return errors.New("missing signature")
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(got), []byte(want)) {
		return errors.New("bad signature")
	}
	return nil
}
