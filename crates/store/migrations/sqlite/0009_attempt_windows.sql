-- Attempts at one-time codes per user and purpose, counted in fixed windows: codes sent and codes
-- compared share one budget, so that asking again for a code does not buy fresh guesses without end.
CREATE TABLE attempt_windows (
    pool_id      TEXT NOT NULL,
    username_key TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    started_ms   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    PRIMARY KEY (pool_id, username_key, purpose)
) WITHOUT ROWID;
-- The janitor deletes windows long over by their start.
CREATE INDEX attempt_windows_by_age ON attempt_windows (started_ms);
