-- Initial schema (PostgreSQL). Times are TIMESTAMPTZ written in UTC. JSON
-- documents are TEXT (decoded by credmint, never queried in SQL). Secrets are
-- stored only as hex hashes or sealed BYTEA.

-- +goose Up
CREATE TABLE credential_configurations (
    id         TEXT PRIMARY KEY,
    format     TEXT NOT NULL,
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    document   TEXT NOT NULL, -- encoding/json of credential.Configuration
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX credential_configurations_format_idx ON credential_configurations (format);

CREATE TABLE offers (
    id                   TEXT PRIMARY KEY,
    configuration_ids    TEXT NOT NULL, -- JSON array of strings
    state                TEXT NOT NULL,
    handle_hash          TEXT NOT NULL,
    handle_sealed        BYTEA,
    code_hash            TEXT NOT NULL,
    claims_sealed        BYTEA,
    tx_code              TEXT, -- JSON object; NULL when the offer has no tx_code
    tx_code_hash         TEXT NOT NULL DEFAULT '',
    tx_code_attempts     INTEGER NOT NULL DEFAULT 0 CHECK (tx_code_attempts >= 0),
    max_tx_code_attempts INTEGER NOT NULL DEFAULT 0,
    by_reference         BOOLEAN NOT NULL DEFAULT FALSE,
    created_by           TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL,
    expires_at           TIMESTAMPTZ NOT NULL,
    fetched_at           TIMESTAMPTZ,
    redeemed_at          TIMESTAMPTZ,
    issued_at            TIMESTAMPTZ,
    accepted_at          TIMESTAMPTZ,
    revoked_at           TIMESTAMPTZ,
    locked_at            TIMESTAMPTZ
);
CREATE UNIQUE INDEX offers_handle_hash_key ON offers (handle_hash);
CREATE UNIQUE INDEX offers_code_hash_key ON offers (code_hash);
CREATE INDEX offers_state_expires_at_idx ON offers (state, expires_at);

CREATE TABLE access_tokens (
    id                     TEXT PRIMARY KEY,
    hash                   TEXT NOT NULL,
    offer_id               TEXT REFERENCES offers (id), -- NULL: not from an offer
    configuration_ids      TEXT NOT NULL, -- JSON array of strings
    credential_identifiers TEXT,          -- JSON object; NULL when none
    client_id              TEXT NOT NULL DEFAULT '',
    created_at             TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    revoked_at             TIMESTAMPTZ
);
CREATE UNIQUE INDEX access_tokens_hash_key ON access_tokens (hash);
CREATE INDEX access_tokens_offer_id_idx ON access_tokens (offer_id);

CREATE TABLE used_nonces (
    hash       TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX used_nonces_expires_at_idx ON used_nonces (expires_at);

CREATE TABLE issued_credentials (
    id                    TEXT PRIMARY KEY,
    offer_id              TEXT REFERENCES offers (id), -- NULL: not from an offer
    access_token_id       TEXT NOT NULL REFERENCES access_tokens (id),
    configuration_id      TEXT NOT NULL,
    format                TEXT NOT NULL,
    holder_key_thumbprint TEXT NOT NULL DEFAULT '',
    notification_id       TEXT NOT NULL DEFAULT '',
    issued_at             TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    wallet_event          TEXT NOT NULL DEFAULT '',
    wallet_event_at       TIMESTAMPTZ
);
CREATE INDEX issued_credentials_notification_id_idx ON issued_credentials (notification_id);
CREATE INDEX issued_credentials_access_token_id_idx ON issued_credentials (access_token_id);
CREATE INDEX issued_credentials_offer_id_idx ON issued_credentials (offer_id);

CREATE TABLE signing_keys (
    id                 TEXT PRIMARY KEY,
    purpose            TEXT NOT NULL,
    algorithm          TEXT NOT NULL,
    private_key_sealed BYTEA NOT NULL,
    certificate_chain  TEXT, -- JSON array of base64 DER certificates, leaf first
    created_at         TIMESTAMPTZ NOT NULL,
    not_before         TIMESTAMPTZ NOT NULL,
    not_after          TIMESTAMPTZ NOT NULL,
    retired_at         TIMESTAMPTZ
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (hash);
CREATE INDEX api_keys_name_idx ON api_keys (name);

CREATE TABLE audit_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    remote_addr  TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    details      TEXT NOT NULL DEFAULT '{}' -- JSON object of strings
);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id, at);
CREATE INDEX audit_events_at_idx ON audit_events (at);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE api_keys;
DROP TABLE signing_keys;
DROP TABLE issued_credentials;
DROP TABLE used_nonces;
DROP TABLE access_tokens;
DROP TABLE offers;
DROP TABLE credential_configurations;
