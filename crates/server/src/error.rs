//! Why the server did not start. `main` logs the message and exits with status 1; the messages are
//! the ones operators have seen so far, so only the type is new.

use std::net::IpAddr;
use std::path::PathBuf;

use cognate_core::delivery::DeliveryError;
use cognate_core::store::StoreError;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the PostgreSQL database: {0}")]
    Postgres(#[source] StoreError),
    #[error("cannot create {}: {source}", path.display())]
    CreateDataDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open {}: {source}", path.display())]
    OpenLockFile { path: PathBuf, source: std::io::Error },
    /// Another process holds the data directory's lock (see `lock_data_dir`).
    #[error("{} is in use by another cognate process (several nodes need a shared PostgreSQL database: --database-url)", dir.display())]
    DataDirInUse { dir: PathBuf },
    #[error("cannot open {}: {source}", path.display())]
    Sqlite { path: PathBuf, source: StoreError },
    #[error("cannot listen on {bind}:{port}: {source}")]
    Listen { bind: IpAddr, port: u16, source: std::io::Error },
    #[error("{0}")]
    LocalAddr(#[source] std::io::Error),
    /// The SMTP settings were refused by the sender (an unparsable From address, ...).
    #[error("{}", .0.0)]
    Smtp(#[source] DeliveryError),
    /// The webhook settings were refused by the sender (not an http(s) URL, ...).
    #[error("{}", .0.0)]
    Webhook(#[source] DeliveryError),
    /// On a non-loopback address, a channel with no SMTP server or webhook would only reach the
    /// development outbox.
    #[error(
        "{channels} would go to the development outbox on {bind}: configure --smtp-host (email) or --webhook-url (with \
         --webhook-channels), or pass --outbox to keep messages in the outbox on purpose"
    )]
    OutboxOnNetwork { bind: IpAddr, channels: String },
    /// The stored signing keys cannot be opened (logged with the cause just before).
    #[error(
        "the stored signing keys cannot be opened: give the key-encryption key they were sealed under \
         (--signing-key-encryption-key-file)"
    )]
    SigningKeys,
}
