//! The database under a store, seen from beside it rather than through the storage traits: which
//! tables the schema has and what rows they hold. The cascade check discovers the tables here, so a
//! table added by a later migration is checked without anyone remembering to list it.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Executor, SqlSafeStr};

/// One database, read directly. Test code: every failure panics.
#[async_trait]
pub trait Schema: Send + Sync {
    /// Every table, with the names of its columns (the migrations' bookkeeping tables included).
    async fn tables(&self) -> Vec<(String, Vec<String>)>;
    /// How many rows of `table` have `column` equal to `value`.
    async fn count(&self, table: &str, column: &str, value: &str) -> i64;
    /// Whether the database accepts `sql` as a statement (the error if not); runs nothing.
    async fn prepare(&self, sql: &'static str) -> Result<(), String>;
}

/// `"name"`, safe to put in a statement whatever the name holds.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The SQLite database file of a store, read through a connection of its own (WAL readers see every
/// committed write).
pub struct SqliteSchema {
    path: PathBuf,
}

impl SqliteSchema {
    pub fn new(path: &Path) -> Self {
        SqliteSchema { path: path.to_path_buf() }
    }

    fn connect(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open the database beside the store")
    }
}

#[async_trait]
impl Schema for SqliteSchema {
    async fn tables(&self) -> Vec<(String, Vec<String>)> {
        let conn = self.connect();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
            .expect("list tables");
        let names: Vec<String> = stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).expect("table names");
        names
            .into_iter()
            .map(|table| {
                let mut columns = conn.prepare("SELECT name FROM pragma_table_info($1) ORDER BY cid").expect("list columns");
                let columns = columns.query_map([&table], |r| r.get(0)).and_then(|rows| rows.collect()).expect("column names");
                (table, columns)
            })
            .collect()
    }

    async fn count(&self, table: &str, column: &str, value: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {} = $1", quoted(table), quoted(column));
        self.connect().query_row(&sql, [value], |r| r.get(0)).expect("count rows")
    }

    async fn prepare(&self, sql: &'static str) -> Result<(), String> {
        self.connect().prepare(sql).map(drop).map_err(|e| e.to_string())
    }
}

/// The PostgreSQL database of a store, read through a pool of its own.
pub struct PgSchema {
    pool: PgPool,
}

impl PgSchema {
    pub async fn connect(url: &str) -> Self {
        PgSchema { pool: PgPoolOptions::new().max_connections(2).connect(url).await.expect("connect beside the store") }
    }
}

#[async_trait]
impl Schema for PgSchema {
    async fn tables(&self) -> Vec<(String, Vec<String>)> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position",
        )
        .fetch_all(&self.pool)
        .await
        .expect("list tables and columns");
        let mut tables: Vec<(String, Vec<String>)> = Vec::new();
        for (table, column) in rows {
            match tables.last_mut() {
                Some((last, columns)) if *last == table => columns.push(column),
                _ => tables.push((table, vec![column])),
            }
        }
        tables
    }

    async fn count(&self, table: &str, column: &str, value: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {} = $1", quoted(table), quoted(column));
        sqlx::query_scalar(AssertSqlSafe(sql)).bind(value).fetch_one(&self.pool).await.expect("count rows")
    }

    async fn prepare(&self, sql: &'static str) -> Result<(), String> {
        self.pool.prepare(sql.into_sql_str()).await.map(drop).map_err(|e| e.to_string())
    }
}
