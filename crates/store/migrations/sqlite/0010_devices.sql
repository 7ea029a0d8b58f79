-- Remembered devices (docs/devices.md): a device key is issued at the end of a sign-in in a pool
-- that tracks devices and confirmed by ConfirmDevice. A rowid table, as users are since migration
-- 5: a confirmed device's document (SRP salt and verifier in hex, a name of up to 1024 characters)
-- can pass what a WITHOUT ROWID table keeps in a leaf cell.
CREATE TABLE devices (
    device_key   TEXT PRIMARY KEY NOT NULL,
    pool_id      TEXT NOT NULL,
    username_key TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    confirmed    INTEGER NOT NULL DEFAULT 0,
    data         TEXT NOT NULL,
    version      INTEGER NOT NULL
);
-- ListDevices pages through a user's devices oldest first; deleting a user or a pool finds its
-- devices by the same index.
CREATE INDEX devices_by_user ON devices (pool_id, username_key, created_ms, device_key);
-- The janitor deletes devices issued a day ago and never confirmed; only those are in this index.
CREATE INDEX devices_unconfirmed_by_age ON devices (created_ms) WHERE confirmed = 0;

-- The device a refresh token's sign-in was on (NULL outside pools that track devices).
ALTER TABLE refresh_tokens ADD COLUMN device_key TEXT;
