//! A PostgreSQL database of its own for each test that needs one, on the server that
//! `COGNATE_TEST_POSTGRES_URL` names (scripts/test.sh sets it).
//!
//! The tests used to be separate processes and named their databases after the process id alone;
//! in one test binary they share that id, so the name also carries a counter: no two tests (nor two
//! runs on one machine) ever share a database.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

/// The environment variable with the URL of a database on the PostgreSQL server the tests may use.
pub const URL_VAR: &str = "COGNATE_TEST_POSTGRES_URL";

/// A freshly created, empty database, dropped by [`ScratchDatabase::drop`].
pub struct ScratchDatabase {
    admin: sqlx::PgConnection,
    /// `postgres://user[:password]@host:port`, the server part of `COGNATE_TEST_POSTGRES_URL`.
    server: String,
    name: String,
}

impl ScratchDatabase {
    /// A new database whose name starts with `cognate_{purpose}_`; `None` when
    /// `COGNATE_TEST_POSTGRES_URL` is not set (the caller says what it skips).
    pub async fn create(purpose: &str) -> Option<ScratchDatabase> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin_url = std::env::var(URL_VAR).ok()?;
        let name = format!("cognate_{purpose}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to COGNATE_TEST_POSTGRES_URL");
        // A leftover from a run that died under the same process id.
        execute(&mut admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.expect("drop old");
        execute(&mut admin, &format!("CREATE DATABASE {name}")).await.expect("create");
        let server = admin_url.rsplit_once('/').map(|(server, _)| server.to_string()).unwrap_or(admin_url);
        Some(ScratchDatabase { admin, server, name })
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }

    /// `host:port` of the PostgreSQL server.
    pub fn host_port(&self) -> &str {
        let after_scheme = self.server.split_once("://").map_or(self.server.as_str(), |(_, rest)| rest);
        after_scheme.rsplit_once('@').map_or(after_scheme, |(_, host_port)| host_port)
    }

    /// The database's URL with `host_port` (a relay in front of the server) in place of the server's.
    pub fn url_through(&self, host_port: &str) -> String {
        let before_host = &self.server[..self.server.len() - self.host_port().len()];
        format!("{before_host}{host_port}/{}", self.name)
    }

    /// Drops the database (and any connection still open to it).
    pub async fn drop(mut self) {
        execute(&mut self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await.ok();
    }
}

async fn execute(admin: &mut sqlx::PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(admin).await.map(drop)
}
