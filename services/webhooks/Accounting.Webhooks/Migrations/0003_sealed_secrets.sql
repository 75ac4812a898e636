-- Signing secrets are kept sealed with the service's data key (AES-256-GCM, see SecretProtector),
-- so a copy of the database cannot be used to forge deliveries. Endpoints created before this
-- migration hold plaintext in secret / previous_secret until the service seals them at start-up
-- (LegacySecretSealing), which then clears those columns.
ALTER TABLE webhook_endpoints
    ADD COLUMN sealed_secret bytea,
    ADD COLUMN sealed_previous_secret bytea,
    ALTER COLUMN secret DROP NOT NULL;
