-- Initial schema (SQLite). Times are TIMESTAMP columns holding UTC text
-- ("2006-01-02 15:04:05.999999-07:00" as written by the driver), so that
-- text comparison is time order. JSON documents are TEXT. Secrets are
-- stored only as hex hashes or sealed BLOBs.

-- +goose Up
CREATE TABLE credential_configurations (
    id         TEXT PRIMARY KEY,
    format     TEXT NOT NULL,
    disabled   BOOLEAN NOT NULL DEFAULT 0,
    document   TEXT NOT NULL, -- encoding/json of credential.Configuration
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX credential_configurations_format_idx ON credential_configurations (format);

CREATE TABLE offers (
    id                   TEXT PRIMARY KEY,
    configuration_ids    TEXT NOT NULL, -- JSON array of strings
    state                TEXT NOT NULL,
    handle_hash          TEXT NOT NULL,
    handle_sealed        BLOB,
    code_hash            TEXT NOT NULL,
    claims_sealed        BLOB,
    tx_code              TEXT, -- JSON object; NULL when the offer has no tx_code
    tx_code_hash         TEXT NOT NULL DEFAULT '',
    tx_code_attempts     INTEGER NOT NULL DEFAULT 0 CHECK (tx_code_attempts >= 0),
    max_tx_code_attempts INTEGER NOT NULL DEFAULT 0,
    by_reference         BOOLEAN NOT NULL DEFAULT 0,
    created_by           TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL,
    expires_at           TIMESTAMP NOT NULL,
    fetched_at           TIMESTAMP,
    redeemed_at          TIMESTAMP,
    issued_at            TIMESTAMP,
    accepted_at          TIMESTAMP,
    revoked_at           TIMESTAMP,
    locked_at            TIMESTAMP
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
    created_at             TIMESTAMP NOT NULL,
    expires_at             TIMESTAMP NOT NULL,
    revoked_at             TIMESTAMP
);
CREATE UNIQUE INDEX access_tokens_hash_key ON access_tokens (hash);
CREATE INDEX access_tokens_offer_id_idx ON access_tokens (offer_id);

CREATE TABLE used_nonces (
    hash       TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
) WITHOUT ROWID;
CREATE INDEX used_nonces_expires_at_idx ON used_nonces (expires_at);

CREATE TABLE issued_credentials (
    id                    TEXT PRIMARY KEY,
    offer_id              TEXT REFERENCES offers (id), -- NULL: not from an offer
    access_token_id       TEXT NOT NULL REFERENCES access_tokens (id),
    configuration_id      TEXT NOT NULL,
    format                TEXT NOT NULL,
    holder_key_thumbprint TEXT NOT NULL DEFAULT '',
    notification_id       TEXT NOT NULL DEFAULT '',
    issued_at             TIMESTAMP NOT NULL,
    expires_at            TIMESTAMP NOT NULL,
    wallet_event          TEXT NOT NULL DEFAULT '',
    wallet_event_at       TIMESTAMP
);
CREATE INDEX issued_credentials_notification_id_idx ON issued_credentials (notification_id);
CREATE INDEX issued_credentials_access_token_id_idx ON issued_credentials (access_token_id);
CREATE INDEX issued_credentials_offer_id_idx ON issued_credentials (offer_id);

CREATE TABLE signing_keys (
    id                 TEXT PRIMARY KEY,
    purpose            TEXT NOT NULL,
    algorithm          TEXT NOT NULL,
    private_key_sealed BLOB NOT NULL,
    certificate_chain  TEXT, -- JSON array of base64 DER certificates, leaf first
    created_at         TIMESTAMP NOT NULL,
    not_before         TIMESTAMP NOT NULL,
    not_after          TIMESTAMP NOT NULL,
    retired_at         TIMESTAMP
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (hash);
CREATE INDEX api_keys_name_idx ON api_keys (name);

CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY, -- rowid: monotonic, as audit rows are never deleted
    at           TIMESTAMP NOT NULL,
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
