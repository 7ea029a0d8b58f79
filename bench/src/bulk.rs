//! MEASUREMENT ONLY: grows a pool to a million users without a million argon2id hashes, by
//! copying one seeded user's database row under new usernames and subs while the server is
//! stopped. The copies share the template's password hash and attributes; their SRP verifier is
//! bound to the template's username, so they can sign in with USER_PASSWORD_AUTH only. This exists
//! to measure start-up time, memory and per-request cost with a large table — never a way to
//! create users for real (that is AdminCreateUser/SignUp).

use std::path::Path;
use std::time::Instant;

use rusqlite::{Connection, params};

use crate::report::BulkFigures;

/// Copies per transaction: large enough to be fast, small enough to keep the WAL bounded.
const BATCH: u64 = 50_000;

/// Adds users to `pool_id` by copying `template` until the pool holds `total` users.
pub async fn grow_pool(database: &Path, pool_id: &str, template: &str, total: u64) -> Result<BulkFigures, String> {
    let (database, pool_id, template) = (database.to_path_buf(), pool_id.to_string(), template.to_string());
    tokio::task::spawn_blocking(move || grow_pool_blocking(&database, &pool_id, &template, total))
        .await
        .map_err(|e| format!("bulk copy task failed: {e}"))?
}

fn grow_pool_blocking(database: &Path, pool_id: &str, template: &str, total: u64) -> Result<BulkFigures, String> {
    let started = Instant::now();
    let mut db = Connection::open(database).map_err(|e| format!("{}: {e}", database.display()))?;
    let existing = count_users(&db, pool_id)?;
    let copies = total.saturating_sub(existing);
    let mut done = 0;
    while done < copies {
        let n = BATCH.min(copies - done);
        let tx = db.transaction().map_err(|e| e.to_string())?;
        clone_template_rows(&tx, pool_id, template, done + 1, done + n).map_err(|e| format!("cloning users: {e}"))?;
        tx.commit().map_err(|e| e.to_string())?;
        done += n;
    }
    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(|e| e.to_string())?;
    let users_in_pool = count_users(&db, pool_id)?;
    drop(db);
    let database_bytes = std::fs::metadata(database).map(|m| m.len()).unwrap_or(0);
    Ok(BulkFigures { users_in_pool, clone_seconds: started.elapsed().as_secs_f64(), database_bytes, ..BulkFigures::default() })
}

fn count_users(db: &Connection, pool_id: &str) -> Result<u64, String> {
    let n: i64 = db.query_row("SELECT count(*) FROM users WHERE pool_id = ?1", [pool_id], |r| r.get(0)).map_err(|e| e.to_string())?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The username of the first copy, for a check through the API after the restart.
pub fn first_copy_username() -> &'static str {
    "bulk-00000001"
}

/// Every schema assumption of the bulk copy, in one place (SQLite migrations 0001–0005 in
/// crates/store/migrations/sqlite/; adapt here when the store changes):
/// * `users(pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version)`,
///   one row per user; `data` (status, attributes, password hash, MFA) holds nothing unique, so it is
///   copied as is; `keys` is a JSON array of the keys the user claims: `u:<username_key>` and
///   `s:<sub>` (the bench pool has no sign-in aliases).
/// * `user_keys(pool_id, key, username_key)`: one row per claimed key, which makes the user
///   findable by username and by sub.
///
/// Copies are named `bulk-00000001`…, subs `00000000-0000-4000-8000-000000000001`… (UUID-shaped,
/// unique).
fn clone_template_rows(tx: &Connection, pool_id: &str, template: &str, first: u64, last: u64) -> rusqlite::Result<()> {
    let (first, last) = (i64::try_from(first).unwrap_or(i64::MAX), i64::try_from(last).unwrap_or(i64::MAX));
    tx.execute(
        "WITH RECURSIVE seq(i) AS (SELECT ?1 WHERE ?1 <= ?2 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2) \
         INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) \
         SELECT u.pool_id, printf('bulk-%08d', i), printf('bulk-%08d', i), printf('00000000-0000-4000-8000-%012d', i), \
                u.created_ms, u.modified_ms, u.data, \
                json_array(printf('u:bulk-%08d', i), printf('s:00000000-0000-4000-8000-%012d', i)), 1 \
         FROM seq JOIN users u ON u.pool_id = ?3 AND u.username_key = ?4",
        params![first, last, pool_id, template],
    )?;
    tx.execute(
        "WITH RECURSIVE seq(i) AS (SELECT ?1 WHERE ?1 <= ?2 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2) \
         INSERT INTO user_keys (pool_id, key, username_key) \
         SELECT ?3, printf('u:bulk-%08d', i), printf('bulk-%08d', i) FROM seq \
         UNION ALL \
         SELECT ?3, printf('s:00000000-0000-4000-8000-%012d', i), printf('bulk-%08d', i) FROM seq",
        params![first, last, pool_id],
    )?;
    Ok(())
}
