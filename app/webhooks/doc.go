// Package webhooks sends issuance events to the issuer's back-office
// endpoints: Service implements issuance.Events by queueing one outbox
// message (kind delivery.KindWebhook) per subscribed endpoint, and Sender
// POSTs them, signed with HMAC-SHA256 like the SMS webhook, from the outbox
// worker with its retries and backoff. Delivery is at least once; the
// X-Credmint-Delivery header (the outbox id) is the idempotency key.
// See docs/webhooks.md.
package webhooks
