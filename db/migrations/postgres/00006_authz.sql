-- credmint as the wallet's authorization server (authorization code flow):
-- the authorization requests (pushed or not) with the round trip to the
-- upstream OpenID provider, the authorization codes, the grant of an offer
-- (pre-authorized code or authorization code with issuer_state), and what an
-- access token from the authorization code flow carries (its credential
-- datasets, sealed, and the matched applicant). Secrets are hashes (request
-- URIs, upstream state and nonce, browser binding, codes) or sealed (the
-- upstream PKCE verifier, the datasets).

-- +goose Up
CREATE TABLE auth_requests (
    id                    TEXT PRIMARY KEY,
    stage                 TEXT NOT NULL,  -- pushed, login, consent, done
    request_uri_hash      TEXT,           -- PAR request_uri; NULL without PAR
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    state                 TEXT NOT NULL DEFAULT '', -- the wallet's state, echoed back
    code_challenge        TEXT NOT NULL,  -- PKCE S256
    configuration_ids     TEXT NOT NULL,  -- JSON array of strings
    authorization_details BOOLEAN NOT NULL DEFAULT FALSE, -- RAR was used
    offer_id              TEXT,           -- the offer of issuer_state; NULL when none
    upstream_state_hash   TEXT,
    nonce_hash            TEXT NOT NULL DEFAULT '',
    verifier_sealed       BYTEA,
    browser_hash          TEXT NOT NULL DEFAULT '',
    datasets_sealed       BYTEA,           -- JSON datasets by configuration, after the login
    applicant_id          TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    consumed_at           TIMESTAMPTZ       -- when the request reached done
);
CREATE UNIQUE INDEX auth_requests_request_uri_hash_key ON auth_requests (request_uri_hash);
CREATE UNIQUE INDEX auth_requests_upstream_state_hash_key ON auth_requests (upstream_state_hash);
CREATE INDEX auth_requests_expires_at_idx ON auth_requests (expires_at);

CREATE TABLE auth_codes (
    id                    TEXT PRIMARY KEY,
    hash                  TEXT NOT NULL,
    request_id            TEXT NOT NULL,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    configuration_ids     TEXT NOT NULL,  -- JSON array of strings
    authorization_details BOOLEAN NOT NULL DEFAULT FALSE,
    offer_id              TEXT,
    applicant_id          TEXT,
    datasets_sealed       BYTEA,
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    used_at               TIMESTAMPTZ,
    access_token_id       TEXT            -- the token issued with the code
);
CREATE UNIQUE INDEX auth_codes_hash_key ON auth_codes (hash);
CREATE INDEX auth_codes_expires_at_idx ON auth_codes (expires_at);

-- For authorization_code offers code_hash is the hash of issuer_state.
ALTER TABLE offers ADD COLUMN grant_type TEXT NOT NULL DEFAULT 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

ALTER TABLE access_tokens ADD COLUMN claims_sealed BYTEA; -- datasets by configuration; NULL: the offer's claims
ALTER TABLE access_tokens ADD COLUMN applicant_id TEXT;

-- +goose Down
ALTER TABLE access_tokens DROP COLUMN applicant_id;
ALTER TABLE access_tokens DROP COLUMN claims_sealed;
ALTER TABLE offers DROP COLUMN grant_type;
DROP TABLE auth_codes;
DROP TABLE auth_requests;
