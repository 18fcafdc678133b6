-- Staff accounts of the operator console, their sessions, and the counters
-- that throttle password guessing. Session ids are stored as hashes only.

-- +goose Up
CREATE TABLE staff_users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL, -- lower case
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '', -- bcrypt; empty: single sign-on only
    sso_subject   TEXT,                     -- issuer + "|" + sub of the upstream login
    created_at    TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ,
    disabled_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (email);
CREATE UNIQUE INDEX staff_users_sso_subject_key ON staff_users (sso_subject);

CREATE TABLE staff_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES staff_users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL, -- absolute expiry
    revoked_at   TIMESTAMPTZ,
    remote_addr  TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_user_id_idx ON staff_sessions (user_id);

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY, -- "account:<email>" or "ip:<address>"
    failures     INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);

-- +goose Down
DROP TABLE login_throttle;
DROP TABLE staff_sessions;
DROP TABLE staff_users;
