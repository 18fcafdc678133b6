-- Wallet clients registered in the console (those from the configuration
-- file are not stored), and the optional refresh tokens of the
-- authorization code flow (RFC 6749 §6), stored by hash, rotated on every
-- use; a family is every refresh token descended from one authorization
-- code (family_id is the code's id), revoked whole when a used one comes
-- back (RFC 9700 §4.14.2).

-- +goose Up
CREATE TABLE wallet_clients (
    client_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,            -- JSON array of strings
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE refresh_tokens (
    id                     TEXT PRIMARY KEY,
    hash                   TEXT NOT NULL,
    family_id              TEXT NOT NULL,   -- the authorization code's id
    client_id              TEXT NOT NULL,
    configuration_ids      TEXT NOT NULL,   -- JSON array of strings
    credential_identifiers TEXT,            -- JSON object; NULL without authorization_details
    offer_id               TEXT,
    applicant_id           TEXT,
    datasets_sealed        BYTEA,
    access_token_id        TEXT NOT NULL,   -- the access token issued with it
    created_at             TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    used_at                TIMESTAMPTZ,
    revoked_at             TIMESTAMPTZ
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (hash);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE wallet_clients;
