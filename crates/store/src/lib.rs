//! Implementations of Cognate's storage traits: SQLite (default, one node) and PostgreSQL
//! (several nodes). Both run the SQL in `sql`, and both pass the conformance suite (`conformance`,
//! compiled only with the `conformance` feature, which this crate's own tests turn on).

pub mod cached;
#[cfg(feature = "conformance")]
pub mod conformance;
mod device_cursor;
mod json;
pub mod postgres;
mod postgres_auth;
mod postgres_devices;
mod postgres_maintenance;
mod rows;
mod sql;
pub mod sqlite;
mod sqlite_auth;
mod sqlite_devices;
mod sqlite_engine;
mod sqlite_maintenance;
mod sqlite_migrate;

pub use cached::{CacheLimits, CachedStore};
pub use postgres::{PgOptions, PgStore};
pub use sqlite::{SqliteOptions, SqliteStore, Synchronous};
