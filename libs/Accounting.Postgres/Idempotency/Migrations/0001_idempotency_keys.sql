-- The stored outcome of each completed POST that carried an Idempotency-Key (contract §1).
-- A row exists only once a request completed: it is written in the same transaction as the
-- request's own writes, so a crash leaves no row and the key stays usable. A request still
-- running holds a transaction-scoped advisory lock on (organisation, key) instead.
CREATE TABLE idempotency_keys (
    organisation_id       text        NOT NULL,
    idempotency_key       text        NOT NULL,
    request_fingerprint   bytea       NOT NULL,
    response_status       integer     NOT NULL,
    response_content_type text,
    response_location     text,
    response_body         bytea       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, idempotency_key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
