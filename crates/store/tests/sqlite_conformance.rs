use std::sync::Arc;

use cognate_store::conformance::{self, SqliteSchema};
use cognate_store::{CacheLimits, CachedStore, SqliteOptions, SqliteStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cognate.db");
    let store = SqliteStore::open(&path, SqliteOptions::default()).await.expect("open");
    conformance::run_all(Arc::new(store), &SqliteSchema::new(&path)).await;
}

/// The server runs SQLite behind the pool/user cache: the suite (its races included) must pass
/// through it too, with a cache small enough that eviction happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_behind_the_cache_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cognate.db");
    let store = SqliteStore::open(&path, SqliteOptions::default()).await.expect("open");
    conformance::run_all(Arc::new(CachedStore::new(store, CacheLimits { users: 64, pools: 64, clients: 64 })), &SqliteSchema::new(&path))
        .await;
}

#[tokio::test]
async fn reopening_keeps_data_and_does_not_re_migrate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cognate.db");
    {
        let store = SqliteStore::open(&path, SqliteOptions::default()).await.expect("open");
        conformance::pools(&(Arc::new(store) as Arc<dyn cognate_core::store::Store>)).await;
    }
    let store = SqliteStore::open(&path, SqliteOptions::default()).await.expect("reopen");
    use cognate_core::store::PoolStore;
    assert!(!store.list_pools(None, 10).await.expect("list").items.is_empty());
}
