//! Remembered devices (docs/devices.md): one row per device key, its mutable state a JSON document
//! like a user's. SQLite migration 10 and PostgreSQL migration 6 create the table.

statements! {
    INSERT_DEVICE = "INSERT INTO devices (device_key, pool_id, username_key, created_ms, confirmed, data, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)";
    DEVICE = "SELECT * FROM devices WHERE pool_id = $1 AND device_key = $2";
    /// Tells a stale update (the device exists) from one of a deleted device.
    DEVICE_EXISTS = "SELECT 1 FROM devices WHERE pool_id = $1 AND device_key = $2";
    /// Optimistic: matches only the version the update was made from (`$6`, one less than `$3`).
    UPDATE_DEVICE = "UPDATE devices SET confirmed = $1, data = $2, version = $3 WHERE pool_id = $4 AND device_key = $5 AND version = $6";
    DELETE_DEVICE = "DELETE FROM devices WHERE pool_id = $1 AND device_key = $2";
    /// A user's confirmed devices after the position (`$3` created_ms, `$4` device_key) of the last one
    /// of the previous page, oldest first; a row value comparison, which both dialects evaluate in
    /// order along the `devices_by_user` index.
    DEVICES_AFTER = "SELECT * FROM devices WHERE pool_id = $1 AND username_key = $2 AND confirmed = 1 \
                     AND (created_ms, device_key) > ($3, $4) ORDER BY created_ms, device_key LIMIT $5";
}
