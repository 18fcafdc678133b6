-- Draft wallets, second round: a wallet client registered in the console
-- can be marked as speaking a pre-1.0 draft of OpenID4VCI (like pre_1_0 in
-- the configuration file), and a deferred request remembers the shape of
-- the credential request that created it, so the deferred credential
-- endpoint answers in that shape: '' (1.0), 'id2' (1.0 identifier with the
-- singular proof, drafts 14-15) or 'id1' (format + type parameters,
-- drafts 13-14).

-- +goose Up
ALTER TABLE wallet_clients ADD COLUMN pre_1_0 BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE deferred_requests ADD COLUMN request_shape TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE deferred_requests DROP COLUMN request_shape;
ALTER TABLE wallet_clients DROP COLUMN pre_1_0;
