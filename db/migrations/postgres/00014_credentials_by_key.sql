-- Credentials signed by one key, page by page in id order: when a signing
-- key is retired because it was compromised, operators list what it signed
-- (GET /api/v1/credentials?signing_key_id=…&after=…) to revoke it.

-- +goose Up
CREATE INDEX issued_credentials_signing_key_id_idx ON issued_credentials (signing_key_id, id);

-- +goose Down
DROP INDEX issued_credentials_signing_key_id_idx;
