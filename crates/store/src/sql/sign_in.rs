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
    COUNT_SESSION_FAILURE = "UPDATE auth_sessions SET failures = failures + 1 WHERE id_hash = $1 RETURNING failures";

    /// A new code replaces the user's earlier one for the same purpose, failures included.
    PUT_CODE = "INSERT INTO codes (pool_id, username_key, purpose, code_hash, expires_ms, failures, created_ms) \
                VALUES ($1, $2, $3, $4, $5, $6, $7) \
                ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
                expires_ms = excluded.expires_ms, failures = excluded.failures, created_ms = excluded.created_ms";
    CODE = "SELECT * FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3";
    /// Deletes the code only if it is the one given: of concurrent callers, one wins.
    CONSUME_CODE = "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 AND code_hash = $4";
    COUNT_CODE_FAILURE = "UPDATE codes SET failures = failures + 1 WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 \
                          RETURNING failures";

    INSERT_REFRESH = "INSERT INTO refresh_tokens \
                      (id_hash, pool_id, client_id, username_key, origin_jti, auth_time, created_ms, expires_ms, revoked, replaced_ms) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    REFRESH = "SELECT * FROM refresh_tokens WHERE id_hash = $1";
    REVOKE_REFRESH_FAMILY = "UPDATE refresh_tokens SET revoked = 1 WHERE pool_id = $1 AND origin_jti = $2";
    REVOKE_USER_REFRESH = "UPDATE refresh_tokens SET revoked = 1 WHERE pool_id = $1 AND username_key = $2";
    /// Changes a row only for the first caller: a refresh token is rotated once.
    MARK_REFRESH_REPLACED = "UPDATE refresh_tokens SET replaced_ms = $1 WHERE id_hash = $2 AND replaced_ms IS NULL";

    PING = "SELECT 1";
}
