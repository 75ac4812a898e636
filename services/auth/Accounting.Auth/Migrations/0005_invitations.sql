-- Contract §3: invitations to join an organisation. The token is shown once to the inviter and
-- kept only as a SHA-256 hash; it works once, for seven days, for the invited email alone.
CREATE TABLE invitations (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL REFERENCES organisations (id),
    email           text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('owner', 'admin', 'accountant', 'viewer')),
    token_hash      text        NOT NULL UNIQUE,
    invited_by      text        NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz,
    accepted_by     text        REFERENCES users (id),
    -- Inviting the same email again replaces the pending invitation: only the newest token works.
    revoked_at      timestamptz
);

CREATE INDEX invitations_pending ON invitations (organisation_id, lower(email)) WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Removing a member ends their sessions in that organisation.
CREATE INDEX refresh_tokens_membership ON refresh_tokens (user_id, organisation_id) WHERE revoked_at IS NULL;
