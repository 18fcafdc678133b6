-- The event outbox: an event for the issuer's back office (webhooks,
-- applicant emails) is written in the same transaction as the state change
-- it reports (audit.Event.Publish), and relayed from here into the outbox,
-- one message per subscriber, by app/webhooks. A row lives until it is
-- relayed. Data is JSON with ids only, never applicant data.
--
-- A deferred request also keeps the upstream identity of the person who
-- signed in (authorization code flow), sealed with the master key.

-- +goose Up
CREATE TABLE event_outbox (
    id              TEXT PRIMARY KEY, -- evt_…, the event id receivers see
    type            TEXT NOT NULL,    -- issuance.pending, credential.issued, …
    at              TIMESTAMPTZ NOT NULL,
    data            TEXT NOT NULL,    -- JSON, ids only
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_outbox_due_idx ON event_outbox (next_attempt_at);
ALTER TABLE deferred_requests ADD COLUMN upstream_sealed BYTEA;

-- +goose Down
ALTER TABLE deferred_requests DROP COLUMN upstream_sealed;
DROP TABLE event_outbox;
