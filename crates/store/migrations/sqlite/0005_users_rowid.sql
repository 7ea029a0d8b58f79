-- Users move to an ordinary (rowid) table. A user row (about 1.3 KB of JSON: attributes, password
-- hash, SRP verifier) is more than a WITHOUT ROWID table keeps in a leaf cell on a 4 KiB page (about
-- 1 KB), so every row spilled into an overflow page of its own: 5 KB per user on disk, and every
-- update rewrote the leaf and the overflow page and passed the page through the free list. A rowid
-- table keeps rows of up to about 4 KB in the leaf; (pool_id, username_key) stays unique through the
-- primary key's index, which an update of the user's data does not touch.
CREATE TABLE users_rowid (
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
);
INSERT INTO users_rowid (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version)
    SELECT pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version FROM users
    ORDER BY pool_id, username_key;
DROP TABLE users;
ALTER TABLE users_rowid RENAME TO users;
