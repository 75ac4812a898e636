-- The API request log of contract §9: what the gateway answered for each organisation, shipped in
-- batches. Read newest first per organisation (optionally per key) and deleted after 30 days in
-- batches, so the table stays the size of its retention window. Request ids are not unique (a
-- client may reuse its own X-Request-Id), so an identity column orders ties and pages stably.
CREATE TABLE request_log (
    id              bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id text             NOT NULL,
    created_at      timestamptz      NOT NULL,
    request_id      text             NOT NULL,
    method          text             NOT NULL,
    path            text             NOT NULL,
    status          smallint         NOT NULL,
    duration_ms     double precision NOT NULL,
    api_key_id      text,
    user_id         text,
    ip              inet,
    user_agent      text
);

CREATE INDEX request_log_organisation ON request_log (organisation_id, created_at DESC, id DESC);
CREATE INDEX request_log_api_key ON request_log (organisation_id, api_key_id, created_at DESC, id DESC) WHERE api_key_id IS NOT NULL;
-- For the retention job, which deletes across organisations oldest first.
CREATE INDEX request_log_created ON request_log (created_at);
