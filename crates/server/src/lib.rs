//! The `cognate` server: configuration, HTTP, SigV4 and dispatch around `cognate-core`.

pub mod auth;
pub mod config;
pub mod dispatch;
pub mod http;
pub mod wellknown;

use std::net::SocketAddr;
use std::sync::Arc;

use cognate_core::delivery::outbox::OutboxSender;
use cognate_core::store::Store;
use cognate_core::{App, Clock, CoreConfig, SystemClock};
use cognate_store::{SqliteOptions, SqliteStore, Synchronous};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::auth::AdminAuth;
use crate::config::Config;
use crate::http::{ServerState, router};

/// A server started by [`start`]; dropping it does not stop it, call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
}

impl Running {
    /// Stop accepting connections, let requests in flight finish, and wait.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }

    /// Wait until the server stops by itself (never, unless the listener fails).
    pub async fn wait(self) -> Result<(), std::io::Error> {
        let Running { shutdown, task, .. } = self;
        let result = task.await.unwrap_or(Ok(()));
        drop(shutdown);
        result
    }

    /// Run until `signal` completes, then shut down gracefully.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.stop().await;
    }
}

/// Open the store, bind the listener and start serving.
pub async fn start(config: &Config) -> Result<Running, String> {
    start_with_clock(config, Arc::new(SystemClock)).await
}

/// [`start`] with an injected clock, so tests can move time (token expiry, sessions, lockout).
pub async fn start_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Running, String> {
    config.check()?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let db = config.data_dir.join("cognate.db");
    let options =
        SqliteOptions { synchronous: if config.sqlite_full_sync { Synchronous::Full } else { Synchronous::Normal }, ..Default::default() };
    let store = SqliteStore::open(&db, options).await.map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let listener = TcpListener::bind((config.bind, config.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.bind, config.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let store: Arc<dyn Store> = Arc::new(store);
    let core = CoreConfig {
        default_region: config.region.clone(),
        public_url: config.public_url.clone().unwrap_or_else(|| format!("http://{addr}")),
        aws_issuer: config.aws_issuer,
        ..Default::default()
    };
    let delivery = Arc::new(OutboxSender::new(store.clone(), clock.clone()));
    let app = App::new(store, clock, core, delivery);
    let auth = AdminAuth::new(&config.admin_keys);
    if auth.is_open() {
        tracing::warn!(
            "no admin keys configured: admin calls with any well-formed SigV4 signature are accepted (local mode, loopback only)"
        );
    }
    let state = Arc::new(ServerState { app, auth });
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%addr, database = %db.display(), "cognate listening");
    Ok(Running { addr, shutdown: tx, task })
}
