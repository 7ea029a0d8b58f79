-- Pools, app clients, users (with the unique keys they claim), groups and memberships.
-- Settings and user state are JSON documents; the columns are what is looked up or ordered by.

CREATE TABLE pools (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    settings    TEXT NOT NULL,
    version     INTEGER NOT NULL
);

CREATE TABLE clients (
    client_id   TEXT PRIMARY KEY NOT NULL,
    pool_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    settings    TEXT NOT NULL,
    version     INTEGER NOT NULL
);
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE users (
    pool_id      TEXT NOT NULL,
    username_key TEXT NOT NULL,
    username     TEXT NOT NULL,
    sub          TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    modified_ms  INTEGER NOT NULL,
    data         TEXT NOT NULL,
    keys         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, username_key)
) WITHOUT ROWID;

-- Username, sub and sign-in aliases: unique within a pool, claimed in the user's own transaction.
CREATE TABLE user_keys (
    pool_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, key)
) WITHOUT ROWID;
CREATE INDEX user_keys_by_user ON user_keys (pool_id, username_key);

CREATE TABLE groups (
    pool_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    settings    TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
) WITHOUT ROWID;

CREATE TABLE group_members (
    pool_id      TEXT NOT NULL,
    group_name   TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);
