-- Deferred issuance (OID4VCI 1.0 §9): credential requests waiting for a
-- reviewer. The wallet's transaction_id is stored hashed; the claims
-- snapshot sealed with the master key (AAD: the id); holder_keys are the
-- verified public JWKs of the original proofs.

-- +goose Up
CREATE TABLE deferred_requests (
    id                TEXT PRIMARY KEY,
    transaction_hash  TEXT NOT NULL,
    access_token_id   TEXT NOT NULL,
    offer_id          TEXT,
    applicant_id      TEXT,
    configuration_id  TEXT NOT NULL,
    holder_keys       TEXT NOT NULL,            -- JSON array of public JWKs
    claims_sealed     BYTEA NOT NULL,
    reasons           TEXT NOT NULL,            -- JSON array of strings
    state             TEXT NOT NULL,            -- pending, approved, issued, rejected, expired
    offer_created_by  TEXT NOT NULL DEFAULT '',
    approved_by       TEXT NOT NULL DEFAULT '',
    rejected_by       TEXT NOT NULL DEFAULT '',
    reject_reason     TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    decided_at        TIMESTAMPTZ,
    collected_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX deferred_requests_transaction_hash_key ON deferred_requests (transaction_hash);
CREATE INDEX deferred_requests_state_created_idx ON deferred_requests (state, created_at);

-- +goose Down
DROP TABLE deferred_requests;
