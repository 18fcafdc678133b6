-- Console single sign-on: the round trips of staff to the organisation's
-- OpenID provider. Any credmint process can take the callback. Secrets are
-- hashes (state, nonce, browser binding) or sealed (the PKCE verifier); a
-- row is kept, used, until it expires so that a replayed state is told
-- apart from an unknown one.

-- +goose Up
CREATE TABLE console_sso_logins (
    state_hash      TEXT PRIMARY KEY,
    browser_hash    TEXT NOT NULL,
    nonce_hash      TEXT NOT NULL,
    verifier_sealed BLOB NOT NULL,
    next            TEXT NOT NULL DEFAULT '', -- the console page to go to afterwards
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP
);
CREATE INDEX console_sso_logins_expires_at_idx ON console_sso_logins (expires_at);

-- +goose Down
DROP TABLE console_sso_logins;
