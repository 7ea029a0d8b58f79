//! MEASUREMENT ONLY: grows a pool to a million users without a million argon2id hashes, by
//! copying one seeded user's database row under new usernames and subs while the server is
//! stopped. The copies share the template's password hash and attributes; their SRP verifier is
//! bound to the template's username, so they can sign in with USER_PASSWORD_AUTH only. This exists
//! to measure start-up time, memory and per-request cost with a large table — never a way to
//! create users for real (that is AdminCreateUser/SignUp).

use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::report::BulkFigures;

/// Adds users to `pool_id` by copying `template` until the pool holds `total` users.
pub async fn grow_pool(database: &Path, pool_id: &str, template: &str, total: u64) -> Result<BulkFigures, String> {
    let started = Instant::now();
    let url = format!("sqlite://{}", database.display());
    let options = SqliteConnectOptions::from_str(&url).map_err(|e| e.to_string())?;
    let mut db = SqliteConnection::connect_with(&options).await.map_err(|e| format!("{}: {e}", database.display()))?;
    let existing = count_users(&mut db, pool_id).await?;
    let copies = total.saturating_sub(existing);
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    clone_template_rows(&mut tx, pool_id, template, copies).await.map_err(|e| format!("cloning users: {e}"))?;
    tx.commit().await.map_err(|e| e.to_string())?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut db).await.map_err(|e| e.to_string())?;
    let users_in_pool = count_users(&mut db, pool_id).await?;
    db.close().await.map_err(|e| e.to_string())?;
    let database_bytes = std::fs::metadata(database).map(|m| m.len()).unwrap_or(0);
    Ok(BulkFigures { users_in_pool, clone_seconds: started.elapsed().as_secs_f64(), database_bytes, ..BulkFigures::default() })
}

async fn count_users(db: &mut SqliteConnection, pool_id: &str) -> Result<u64, String> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM users WHERE pool_id = ?").bind(pool_id).fetch_one(db).await.map_err(|e| e.to_string())?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The username of the first copy, for a check through the API after the restart.
pub fn first_copy_username() -> &'static str {
    "bulk-00000001"
}

/// Every schema assumption of the bulk copy, in one place (SQLite migrations 0001–0004 in
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
async fn clone_template_rows(tx: &mut SqliteConnection, pool_id: &str, template: &str, copies: u64) -> Result<(), sqlx::Error> {
    let copies = i64::try_from(copies).unwrap_or(i64::MAX);
    sqlx::query(
        "WITH RECURSIVE seq(i) AS (SELECT 1 WHERE ?1 > 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?1) \
         INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) \
         SELECT u.pool_id, printf('bulk-%08d', i), printf('bulk-%08d', i), printf('00000000-0000-4000-8000-%012d', i), \
                u.created_ms, u.modified_ms, u.data, \
                json_array(printf('u:bulk-%08d', i), printf('s:00000000-0000-4000-8000-%012d', i)), 1 \
         FROM seq JOIN users u ON u.pool_id = ?2 AND u.username_key = ?3",
    )
    .bind(copies)
    .bind(pool_id)
    .bind(template)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO user_keys (pool_id, key, username_key) \
         SELECT pool_id, 'u:' || username_key, username_key FROM users WHERE pool_id = ?1 AND username_key LIKE 'bulk-%' \
         UNION ALL \
         SELECT pool_id, 's:' || sub, username_key FROM users WHERE pool_id = ?1 AND username_key LIKE 'bulk-%'",
    )
    .bind(pool_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
