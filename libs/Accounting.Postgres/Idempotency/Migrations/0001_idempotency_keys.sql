-- The stored outcome of each completed POST that carried an Idempotency-Key (contract §1).
-- A row exists only once a request completed: it is written in the same transaction as the
-- request's own writes, so a crash leaves no row and the key stays usable. A request still
-- running holds a transaction-scoped advisory lock on (organisation, key) instead.
--
-- Responses can carry credentials shown once (API keys, webhook secrets, tokens), so nothing
-- here is readable without the Idempotency-Key itself: the key is stored as a hash, the body
-- sealed with a key derived from it, and the request fingerprint is a MAC under that key.
CREATE TABLE idempotency_keys (
    organisation_id       text        NOT NULL,
    key_hash              bytea       NOT NULL,
    request_fingerprint   bytea       NOT NULL,
    response_status       integer     NOT NULL,
    response_content_type text,
    response_location     text,
    sealed_response_body  bytea       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, key_hash)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
