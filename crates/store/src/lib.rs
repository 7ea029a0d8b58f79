//! Implementations of Cognate's storage traits: SQLite (default, one node) and PostgreSQL
//! (several nodes). Both pass the conformance suite in [`conformance`].

pub mod cached;
pub mod conformance;
mod json;
pub mod postgres;
mod postgres_auth;
mod rows;
pub mod sqlite;
mod sqlite_auth;
mod sqlite_engine;
mod sqlite_migrate;

pub use cached::{CacheLimits, CachedStore};
pub use postgres::{PgOptions, PgStore};
pub use sqlite::{SqliteOptions, SqliteStore, Synchronous};
