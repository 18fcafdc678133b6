package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"credmint/app/delivery"
)

// Headers of a webhook request; the signature and timestamp headers are the
// SMS webhook's (delivery.HeaderSignature, delivery.HeaderTimestamp).
const (
	HeaderEvent    = "X-Credmint-Event"
	HeaderDelivery = "X-Credmint-Delivery"
)

// Sender POSTs webhook messages. The request is the event's JSON body with:
//
//	X-Credmint-Event: <event type>
//	X-Credmint-Delivery: <outbox message id>  (the same on every attempt)
//	X-Credmint-Timestamp: <unix seconds>
//	X-Credmint-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// A 2xx answer is success; 408, 429, 5xx and network errors are retried with
// the outbox's backoff; any other answer fails the delivery for good.
type Sender struct {
	secrets map[string][]byte
	client  *http.Client
	now     func() time.Time
}

var _ delivery.Sender = (*Sender)(nil)

// NewSender returns the sender for endpoints. client nil means a client with
// a 15 s timeout.
func NewSender(endpoints []Endpoint, client *http.Client, now func() time.Time) (*Sender, error) {
	secrets := make(map[string][]byte, len(endpoints))
	for _, e := range endpoints {
		if e.URL == "" || len(e.Secret) < 16 {
			return nil, errors.New("webhooks: every endpoint needs a URL and a secret of at least 16 characters")
		}
		secrets[e.URL] = []byte(e.Secret)
	}
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Sender{secrets: secrets, client: client, now: now}, nil
}

// Send implements delivery.Sender for webhook messages.
func (s *Sender) Send(ctx context.Context, m *delivery.Message, p *delivery.Payload) error {
	secret, ok := s.secrets[p.To]
	if !ok {
		return &delivery.SendError{Reason: "webhook: the endpoint is no longer configured", Permanent: true}
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.To, bytes.NewReader(p.Body))
	if err != nil {
		return &delivery.SendError{Reason: "webhook: bad URL", Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEvent, m.Purpose)
	req.Header.Set(HeaderDelivery, m.ID)
	req.Header.Set(delivery.HeaderTimestamp, ts)
	req.Header.Set(delivery.HeaderSignature, "sha256="+delivery.Sign(secret, ts, p.Body))
	res, err := s.client.Do(req)
	if err != nil {
		return &delivery.SendError{Reason: "webhook: endpoint unreachable", Err: err}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch c := res.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests, c >= 500:
		return &delivery.SendError{Reason: fmt.Sprintf("webhook: endpoint answered %d", c)}
	default:
		return &delivery.SendError{Reason: fmt.Sprintf("webhook: endpoint refused the event (%d)", c), Permanent: true}
	}
}
