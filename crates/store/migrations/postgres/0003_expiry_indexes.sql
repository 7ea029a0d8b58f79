-- The janitor deletes expired sign-in state and old outbox messages by age; these indexes let it
-- find them without scanning (auth_sessions has had one from the start).
CREATE INDEX IF NOT EXISTS codes_by_expiry ON codes (expires_ms);
CREATE INDEX IF NOT EXISTS refresh_by_expiry ON refresh_tokens (expires_ms);
CREATE INDEX IF NOT EXISTS outbox_by_age ON outbox (created_ms);
