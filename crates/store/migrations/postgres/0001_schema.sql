-- The whole schema for PostgreSQL: the same tables as the SQLite migrations 0001-0004.
-- Settings and user state are JSON documents (text); the columns are what is looked up or ordered by.

CREATE TABLE pools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    settings    TEXT NOT NULL,
    mfa         TEXT NOT NULL DEFAULT '{}',
    version     BIGINT NOT NULL
);

CREATE TABLE clients (
    client_id   TEXT PRIMARY KEY,
    pool_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    settings    TEXT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE users (
    pool_id      TEXT NOT NULL,
    username_key TEXT NOT NULL,
    username     TEXT NOT NULL,
    sub          TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    modified_ms  BIGINT NOT NULL,
    data         TEXT NOT NULL,
    keys         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    PRIMARY KEY (pool_id, username_key)
);

CREATE TABLE user_keys (
    pool_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, key)
);
CREATE INDEX user_keys_by_user ON user_keys (pool_id, username_key);

CREATE TABLE groups (
    pool_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    settings    TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
    pool_id      TEXT NOT NULL,
    group_name   TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key)
);
CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);

CREATE TABLE outbox (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    pool_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX outbox_by_user ON outbox (pool_id, username, created_ms);
CREATE INDEX outbox_by_pool ON outbox (pool_id, created_ms);

CREATE TABLE signing_keys (
    pool_id     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    kid         TEXT NOT NULL,
    private_der BYTEA NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, purpose)
);

CREATE TABLE auth_sessions (
    id_hash      TEXT PRIMARY KEY,
    pool_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    username_key TEXT NOT NULL,
    challenge    TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0,
    used         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ms);

CREATE TABLE codes (
    pool_id      TEXT NOT NULL,
    username_key TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (pool_id, username_key, purpose)
);

CREATE TABLE refresh_tokens (
    id_hash      TEXT PRIMARY KEY,
    pool_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    username_key TEXT NOT NULL,
    origin_jti   TEXT NOT NULL,
    auth_time    BIGINT NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    revoked      BIGINT NOT NULL DEFAULT 0,
    replaced_ms  BIGINT
);
CREATE INDEX refresh_by_family ON refresh_tokens (pool_id, origin_jti);
CREATE INDEX refresh_by_user ON refresh_tokens (pool_id, username_key);
