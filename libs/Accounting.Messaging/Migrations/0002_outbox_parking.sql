-- A row the relay can never publish (an event type this service no longer knows, a payload that
-- no longer deserialises) fails on its own, not because of the broker. Each such failure is
-- counted; after Outbox:MaxPublishAttempts the row is parked: kept, no longer attempted, and
-- holding back the later events of its aggregate, which stay in order behind it.
-- An operator re-publishes a parked row, once its cause is fixed, with
--   UPDATE outbox_messages SET parked_at = NULL, failed_attempts = 0 WHERE id = <id>; SELECT pg_notify('outbox', '');
-- or gives it up, releasing the events behind it, with
--   DELETE FROM outbox_messages WHERE id = <id>; SELECT pg_notify('outbox', '');
ALTER TABLE outbox_messages
    ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error      text,
    ADD COLUMN parked_at       timestamptz;

DROP INDEX outbox_messages_unpublished;
CREATE INDEX outbox_messages_pending ON outbox_messages (id) WHERE published_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_messages_parked ON outbox_messages (aggregate_id, id) WHERE published_at IS NULL AND parked_at IS NOT NULL;
