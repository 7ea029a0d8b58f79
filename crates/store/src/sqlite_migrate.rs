//! Schema migrations of the SQLite store: the files in `migrations/sqlite`, applied in order, each
//! recorded in `cognate_migrations`. Databases created before the rusqlite store were migrated by
//! sqlx, which recorded the same versions in `_sqlx_migrations`; those records are adopted so an
//! existing data directory keeps working without re-running (and failing on) its migrations.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use cognate_core::store::{StoreError, StoreResult};

/// (version, description, SQL). The version is the file's number, as sqlx recorded it.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/sqlite/0001_foundation.sql")),
    (2, "outbox", include_str!("../migrations/sqlite/0002_outbox.sql")),
    (3, "auth", include_str!("../migrations/sqlite/0003_auth.sql")),
    (4, "pool mfa", include_str!("../migrations/sqlite/0004_pool_mfa.sql")),
    (5, "users rowid", include_str!("../migrations/sqlite/0005_users_rowid.sql")),
    (6, "invalidate sessions", include_str!("../migrations/sqlite/0006_invalidate_sessions.sql")),
    (7, "expiry indexes", include_str!("../migrations/sqlite/0007_expiry_indexes.sql")),
    (9, "attempt windows", include_str!("../migrations/sqlite/0009_attempt_windows.sql")),
    (10, "devices", include_str!("../migrations/sqlite/0010_devices.sql")),
];

fn failed(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("migration failed: {e}"))
}

/// Bring the schema up to date. One IMMEDIATE transaction: a second process opening the same file
/// at the same moment waits, then finds everything applied.
pub(crate) fn migrate(conn: &mut Connection, now_ms: i64) -> StoreResult<()> {
    apply(conn, now_ms, MIGRATIONS)
}

/// [`migrate`] with the list given: tests start from an older schema this way.
fn apply(conn: &mut Connection, now_ms: i64, migrations: &[(i64, &str, &str)]) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS cognate_migrations (
            version     INTEGER PRIMARY KEY NOT NULL,
            description TEXT NOT NULL,
            applied_ms  INTEGER NOT NULL
        )",
    )
    .map_err(failed)?;
    adopt_sqlx_records(&tx, now_ms)?;
    for (version, description, sql) in migrations {
        let applied: Option<i64> =
            tx.query_row("SELECT version FROM cognate_migrations WHERE version = ?", [version], |r| r.get(0)).optional().map_err(failed)?;
        if applied.is_some() {
            continue;
        }
        // Some rewrite a table (5 takes about 30 s for a million users): say why the start waits.
        tracing::info!(version, description, "applying SQLite schema migration");
        tx.execute_batch(sql).map_err(|e| StoreError::Backend(format!("migration {version} ({description}) failed: {e}")))?;
        tx.execute(
            "INSERT INTO cognate_migrations (version, description, applied_ms) VALUES (?, ?, ?)",
            rusqlite::params![version, description, now_ms],
        )
        .map_err(failed)?;
    }
    let newest: Option<i64> = tx.query_row("SELECT MAX(version) FROM cognate_migrations", [], |r| r.get(0)).map_err(failed)?;
    let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if let Some(newest) = newest.filter(|v| *v > known) {
        return Err(StoreError::Backend(format!(
            "the database has schema version {newest}, newer than this build knows ({known}); use a newer Cognate"
        )));
    }
    tx.commit().map_err(failed)
}

/// Copy the versions sqlx applied into our table. A version sqlx left half-applied (`success = 0`) is
/// refused, as sqlx itself would.
fn adopt_sqlx_records(tx: &rusqlite::Transaction<'_>, now_ms: i64) -> StoreResult<()> {
    let has_sqlx: bool = tx
        .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')", [], |r| r.get(0))
        .map_err(failed)?;
    if !has_sqlx {
        return Ok(());
    }
    let dirty: Option<i64> =
        tx.query_row("SELECT version FROM _sqlx_migrations WHERE success = 0 LIMIT 1", [], |r| r.get(0)).optional().map_err(failed)?;
    if let Some(version) = dirty {
        return Err(StoreError::Backend(format!("migration {version} was left partially applied by an earlier run; restore a backup")));
    }
    tx.execute(
        "INSERT OR IGNORE INTO cognate_migrations (version, description, applied_ms) \
         SELECT version, description, ? FROM _sqlx_migrations WHERE success = 1",
        [now_ms],
    )
    .map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, apply, migrate};
    use rusqlite::Connection;

    fn table_sql(conn: &Connection, table: &str) -> String {
        conn.query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table], |r| r.get(0)).expect("table")
    }

    /// Migration 5 moves users written under the WITHOUT ROWID schema into the rowid table
    /// unchanged, and (pool_id, username_key) stays unique.
    #[test]
    fn users_written_before_migration_5_survive_it() {
        let mut conn = Connection::open_in_memory().expect("open");
        apply(&mut conn, 1, &MIGRATIONS[..4]).expect("migrations 1-4");
        assert!(table_sql(&conn, "users").contains("WITHOUT ROWID"));
        let insert = "INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) \
                      VALUES ('p', ?1, ?1, ?2, 1, 2, ?3, '[]', 7)";
        let data = format!("{{\"password\":\"{}\"}}", "x".repeat(2000));
        conn.execute(insert, rusqlite::params!["alice", "sub-a", data]).expect("alice");
        conn.execute(insert, rusqlite::params!["bob", "sub-b", "{}"]).expect("bob");

        migrate(&mut conn, 2).expect("migration 5");
        assert!(!table_sql(&conn, "users").contains("WITHOUT ROWID"));
        let alice: (String, String, i64, i64) = conn
            .query_row("SELECT sub, data, modified_ms, version FROM users WHERE pool_id = 'p' AND username_key = 'alice'", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .expect("alice after");
        assert_eq!(alice, ("sub-a".to_string(), data, 2, 7));
        let count: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).expect("count");
        assert_eq!(count, 2);
        let again = conn.execute(insert, rusqlite::params!["bob", "sub-c", "{}"]);
        assert!(again.is_err_and(|e| e.to_string().contains("UNIQUE")), "the key stays unique");
    }

    /// Migration 6 drops the challenge sessions stored in the old state format, and nothing else.
    #[test]
    fn migration_6_drops_every_session() {
        let mut conn = Connection::open_in_memory().expect("open");
        apply(&mut conn, 1, &MIGRATIONS[..5]).expect("migrations 1-5");
        for id in ["s1", "s2"] {
            conn.execute(
                "INSERT INTO auth_sessions (id_hash, pool_id, client_id, username_key, challenge, state, created_ms, expires_ms) \
                 VALUES ($1, 'p', 'c', 'u', 'SMS_MFA', '{\"code\":\"x\"}', 1, 2)",
                [id],
            )
            .expect("session");
        }
        conn.execute("INSERT INTO pools (id, name, created_ms, modified_ms, settings, version) VALUES ('p', 'p', 1, 1, '{}', 1)", [])
            .expect("pool");

        migrate(&mut conn, 2).expect("migration 6");
        let count = |table: &str| -> i64 { conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("count") };
        assert_eq!((count("auth_sessions"), count("pools")), (0, 1));
    }

    /// Migration 10 keeps the refresh tokens already issued: they read back with no device.
    #[test]
    fn refresh_tokens_issued_before_migration_10_have_no_device() {
        let mut conn = Connection::open_in_memory().expect("open");
        let before = MIGRATIONS.iter().position(|m| m.0 == 10).expect("migration 10");
        apply(&mut conn, 1, &MIGRATIONS[..before]).expect("migrations before 10");
        conn.execute(
            "INSERT INTO refresh_tokens (id_hash, pool_id, client_id, username_key, origin_jti, auth_time, created_ms, expires_ms) \
             VALUES ('r', 'p', 'c', 'u', 'o', 1, 1, 2)",
            [],
        )
        .expect("refresh token");

        migrate(&mut conn, 2).expect("migration 10");
        let token = conn
            .query_row("SELECT * FROM refresh_tokens WHERE id_hash = 'r'", [], |r| Ok(crate::rows::refresh_row(r)))
            .expect("read")
            .expect("decode");
        assert_eq!((token.origin_jti.as_str(), token.device_key), ("o", None));
    }

    /// A new file in migrations/sqlite must be listed here too, or it would silently never run.
    #[test]
    fn every_migration_file_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let versions: Vec<i64> = files.iter().map(|f| f.split('_').next().and_then(|n| n.parse().ok()).expect("numbered file")).collect();
        assert_eq!(versions, MIGRATIONS.iter().map(|m| m.0).collect::<Vec<_>>());
    }
}
