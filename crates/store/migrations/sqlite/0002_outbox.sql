-- The development outbox (see cognate_core::store::OutboxStore).
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY NOT NULL,
    pool_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX outbox_by_user ON outbox (pool_id, username, created_ms);
CREATE INDEX outbox_by_pool ON outbox (pool_id, created_ms);
