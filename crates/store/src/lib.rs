//! sqlx implementations of Cognate's storage traits: SQLite (default, one node) and, later,
//! PostgreSQL (several nodes). Both pass the conformance suite in [`conformance`].

pub mod conformance;
mod json;
pub mod sqlite;
mod sqlite_auth;

pub use sqlite::{SqliteOptions, SqliteStore, Synchronous};
