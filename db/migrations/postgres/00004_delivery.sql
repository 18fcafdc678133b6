-- Offers in the console and their delivery: the applicant an offer is for,
-- the batch that created it, how the offer and its tx_code reach the person,
-- the tx_code sealed for printing (wiped once it cannot be used any more),
-- the outbox of messages (email, SMS) worked by the delivery worker, and the
-- batches that create one offer per applicant of a selection.

-- +goose Up
ALTER TABLE offers ADD COLUMN applicant_id TEXT;
ALTER TABLE offers ADD COLUMN batch_id TEXT;
ALTER TABLE offers ADD COLUMN delivery_channel TEXT NOT NULL DEFAULT 'none'; -- email, print, none
ALTER TABLE offers ADD COLUMN tx_code_channel TEXT NOT NULL DEFAULT 'none';  -- email, sms, print, none
ALTER TABLE offers ADD COLUMN tx_code_sealed BYTEA; -- the tx_code for printing, sealed; NULL once spent
ALTER TABLE offers ADD COLUMN delivered_at TIMESTAMPTZ;
CREATE INDEX offers_created_at_id_idx ON offers (created_at, id);
CREATE INDEX offers_applicant_id_idx ON offers (applicant_id, created_at);
CREATE INDEX offers_batch_id_idx ON offers (batch_id, created_at);

CREATE TABLE outbox (
    id               TEXT PRIMARY KEY, -- also the idempotency key of the message
    kind             TEXT NOT NULL,    -- email, sms
    purpose          TEXT NOT NULL,    -- offer, tx_code
    offer_id         TEXT NOT NULL REFERENCES offers (id),
    payload_sealed   BYTEA,             -- sealed JSON; NULL once sent
    state            TEXT NOT NULL,    -- pending, sending, sent, failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ
);
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_offer_id_idx ON outbox (offer_id);

CREATE TABLE offer_batches (
    id                 TEXT PRIMARY KEY,
    selection          TEXT NOT NULL, -- JSON object: which applicants
    delivery_channel   TEXT NOT NULL,
    tx_code_channel    TEXT NOT NULL,
    expires_in_seconds INTEGER NOT NULL DEFAULT 0,
    state              TEXT NOT NULL, -- running, done, failed
    total              INTEGER NOT NULL DEFAULT 0,
    created_count      INTEGER NOT NULL DEFAULT 0,
    skipped_count      INTEGER NOT NULL DEFAULT 0,
    after_applicant    TEXT NOT NULL DEFAULT '', -- last applicant id done (the resume point)
    last_error         TEXT NOT NULL DEFAULT '',
    lease_owner        TEXT NOT NULL DEFAULT '', -- the process working the batch
    lease_expires_at   TIMESTAMPTZ,
    created_by         TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ
);
CREATE INDEX offer_batches_state_idx ON offer_batches (state, created_at);

-- +goose Down
DROP TABLE offer_batches;
DROP TABLE outbox;
DROP INDEX offers_batch_id_idx;
DROP INDEX offers_applicant_id_idx;
DROP INDEX offers_created_at_id_idx;
ALTER TABLE offers DROP COLUMN delivered_at;
ALTER TABLE offers DROP COLUMN tx_code_sealed;
ALTER TABLE offers DROP COLUMN tx_code_channel;
ALTER TABLE offers DROP COLUMN delivery_channel;
ALTER TABLE offers DROP COLUMN batch_id;
ALTER TABLE offers DROP COLUMN applicant_id;
