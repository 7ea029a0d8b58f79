//! The conformance suite on PostgreSQL. Needs `COGNATE_TEST_POSTGRES_URL` (a URL of a database the
//! test may create databases from, e.g. postgres://postgres@127.0.0.1:5432/test); scripts/test.sh
//! makes sure one is running and sets it. Without it the test says so and passes.

use std::sync::Arc;

use cognate_store::conformance::{self, PgSchema};
use cognate_store::{PgOptions, PgStore};
use sqlx::Connection;

/// A fresh database for this run, dropped afterwards.
struct TempDb {
    admin_url: String,
    name: String,
}

impl TempDb {
    async fn create(admin_url: &str) -> (TempDb, String) {
        let name = format!("cognate_conformance_{}_{}", std::process::id(), rand_suffix());
        let mut admin = sqlx::PgConnection::connect(admin_url).await.expect("connect to PostgreSQL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.expect("create database");
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin_url.to_string(),
        };
        (TempDb { admin_url: admin_url.to_string(), name }, url)
    }

    async fn drop_now(self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
            let _ =
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))).execute(&mut admin).await;
        }
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos() as u64).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_the_conformance_suite() {
    let Ok(admin_url) = std::env::var("COGNATE_TEST_POSTGRES_URL") else {
        eprintln!("COGNATE_TEST_POSTGRES_URL not set: PostgreSQL conformance not run (scripts/test.sh sets it)");
        return;
    };
    let (db, url) = TempDb::create(&admin_url).await;
    let store = PgStore::connect(&url, PgOptions::default()).await.expect("connect and migrate");
    // A second node on the same empty-then-migrated database: migrating again is a no-op.
    let second = PgStore::connect(&url, PgOptions::default()).await.expect("second node");
    conformance::run_all(Arc::new(store), &PgSchema::connect(&url).await).await;
    conformance::pools(&(Arc::new(second) as Arc<dyn cognate_core::store::Store>)).await;
    db.drop_now().await;
}

/// PostgreSQL migration 2 drops the challenge sessions stored in the old state format: a database
/// migrated to 1 with a session in it has none once a node of this version connects.
#[tokio::test]
async fn migration_2_drops_every_session() {
    let Ok(admin_url) = std::env::var("COGNATE_TEST_POSTGRES_URL") else {
        eprintln!("COGNATE_TEST_POSTGRES_URL not set: PostgreSQL migration test not run (scripts/test.sh sets it)");
        return;
    };
    let (db, url) = TempDb::create(&admin_url).await;
    let first_only = tempfile::tempdir().expect("tempdir");
    let first = "0001_schema.sql";
    std::fs::copy(format!("{}/migrations/postgres/{first}", env!("CARGO_MANIFEST_DIR")), first_only.path().join(first)).expect("copy");
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::migrate::Migrator::new(first_only.path()).await.expect("migration 1").run(&mut conn).await.expect("migrate to 1");
    sqlx::raw_sql(
        "INSERT INTO auth_sessions (id_hash, pool_id, client_id, username_key, challenge, state, created_ms, expires_ms) \
         VALUES ('s', 'p', 'c', 'u', 'SMS_MFA', '{\"code\":\"x\"}', 1, 2)",
    )
    .execute(&mut conn)
    .await
    .expect("session");

    let store = PgStore::connect(&url, PgOptions::default()).await.expect("connect and migrate");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM auth_sessions").fetch_one(&mut conn).await.expect("count");
    assert_eq!(left, 0);
    store.close().await;
    drop(conn);
    db.drop_now().await;
}
