//! Which way of running SQLite point reads from tokio is cheaper: on the calling task (what the store
//! does) or handed to a blocking thread (`spawn_blocking` around the same read), 64 tasks at a time.
//! `cargo run --release -p cognate-store --example read_paths`. Prints figures; asserts nothing.

use std::sync::Arc;
use std::time::Instant;

use cognate_core::store::*;
use cognate_store::{SqliteOptions, SqliteStore};

const USERS: usize = 200;
const TASKS: usize = 64;
const READS_PER_TASK: usize = 2_000;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.db"), SqliteOptions::default()).await.expect("open"));
    let pool = PoolRecord {
        id: "bench".into(),
        name: "bench".into(),
        created_ms: 1,
        modified_ms: 1,
        settings: Default::default(),
        mfa: Default::default(),
        version: 1,
    };
    store.create_pool(&pool).await.expect("pool");
    for i in 0..USERS {
        let name = format!("user{i}");
        let user = UserRecord {
            pool_id: "bench".into(),
            username_key: name.clone(),
            username: name.clone(),
            sub: format!("sub-{i}"),
            created_ms: 1,
            modified_ms: 1,
            data: UserData { status: "CONFIRMED".into(), enabled: true, ..Default::default() },
            keys: vec![UserKey::username(&name), UserKey::sub(&format!("sub-{i}"))],
            version: 1,
        };
        store.create_user(&user).await.expect("user");
    }
    for round in 0..2 {
        for blocking in [false, true] {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for t in 0..TASKS {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..READS_PER_TASK {
                        let key = UserKey::username(&format!("user{}", (t * 7 + i) % USERS));
                        let found = if blocking {
                            let store = store.clone();
                            tokio::task::spawn_blocking(move || tokio::runtime::Handle::current().block_on(store.find_user("bench", &key)))
                                .await
                                .expect("join")
                        } else {
                            store.find_user("bench", &key).await
                        };
                        assert!(found.expect("read").is_some());
                    }
                }));
            }
            for t in tasks {
                t.await.expect("task");
            }
            let reads = (TASKS * READS_PER_TASK) as f64;
            let secs = started.elapsed().as_secs_f64();
            let how = if blocking { "spawn_blocking" } else { "on the task" };
            println!("round {round}: {how:>15}: {:>9.0} reads/s, {:.1} µs per read", reads / secs, secs * 1e6 / reads);
        }
    }
}
