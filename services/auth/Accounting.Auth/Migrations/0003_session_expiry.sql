-- Finds the refresh tokens and login challenges past their expiry for SessionRetention.
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
CREATE INDEX login_challenges_expiry ON login_challenges (expires_at);
