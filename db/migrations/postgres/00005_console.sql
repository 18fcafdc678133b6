-- Indexes of the operator console's lists and dashboard: the audit log
-- filtered by actor or action (newest first, by id), the issued credentials
-- newest first (overall and per configuration), and the day counts of
-- redeemed offers. Offers by created_at and by (state, expires_at), and
-- audit events by time and by subject, are indexed already.

-- +goose Up
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (action, id);
CREATE INDEX issued_credentials_issued_at_idx ON issued_credentials (issued_at, id);
CREATE INDEX issued_credentials_configuration_idx ON issued_credentials (configuration_id, issued_at, id);
CREATE INDEX offers_redeemed_at_idx ON offers (redeemed_at);

-- +goose Down
DROP INDEX offers_redeemed_at_idx;
DROP INDEX issued_credentials_configuration_idx;
DROP INDEX issued_credentials_issued_at_idx;
DROP INDEX audit_events_action_idx;
DROP INDEX audit_events_actor_idx;
