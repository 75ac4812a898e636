CREATE TABLE webhook_endpoints (
    id                         text        PRIMARY KEY,
    organisation_id            text        NOT NULL,
    url                        text        NOT NULL,
    description                text,
    events                     text[]      NOT NULL,
    enabled                    boolean     NOT NULL DEFAULT true,
    disabled_reason            text,
    -- Deliveries are signed with it, so it is kept; the API shows it only when it is made.
    secret                     text        NOT NULL,
    -- After a rotation deliveries carry a second signature with the old secret until this passes.
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    -- Start of the current run of failed attempts; an endpoint failing for long enough is disabled.
    failing_since              timestamptz,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL
);

CREATE INDEX webhook_endpoints_organisation ON webhook_endpoints (organisation_id, created_at DESC);

-- One row per (event, endpoint). The payload is the exact body sent on every attempt.
CREATE TABLE webhook_deliveries (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL,
    endpoint_id     text        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        text        NOT NULL,
    event           text        NOT NULL,
    payload         text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    -- A dispatcher owns an attempt until leased_until; a crashed one's attempts are retaken after it.
    lease_id        uuid,
    leased_until    timestamptz,
    last_attempt_at timestamptz,
    response_status integer,
    duration_ms     integer,
    -- The trace of whatever caused the delivery (the event's publication, an API call), continued by each attempt.
    trace_parent    text,
    created_at      timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    delivery_id     text        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number          integer     NOT NULL,
    attempted_at    timestamptz NOT NULL,
    response_status integer,
    duration_ms     integer     NOT NULL,
    -- Why an attempt failed without a response (timeout, refused target, connection error).
    error           text,
    -- The start of the receiver's answer, capped, for the owner to diagnose failures.
    response_body   text,
    PRIMARY KEY (delivery_id, number)
);
