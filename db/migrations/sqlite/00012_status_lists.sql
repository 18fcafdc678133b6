-- Token Status List (draft-ietf-oauth-status-list -14): one row per list
-- with its packed bit array (size*bits/8 bytes, changed under the writer
-- lock), a version bumped by every change, and the signed token cached with
-- the version it shows. Issued credentials get their entry (list and index,
-- unique together), their status as staff see it, and the key that signed
-- them (kept published until its credentials expire).

-- +goose Up
CREATE TABLE status_lists (
    id               TEXT PRIMARY KEY,
    bits             INTEGER NOT NULL,
    size             INTEGER NOT NULL,
    used             INTEGER NOT NULL DEFAULT 0, -- entries reserved; full at size
    seed             BLOB NOT NULL,              -- keys the permutation of indexes
    statuses         BLOB NOT NULL,              -- packed entries, LSB first
    version          INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    token            TEXT NOT NULL DEFAULT '',   -- cached statuslist+jwt
    token_version    INTEGER NOT NULL DEFAULT -1,
    token_key_id     TEXT NOT NULL DEFAULT '',
    token_issued_at  TIMESTAMP,
    token_expires_at TIMESTAMP,
    CHECK (used >= 0 AND used <= size)
);
CREATE INDEX status_lists_bits_idx ON status_lists (bits, created_at);

ALTER TABLE issued_credentials ADD COLUMN status_list_id TEXT REFERENCES status_lists (id);
ALTER TABLE issued_credentials ADD COLUMN status_index INTEGER;
ALTER TABLE issued_credentials ADD COLUMN status TEXT NOT NULL DEFAULT 'valid'; -- valid, revoked, suspended
ALTER TABLE issued_credentials ADD COLUMN status_changed_at TIMESTAMP;
ALTER TABLE issued_credentials ADD COLUMN signing_key_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX issued_credentials_status_entry_idx ON issued_credentials (status_list_id, status_index)
    WHERE status_list_id IS NOT NULL;
CREATE INDEX issued_credentials_signing_key_idx ON issued_credentials (signing_key_id, expires_at);

-- +goose Down
DROP INDEX issued_credentials_signing_key_idx;
DROP INDEX issued_credentials_status_entry_idx;
ALTER TABLE issued_credentials DROP COLUMN signing_key_id;
ALTER TABLE issued_credentials DROP COLUMN status_changed_at;
ALTER TABLE issued_credentials DROP COLUMN status;
ALTER TABLE issued_credentials DROP COLUMN status_index;
ALTER TABLE issued_credentials DROP COLUMN status_list_id;
DROP TABLE status_lists;
