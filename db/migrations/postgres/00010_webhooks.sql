-- Webhooks through the outbox: a webhook message (kind 'webhook', purpose
-- the event type) names the endpoint it goes to, kept after the payload is
-- cleared so that the console's delivery log can show it, and may have no
-- offer (the authorization code flow without an offer).

-- +goose Up
ALTER TABLE outbox ALTER COLUMN offer_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_kind_created_idx ON outbox (kind, created_at);

-- +goose Down
DELETE FROM outbox WHERE kind = 'webhook';
DROP INDEX outbox_kind_created_idx;
ALTER TABLE outbox DROP COLUMN endpoint;
ALTER TABLE outbox ALTER COLUMN offer_id SET NOT NULL;
