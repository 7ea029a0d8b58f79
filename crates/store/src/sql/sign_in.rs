//! Sign-in state: signing keys, challenge sessions, one-time codes, refresh tokens. Every
//! check-and-set is one statement, so it holds across nodes on PostgreSQL as on the one SQLite writer.

statements! {
    SIGNING_KEYS = "SELECT * FROM signing_keys WHERE pool_id = $1 ORDER BY purpose";
    SIGNING_KEY = "SELECT * FROM signing_keys WHERE pool_id = $1 AND purpose = $2";
    /// The first key stored for a purpose wins; the caller reads back whichever that was.
    ADD_SIGNING_KEY_IF_ABSENT = "INSERT INTO signing_keys (pool_id, purpose, kid, private_der, created_ms) VALUES ($1, $2, $3, $4, $5) \
                                 ON CONFLICT DO NOTHING";

    INSERT_SESSION = "INSERT INTO auth_sessions \
                      (id_hash, pool_id, client_id, username_key, challenge, state, created_ms, expires_ms, failures, used) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    SESSION = "SELECT * FROM auth_sessions WHERE id_hash = $1";
    /// Changes a row only for the first caller: a session answers one challenge.
    CONSUME_SESSION = "UPDATE auth_sessions SET used = 1 WHERE id_hash = $1 AND used = 0";
    /// Counts an answer before it is compared, unless the session is used or at its limit ($2).
    CLAIM_SESSION_ATTEMPT = "UPDATE auth_sessions SET failures = failures + 1 WHERE id_hash = $1 AND used = 0 AND failures < $2 \
                             RETURNING failures";

    /// A new code replaces the user's earlier one for the same purpose, failures included.
    PUT_CODE = "INSERT INTO codes (pool_id, username_key, purpose, code_hash, expires_ms, failures, created_ms) \
                VALUES ($1, $2, $3, $4, $5, $6, $7) \
                ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
                expires_ms = excluded.expires_ms, failures = excluded.failures, created_ms = excluded.created_ms";
    CODE = "SELECT * FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3";
    /// Deletes the code only if it is the one given: of concurrent callers, one wins.
    CONSUME_CODE = "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 AND code_hash = $4";
    /// Counts a comparison before it is made, unless the code is at its limit ($4); returns the code.
    CLAIM_CODE_ATTEMPT = "UPDATE codes SET failures = failures + 1 WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 \
                          AND failures < $4 RETURNING *";

    /// One attempt in the window of (pool, user, purpose): a new row, or a window over (started at
    /// or before $5, now minus its length) started again at $4, or one more in a window below its
    /// limit ($6). A full window changes nothing and returns no row.
    CLAIM_WINDOW_ATTEMPT = "INSERT INTO attempt_windows (pool_id, username_key, purpose, started_ms, attempts) \
                            VALUES ($1, $2, $3, $4, 1) \
                            ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET \
                            started_ms = CASE WHEN attempt_windows.started_ms <= $5 THEN excluded.started_ms \
                                         ELSE attempt_windows.started_ms END, \
                            attempts = CASE WHEN attempt_windows.started_ms <= $5 THEN 1 ELSE attempt_windows.attempts + 1 END \
                            WHERE attempt_windows.started_ms <= $5 OR attempt_windows.attempts < $6 \
                            RETURNING attempts";
    CLEAR_WINDOW = "DELETE FROM attempt_windows WHERE pool_id = $1 AND username_key = $2 AND purpose = $3";

    INSERT_REFRESH = "INSERT INTO refresh_tokens \
                      (id_hash, pool_id, client_id, username_key, origin_jti, auth_time, created_ms, expires_ms, revoked, replaced_ms, \
                      device_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    REFRESH = "SELECT * FROM refresh_tokens WHERE id_hash = $1";
    REVOKE_REFRESH_FAMILY = "UPDATE refresh_tokens SET revoked = 1 WHERE pool_id = $1 AND origin_jti = $2";
    REVOKE_USER_REFRESH = "UPDATE refresh_tokens SET revoked = 1 WHERE pool_id = $1 AND username_key = $2";
    /// The refresh tokens of a deleted app client go with it.
    DELETE_CLIENT_REFRESH = "DELETE FROM refresh_tokens WHERE client_id = $1";
    /// Changes a row only for the first caller: a refresh token is rotated once.
    MARK_REFRESH_REPLACED = "UPDATE refresh_tokens SET replaced_ms = $1 WHERE id_hash = $2 AND replaced_ms IS NULL";

    PING = "SELECT 1";
}
