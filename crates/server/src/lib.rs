//! The `cognate` server: configuration, HTTP, SigV4 and dispatch around `cognate-core`.
//!
//! [`routes`] maps paths to the handlers ([`http`] for the API, [`health`], [`wellknown`],
//! [`outbox`]); the handlers share [`state`], [`cors`] and [`response`] and never import each other.

pub mod auth;
pub mod catch_panic;
pub mod config;
pub mod cors;
pub mod dispatch;
pub mod error;
pub mod health;
pub mod http;
pub mod outbox;
pub mod rate_limit;
pub mod response;
pub mod routes;
pub mod state;
pub mod wellknown;

use std::net::SocketAddr;
use std::sync::Arc;

use cognate_core::delivery::{Channel, Delivery, OutboxSender, Route, Sender};
use cognate_core::store::Store;
use cognate_core::{App, Clock, CoreConfig, SystemClock};
use cognate_delivery::{SmtpSender, SmtpTls, WebhookConfig, WebhookSender};
use cognate_store::{CacheLimits, CachedStore, PgOptions, PgStore, SqliteOptions, SqliteStore, Synchronous};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::auth::AdminAuth;
use crate::config::Config;
use crate::cors::CorsPolicy;
pub use crate::error::StartError;
use crate::rate_limit::RateLimits;
use crate::routes::router;
use crate::state::ServerState;

/// A server started by [`start`]; dropping it does not stop it, call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
    /// Closed once serving has stopped.
    store: Arc<dyn Store>,
    /// The janitor's timer (see [`janitor`]); stopped before the store is closed.
    janitor: tokio::task::JoinHandle<()>,
    /// Held while serving: the SQLite data directory belongs to this server alone.
    _data_lock: Option<std::fs::File>,
}

impl Running {
    /// Stop accepting connections, let requests in flight finish, and wait.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        self.janitor.abort();
        self.store.close().await;
    }

    /// Wait until the server stops by itself (never, unless the listener fails).
    pub async fn wait(self) -> Result<(), std::io::Error> {
        let Running { shutdown, task, store, janitor, _data_lock, .. } = self;
        let result = task.await.unwrap_or(Ok(()));
        janitor.abort();
        store.close().await;
        drop(shutdown);
        result
    }

    /// Run until `signal` completes, then shut down gracefully.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.stop().await;
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The senders the configuration asks for, behind one router; the outbox takes the rest.
pub fn delivery(config: &Config, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Result<Delivery, StartError> {
    // Codes in the log are a development convenience: only in local mode (loopback, no admin keys).
    let outbox: Arc<dyn Sender> = Arc::new(OutboxSender::new(store, clock.clone()).logging_bodies(config.open_admin()));
    let mut delivery = Delivery::new(outbox);
    if let Some(smtp) = &config.smtp {
        let sender = SmtpSender::new(smtp).map_err(StartError::Smtp)?;
        if smtp.tls == SmtpTls::None && smtp.username.is_some() && !is_loopback_host(&smtp.host) {
            tracing::warn!(host = %smtp.host, "SMTP credentials will be sent without TLS");
        }
        delivery = delivery.with_smtp(Arc::new(sender));
    }
    if let Some(hook) = &config.webhook {
        let sender = WebhookSender::new(WebhookConfig::new(&hook.url, &hook.secret), clock).map_err(StartError::Webhook)?;
        let host = hook.url.parse::<axum::http::Uri>().ok().and_then(|u| u.host().map(str::to_string)).unwrap_or_default();
        if hook.url.starts_with("http://") && !is_loopback_host(&host) {
            tracing::warn!(%host, "webhook URL is plain http: codes travel unencrypted");
        }
        delivery = delivery.with_webhook(Arc::new(sender), &hook.channels);
    }
    tracing::info!(email = delivery.route(Channel::Email).as_str(), sms = delivery.route(Channel::Sms).as_str(), "message delivery");
    let to_outbox: Vec<&str> = [(Channel::Email, "email"), (Channel::Sms, "SMS")]
        .into_iter()
        .filter(|(c, _)| delivery.route(*c) == Route::Outbox)
        .map(|(_, name)| name)
        .collect();
    if !to_outbox.is_empty() && !config.bind.is_loopback() && !config.outbox {
        return Err(StartError::OutboxOnNetwork { bind: config.bind, channels: to_outbox.join(" and ") });
    }
    Ok(delivery)
}

/// Take the data directory for this process: the SQLite store is cached in memory (see
/// `cognate_store::cached`), which is only correct while no other process writes the file.
fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, StartError> {
    use std::os::fd::AsRawFd;
    let path = dir.join("cognate.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StartError::OpenLockFile { path: path.clone(), source })?;
    // SAFETY: flock on a file descriptor this function owns; no memory is passed.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(StartError::DataDirInUse { dir: dir.to_path_buf() });
    }
    Ok(file)
}

/// SQLite under the data directory (locked, and cached in front), or PostgreSQL when a database URL
/// is configured (shared with other nodes, so never cached).
async fn open_store(config: &Config) -> Result<(Arc<dyn Store>, String, Option<std::fs::File>), StartError> {
    if let Some(url) = &config.database_url {
        let store = PgStore::connect(url, PgOptions::default()).await.map_err(StartError::Postgres)?;
        return Ok((Arc::new(store), "postgresql".to_string(), None));
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::CreateDataDir { path: config.data_dir.clone(), source })?;
    let lock = lock_data_dir(&config.data_dir)?;
    let db = config.data_dir.join("cognate.db");
    let options =
        SqliteOptions { synchronous: if config.sqlite_full_sync { Synchronous::Full } else { Synchronous::Normal }, ..Default::default() };
    let store = SqliteStore::open(&db, options).await.map_err(|source| StartError::Sqlite { path: db.clone(), source })?;
    Ok((Arc::new(CachedStore::new(store, CacheLimits::default())), db.display().to_string(), Some(lock)))
}

/// Pools whose stored signing keys are opened at start-up (a sample: the key-encryption key is one).
const STARTUP_KEY_CHECK_POOLS: usize = 8;

/// Open the store, bind the listener and start serving.
pub async fn start(config: &Config) -> Result<Running, StartError> {
    start_with_clock(config, Arc::new(SystemClock)).await
}

/// [`start`] with an injected clock, so tests can move time (token expiry, sessions, lockout).
pub async fn start_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Running, StartError> {
    config.check()?;
    let (store, where_, data_lock) = open_store(config).await?;
    let listener = TcpListener::bind((config.bind, config.port)).await.map_err(|source| StartError::Listen {
        bind: config.bind,
        port: config.port,
        source,
    })?;
    let addr = listener.local_addr().map_err(StartError::LocalAddr)?;
    let core = CoreConfig {
        default_region: config.region.clone(),
        public_url: config.public_url.clone().unwrap_or_else(|| format!("http://{addr}")),
        aws_issuer: config.aws_issuer,
        webauthn_origins: config.webauthn_origins.clone(),
        signing_key_kek: config.signing_key_kek.clone(),
        ..Default::default()
    };
    let delivery = delivery(config, store.clone(), clock.clone())?;
    let app = App::new(store.clone(), clock, core, Arc::new(delivery));
    // Refuse to serve what could not be signed: stored keys under another key-encryption key (or
    // none) are a fault to fix, never a reason to mint new ones.
    app.check_stored_keys(STARTUP_KEY_CHECK_POOLS).await.map_err(|_| StartError::SigningKeys)?;
    let auth = AdminAuth::new(&config.admin_keys);
    if auth.is_open() {
        tracing::warn!(
            "no admin keys configured: admin calls with any well-formed SigV4 signature are accepted (local mode, loopback only)"
        );
    }
    let limits = RateLimits::new(config.rate_limits_on(), &config.rate_overrides);
    if !limits.enabled() {
        tracing::info!("request-rate limits are off (--rate-limits true turns them on)");
    }
    let cors = CorsPolicy::new(&config.cors_origins);
    let state = Arc::new(ServerState { app, auth, limits, cors });
    let janitor = tokio::spawn(janitor(state.clone(), config.janitor_every, config.outbox_retention));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%addr, database = %where_, "cognate listening");
    Ok(Running { addr, shutdown: tx, task, store, janitor, _data_lock: data_lock })
}

/// Every `every`, delete what can no longer be used (`cognate_core::janitor`): expired sessions,
/// codes and refresh tokens, and outbox messages older than `outbox_retention`.
async fn janitor(state: Arc<ServerState>, every: std::time::Duration, outbox_retention: std::time::Duration) {
    let retention_ms = i64::try_from(outbox_retention.as_millis()).unwrap_or(i64::MAX);
    let mut timer = tokio::time::interval(every);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        match cognate_core::janitor::sweep(&state.app, retention_ms).await {
            Ok(purged) if purged.total() > 0 => tracing::debug!(?purged, "janitor purged expired state"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "janitor sweep failed; the next one tries again"),
        }
    }
}
