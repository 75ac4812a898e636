-- Events wait here, written in the same transaction as the state change they describe,
-- until the relay has handed them to the broker.
CREATE TABLE outbox_messages (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    event_version   integer     NOT NULL,
    organisation_id text        NOT NULL,
    aggregate_id    text        NOT NULL,
    payload         jsonb       NOT NULL,
    trace_parent    text,
    occurred_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz
);

CREATE INDEX outbox_messages_unpublished ON outbox_messages (id) WHERE published_at IS NULL;
CREATE INDEX outbox_messages_published ON outbox_messages (published_at) WHERE published_at IS NOT NULL;

-- One row per (consumer, event) handled: a redelivered event finds its row and is skipped.
CREATE TABLE inbox_messages (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE INDEX inbox_messages_processed_at ON inbox_messages (processed_at);
