CREATE TABLE organisations (
    id         text        PRIMARY KEY,
    name       text        NOT NULL,
    plan       text        NOT NULL DEFAULT 'standard',
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id                   text        PRIMARY KEY,
    email                text        NOT NULL,
    full_name            text        NOT NULL,
    password_hash        text        NOT NULL,
    -- Bumped by a password change: refresh tokens of an older generation stop working.
    token_generation     integer     NOT NULL DEFAULT 0,
    failed_logins        integer     NOT NULL DEFAULT 0,
    locked_until         timestamptz,
    -- TOTP secrets are encrypted (AES-GCM); the pending one awaits its first valid code.
    totp_secret          bytea,
    totp_pending_secret  bytea,
    -- The last accepted time step: a code is accepted only once.
    totp_last_step       bigint,
    created_at           timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE memberships (
    user_id         text        NOT NULL REFERENCES users (id),
    organisation_id text        NOT NULL REFERENCES organisations (id),
    role            text        NOT NULL CHECK (role IN ('owner', 'admin', 'accountant', 'viewer')),
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);

CREATE INDEX memberships_organisation ON memberships (organisation_id);

-- Refresh tokens rotate on every use within a family; presenting a used one revokes the family.
CREATE TABLE refresh_tokens (
    id               text        PRIMARY KEY,
    token_hash       text        NOT NULL UNIQUE,
    family_id        text        NOT NULL,
    user_id          text        NOT NULL REFERENCES users (id),
    organisation_id  text        NOT NULL REFERENCES organisations (id),
    token_generation integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    revoked_at       timestamptz
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- The second step of a login with TOTP: single use, five minutes.
CREATE TABLE login_challenges (
    token_hash      text        PRIMARY KEY,
    user_id         text        NOT NULL REFERENCES users (id),
    organisation_id text        NOT NULL REFERENCES organisations (id),
    expires_at      timestamptz NOT NULL,
    -- Wrong codes burn the challenge after a few tries, so six digits cannot be brute-forced.
    failed_attempts integer     NOT NULL DEFAULT 0,
    used_at         timestamptz
);

CREATE TABLE api_keys (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL REFERENCES organisations (id),
    name            text        NOT NULL,
    mode            text        NOT NULL CHECK (mode IN ('live', 'test')),
    last_four       text        NOT NULL,
    key_hash        text        NOT NULL UNIQUE,
    scopes          text[]      NOT NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);

CREATE INDEX api_keys_organisation ON api_keys (organisation_id, created_at DESC);

-- Token signing keys: the newest signs, older ones stay published in the JWKS until every
-- token they signed has expired. Private keys are encrypted (AES-GCM).
CREATE TABLE signing_keys (
    kid         text        PRIMARY KEY,
    private_key bytea       NOT NULL,
    public_jwk  jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    retire_at   timestamptz NOT NULL
);
