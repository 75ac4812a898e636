-- A new key is published in the JWKS a lead time before it signs (Auth:SigningKeyPublishLead), so
-- every gateway's cached copy holds it before the first token it signs arrives. Keys made before
-- this signed from their creation.
ALTER TABLE signing_keys ADD COLUMN signs_from timestamptz;
UPDATE signing_keys SET signs_from = created_at;
ALTER TABLE signing_keys ALTER COLUMN signs_from SET NOT NULL;
