//! A data directory created before the rusqlite store (schema migrated by sqlx, which records its
//! migrations in `_sqlx_migrations`) opens without re-running migrations and keeps its data.
//! The fixture is the `.dump` of a database written by the sqlx-based store (commit f9f0dc2): a pool,
//! an app client and a user, written through that store.

use cognate_core::store::{PoolStore, UserKey, UserStore};
use cognate_store::{SqliteOptions, SqliteStore};

const SQLX_DATABASE: &str = include_str!("fixtures/sqlx_created.sql");

#[tokio::test]
async fn a_database_migrated_by_sqlx_opens_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cognate.db");
    rusqlite::Connection::open(&path).and_then(|c| c.execute_batch(SQLX_DATABASE)).expect("load the sqlx-created database");

    for _ in 0..2 {
        let store = SqliteStore::open(&path, SqliteOptions::default()).await.expect("open a sqlx-migrated database");
        let pools = store.list_pools(None, 10).await.expect("list").items;
        assert_eq!(pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["legacy"]);
        let mut user = store.find_user(&pools[0].id, &UserKey::username("alice")).await.expect("find").expect("alice is still there");
        // It takes writes as well: the version moves on from what sqlx's store wrote.
        user.version += 1;
        user.modified_ms += 1;
        store.update_user(&user).await.expect("update");
        store.close().await;
    }

    let conn = rusqlite::Connection::open(&path).expect("open");
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM cognate_migrations ORDER BY version")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("recorded migrations");
    assert_eq!(
        versions,
        [1, 2, 3, 4, 5, 6, 7, 9, 10],
        "sqlx applied 1-4; this store applied 5 (users as a rowid table), 6 (challenge sessions dropped), 7 (expiry indexes), \
         9 (attempt windows) and 10 (devices)"
    );
}
