//! PostgreSQL going away mid-run: requests in that window fail with InternalErrorException within
//! the timeout (none hangs), service resumes by itself, and nothing acknowledged is lost. The
//! database is cut off with a TCP relay the test controls, so other users of the server are not
//! disturbed. Needs `COGNATE_TEST_POSTGRES_URL` (scripts/test.sh sets it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::common;
use crate::common::postgres::ScratchDatabase;
use cognate::config::Config;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// A loopback relay to PostgreSQL that can be switched off (dropping every open connection).
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, conns2, target) = (up.clone(), conns.clone(), target.to_string());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: connection refused in effect
                }
                let target = target.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns2.lock().await.push(h);
            }
        });
        Relay { port, up, conns }
    }

    async fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for h in self.conns.lock().await.drain(..) {
            h.abort();
        }
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_fails_fast_and_recovers() {
    let Some(database) = ScratchDatabase::create("fault").await else {
        eprintln!("COGNATE_TEST_POSTGRES_URL not set: PostgreSQL fault test not run (scripts/test.sh sets it)");
        return;
    };
    // postgres://user[:pw]@127.0.0.1:5432/test -> the same through the relay, to the new database.
    let relay = Relay::start(database.host_port()).await;
    let url = database.url_through(&format!("127.0.0.1:{}", relay.port));

    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config { port: 0, data_dir: dir.path().to_path_buf(), database_url: Some(url), ..Config::default() };
    let running = cognate::start(&config).await.expect("start on PostgreSQL");
    let addr = running.addr;
    let sdk = common::TestServer::client_for(&format!("http://{addr}"));

    let pool_id = sdk
        .create_user_pool()
        .pool_name("fault")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    for i in 0..5 {
        sdk.admin_create_user().user_pool_id(&pool_id).username(format!("before{i}")).send().await.expect("user before");
    }

    relay.down().await;
    let mut failures = 0;
    for i in 0..3 {
        let started = Instant::now();
        let r = sdk.admin_create_user().user_pool_id(&pool_id).username(format!("during{i}")).send().await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(12), "a request hung for {took:?} during the outage");
        if let Err(e) = r {
            let se = e.into_service_error();
            assert_eq!(se.meta().code(), Some("InternalErrorException"), "{se:?}");
            failures += 1;
        }
    }
    assert!(failures > 0, "the outage was noticed");
    let ready = common::raw_get(addr, "/ready").await;
    assert_eq!(ready.status, 503);

    relay.up();
    let mut recovered = false;
    for _ in 0..40 {
        if sdk.list_users().user_pool_id(&pool_id).send().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "service resumes by itself once the database is back");
    for i in 0..5 {
        sdk.admin_create_user().user_pool_id(&pool_id).username(format!("after{i}")).send().await.expect("user after");
    }
    let users = sdk
        .list_users()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect("list")
        .users()
        .iter()
        .filter_map(|u| u.username().map(str::to_string))
        .collect::<Vec<_>>();
    for i in 0..5 {
        assert!(
            users.contains(&format!("before{i}")) && users.contains(&format!("after{i}")),
            "acknowledged users are all there: {users:?}"
        );
    }
    assert_eq!(common::raw_get(addr, "/ready").await.status, 200);
    running.stop().await;
    database.drop().await;
}
