//! The janitor's deletes: expired sign-in state and old outbox messages, a bounded batch at a
//! time (`LIMIT $2` in a subquery: both dialects delete by key, SQLite has no `DELETE ... LIMIT` by
//! default), each served by an index on its age column (migrations: SQLite 7, 9 and 10, PostgreSQL
//! 3, 5 and 6).

statements! {
    PURGE_SESSIONS = "DELETE FROM auth_sessions WHERE id_hash IN \
                      (SELECT id_hash FROM auth_sessions WHERE expires_ms < $1 LIMIT $2)";
    PURGE_CODES = "DELETE FROM codes WHERE (pool_id, username_key, purpose) IN \
                   (SELECT pool_id, username_key, purpose FROM codes WHERE expires_ms < $1 LIMIT $2)";
    PURGE_REFRESH_TOKENS = "DELETE FROM refresh_tokens WHERE id_hash IN \
                            (SELECT id_hash FROM refresh_tokens WHERE expires_ms < $1 LIMIT $2)";
    PURGE_WINDOWS = "DELETE FROM attempt_windows WHERE (pool_id, username_key, purpose) IN \
                     (SELECT pool_id, username_key, purpose FROM attempt_windows WHERE started_ms < $1 LIMIT $2)";
    /// Devices issued before `$1` and never confirmed (the partial index `devices_unconfirmed_by_age`).
    PURGE_UNCONFIRMED_DEVICES = "DELETE FROM devices WHERE device_key IN \
                                 (SELECT device_key FROM devices WHERE confirmed = 0 AND created_ms < $1 LIMIT $2)";
    PURGE_MESSAGES = "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_ms < $1 LIMIT $2)";
}
