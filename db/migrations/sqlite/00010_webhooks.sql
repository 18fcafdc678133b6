-- Webhooks through the outbox: a webhook message (kind 'webhook', purpose
-- the event type) names the endpoint it goes to, kept after the payload is
-- cleared so that the console's delivery log can show it, and may have no
-- offer (the authorization code flow without an offer). SQLite cannot drop
-- NOT NULL in place, so the table is rebuilt.

-- +goose Up
CREATE TABLE outbox_new (
    id               TEXT PRIMARY KEY, -- also the idempotency key of the message
    kind             TEXT NOT NULL,    -- email, sms, webhook
    purpose          TEXT NOT NULL,    -- offer, tx_code, or the webhook event type
    offer_id         TEXT REFERENCES offers (id), -- NULL for a webhook event without an offer
    payload_sealed   BLOB,             -- sealed JSON; NULL once sent
    state            TEXT NOT NULL,    -- pending, sending, sent, failed, cancelled
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_expires_at TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    endpoint         TEXT NOT NULL DEFAULT '' -- the webhook URL
);
INSERT INTO outbox_new (id, kind, purpose, offer_id, payload_sealed, state, attempts, next_attempt_at,
    last_error, lease_owner, lease_expires_at, created_at, sent_at)
SELECT id, kind, purpose, offer_id, payload_sealed, state, attempts, next_attempt_at,
    last_error, lease_owner, lease_expires_at, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_offer_id_idx ON outbox (offer_id);
CREATE INDEX outbox_kind_created_idx ON outbox (kind, created_at);

-- +goose Down
DELETE FROM outbox WHERE kind = 'webhook';
DROP INDEX outbox_kind_created_idx;
ALTER TABLE outbox DROP COLUMN endpoint;
