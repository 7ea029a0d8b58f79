-- Sign-in state: signing keys, challenge sessions, one-time codes, refresh tokens.

CREATE TABLE signing_keys (
    pool_id     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    kid         TEXT NOT NULL,
    private_der BLOB NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, purpose)
) WITHOUT ROWID;

CREATE TABLE auth_sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    pool_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    username_key TEXT NOT NULL,
    challenge    TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    used         INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ms);

CREATE TABLE codes (
    pool_id      TEXT NOT NULL,
    username_key TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    expires_ms   INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (pool_id, username_key, purpose)
) WITHOUT ROWID;

CREATE TABLE refresh_tokens (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    pool_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    username_key TEXT NOT NULL,
    origin_jti   TEXT NOT NULL,
    auth_time    INTEGER NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0,
    replaced_ms  INTEGER
) WITHOUT ROWID;
CREATE INDEX refresh_by_family ON refresh_tokens (pool_id, origin_jti);
CREATE INDEX refresh_by_user ON refresh_tokens (pool_id, username_key);
