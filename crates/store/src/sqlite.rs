//! The SQLite store: one file under the data directory, WAL journal, one writer connection (SQLite
//! serialises writers anyway; queueing them in the pool avoids busy-retry storms) and a few readers.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use cognate_core::store::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, Transaction};

use crate::json::{from_text, to_text};
use crate::rows::{client_row, group_row, pool_row, user_row};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Commits survive a crash of the server process (the default): in WAL mode SQLite has handed the
    /// transaction to the operating system before the call returns; a power cut may lose the last ones.
    Normal,
    /// Every commit is fsynced before it is acknowledged; survives power loss, costs a disk flush.
    Full,
}

#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub synchronous: Synchronous,
    pub readers: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions { synchronous: Synchronous::Normal, readers: 4 }
    }
}

pub struct SqliteStore {
    pub(crate) read: SqlitePool,
    pub(crate) write: SqlitePool,
}

pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("5") || db.code().as_deref() == Some("6") => {
            StoreError::Busy(db.message().to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => StoreError::Busy(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl SqliteStore {
    /// Open (creating if needed) `path` and bring its schema up to date.
    pub async fn open(path: &Path, options: SqliteOptions) -> StoreResult<Self> {
        let sync = match options.synchronous {
            Synchronous::Normal => SqliteSynchronous::Normal,
            Synchronous::Full => SqliteSynchronous::Full,
        };
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(false)
            .pragma("cache_size", "-16000");
        Self::connect(connect, options.readers).await
    }

    async fn connect(connect: SqliteConnectOptions, readers: u32) -> StoreResult<Self> {
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect.clone())
            .await
            .map_err(backend)?;
        MIGRATOR.run(&write).await.map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        let read = SqlitePoolOptions::new()
            .max_connections(readers.max(1))
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect.read_only(false))
            .await
            .map_err(backend)?;
        Ok(SqliteStore { read, write })
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Fetch `limit + 1` rows to know whether another page follows.
fn page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(&key)
    } else {
        None
    };
    Page { items, next }
}

/// The user columns, as a literal so queries stay `&'static str` (sqlx refuses dynamic SQL).
macro_rules! user_columns {
    () => {
        "u.pool_id, u.username_key, u.username, u.sub, u.created_ms, u.modified_ms, u.data, u.keys, u.version"
    };
}

/// Claim `keys` for a user inside `tx`; the first key already taken is reported.
async fn claim_keys(tx: &mut Transaction<'_, Sqlite>, pool_id: &str, username_key: &str, keys: &[String]) -> StoreResult<()> {
    for key in keys {
        let res = sqlx::query("INSERT INTO user_keys (pool_id, key, username_key) VALUES (?, ?, ?)")
            .bind(pool_id)
            .bind(key)
            .bind(username_key)
            .execute(&mut **tx)
            .await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict(key.clone())),
            Err(e) => return Err(backend(e)),
        }
    }
    Ok(())
}

#[async_trait]
impl PoolStore for SqliteStore {
    async fn create_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let res = sqlx::query("INSERT INTO pools (id, name, created_ms, modified_ms, settings, mfa, version) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&p.id)
            .bind(&p.name)
            .bind(p.created_ms)
            .bind(p.modified_ms)
            .bind(to_text(&p.settings)?)
            .bind(to_text(&p.mfa)?)
            .bind(p.version)
            .execute(&self.write)
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(p.id.clone())),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>> {
        let row = sqlx::query("SELECT * FROM pools WHERE id = ?").bind(id).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(pool_row).transpose()
    }

    async fn update_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let res =
            sqlx::query("UPDATE pools SET name = ?, modified_ms = ?, settings = ?, mfa = ?, version = ? WHERE id = ? AND version = ?")
                .bind(&p.name)
                .bind(p.modified_ms)
                .bind(to_text(&p.settings)?)
                .bind(to_text(&p.mfa)?)
                .bind(p.version)
                .bind(&p.id)
                .bind(p.version - 1)
                .execute(&self.write)
                .await
                .map_err(backend)?;
        if res.rows_affected() == 1 {
            return Ok(());
        }
        match self.get_pool(&p.id).await? {
            Some(_) => Err(StoreError::Stale),
            None => Err(StoreError::NotFound),
        }
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>> {
        let rows = sqlx::query("SELECT * FROM pools WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after.unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(&self.read)
            .await
            .map_err(backend)?;
        let items = rows.iter().map(pool_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |p| p.id.clone()))
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query("DELETE FROM pools WHERE id = ?").bind(id).execute(&mut *tx).await.map_err(backend)?;
        for sql in [
            "DELETE FROM clients WHERE pool_id = ?",
            "DELETE FROM users WHERE pool_id = ?",
            "DELETE FROM user_keys WHERE pool_id = ?",
            "DELETE FROM groups WHERE pool_id = ?",
            "DELETE FROM group_members WHERE pool_id = ?",
            "DELETE FROM outbox WHERE pool_id = ?",
            "DELETE FROM signing_keys WHERE pool_id = ?",
            "DELETE FROM auth_sessions WHERE pool_id = ?",
            "DELETE FROM codes WHERE pool_id = ?",
            "DELETE FROM refresh_tokens WHERE pool_id = ?",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_one(&self.read)
            .await
            .map_err(backend)?;
        Ok(n as u64)
    }
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(&self, c: &ClientRecord) -> StoreResult<()> {
        let res = sqlx::query(
            "INSERT INTO clients (client_id, pool_id, name, created_ms, modified_ms, settings, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.client_id)
        .bind(&c.pool_id)
        .bind(&c.name)
        .bind(c.created_ms)
        .bind(c.modified_ms)
        .bind(to_text(&c.settings)?)
        .bind(c.version)
        .execute(&self.write)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(c.client_id.clone())),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        let row =
            sqlx::query("SELECT * FROM clients WHERE client_id = ?").bind(client_id).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(client_row).transpose()
    }

    async fn update_client(&self, c: &ClientRecord) -> StoreResult<()> {
        let res =
            sqlx::query("UPDATE clients SET name = ?, modified_ms = ?, settings = ?, version = ? WHERE client_id = ? AND version = ?")
                .bind(&c.name)
                .bind(c.modified_ms)
                .bind(to_text(&c.settings)?)
                .bind(c.version)
                .bind(&c.client_id)
                .bind(c.version - 1)
                .execute(&self.write)
                .await
                .map_err(backend)?;
        if res.rows_affected() == 1 {
            return Ok(());
        }
        match self.get_client(&c.client_id).await? {
            Some(_) => Err(StoreError::Stale),
            None => Err(StoreError::NotFound),
        }
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>> {
        let rows = sqlx::query("SELECT * FROM clients WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?")
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(&self.read)
            .await
            .map_err(backend)?;
        let items = rows.iter().map(client_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |c| c.client_id.clone()))
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        let res = sqlx::query("DELETE FROM clients WHERE client_id = ?").bind(client_id).execute(&self.write).await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, u: &UserRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        claim_keys(&mut tx, &u.pool_id, &u.username_key, &u.keys).await?;
        let res = sqlx::query(
            "INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&u.pool_id)
        .bind(&u.username_key)
        .bind(&u.username)
        .bind(&u.sub)
        .bind(u.created_ms)
        .bind(u.modified_ms)
        .bind(to_text(&u.data)?)
        .bind(to_text(&u.keys)?)
        .bind(u.version)
        .execute(&mut *tx)
        .await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(UserKey::username(&u.username_key)));
            }
            Err(e) => return Err(backend(e)),
        }
        tx.commit().await.map_err(backend)
    }

    async fn find_user(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM user_keys k JOIN users u ON u.pool_id = k.pool_id AND u.username_key = k.username_key WHERE k.pool_id = ? AND k.key = ?"
        );
        let row = sqlx::query(sql).bind(pool_id).bind(key).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn update_user(&self, u: &UserRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query(
            "UPDATE users SET modified_ms = ?, data = ?, keys = ?, version = ? WHERE pool_id = ? AND username_key = ? AND version = ?",
        )
        .bind(u.modified_ms)
        .bind(to_text(&u.data)?)
        .bind(to_text(&u.keys)?)
        .bind(u.version)
        .bind(&u.pool_id)
        .bind(&u.username_key)
        .bind(u.version - 1)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if res.rows_affected() != 1 {
            let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM users WHERE pool_id = ? AND username_key = ?")
                .bind(&u.pool_id)
                .bind(&u.username_key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            return Err(if exists.is_some() { StoreError::Stale } else { StoreError::NotFound });
        }
        sqlx::query("DELETE FROM user_keys WHERE pool_id = ? AND username_key = ?")
            .bind(&u.pool_id)
            .bind(&u.username_key)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        claim_keys(&mut tx, &u.pool_id, &u.username_key, &u.keys).await?;
        tx.commit().await.map_err(backend)
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query("DELETE FROM users WHERE pool_id = ? AND username_key = ?")
            .bind(pool_id)
            .bind(username_key)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        for sql in [
            "DELETE FROM user_keys WHERE pool_id = ? AND username_key = ?",
            "DELETE FROM group_members WHERE pool_id = ? AND username_key = ?",
            "DELETE FROM codes WHERE pool_id = ? AND username_key = ?",
            "DELETE FROM refresh_tokens WHERE pool_id = ? AND username_key = ?",
        ] {
            sqlx::query(sql).bind(pool_id).bind(username_key).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let sql =
            concat!("SELECT ", user_columns!(), " FROM users u WHERE u.pool_id = ? AND u.username_key > ? ORDER BY u.username_key LIMIT ?");
        let rows =
            sqlx::query(sql).bind(pool_id).bind(after.unwrap_or("")).bind(limit as i64 + 1).fetch_all(&self.read).await.map_err(backend)?;
        let items = rows.iter().map(user_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn create_group(&self, g: &GroupRecord) -> StoreResult<()> {
        let res = sqlx::query("INSERT INTO groups (pool_id, name, created_ms, modified_ms, settings) VALUES (?, ?, ?, ?, ?)")
            .bind(&g.pool_id)
            .bind(&g.name)
            .bind(g.created_ms)
            .bind(g.modified_ms)
            .bind(to_text(&g.settings)?)
            .execute(&self.write)
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(g.name.clone())),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>> {
        let row = sqlx::query("SELECT * FROM groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(backend)?;
        row.as_ref().map(group_row).transpose()
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let rows = sqlx::query("SELECT * FROM groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?")
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(&self.read)
            .await
            .map_err(backend)?;
        let items = rows.iter().map(group_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |g| g.name.clone()))
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query("DELETE FROM groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM group_members WHERE pool_id = ? AND group_name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query("INSERT OR IGNORE INTO group_members (pool_id, group_name, username_key) VALUES (?, ?, ?)")
            .bind(pool_id)
            .bind(group)
            .bind(username_key)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND username_key = ?")
            .bind(pool_id)
            .bind(group)
            .bind(username_key)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn groups_of_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let rows = sqlx::query(
            "SELECT g.* FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
             WHERE m.pool_id = ? AND m.username_key = ? AND m.group_name > ? ORDER BY m.group_name LIMIT ?",
        )
        .bind(pool_id)
        .bind(username_key)
        .bind(after.unwrap_or(""))
        .bind(limit as i64 + 1)
        .fetch_all(&self.read)
        .await
        .map_err(backend)?;
        let items = rows.iter().map(group_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |g| g.name.clone()))
    }

    async fn users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key",
            " WHERE m.pool_id = ? AND m.group_name = ? AND m.username_key > ? ORDER BY m.username_key LIMIT ?"
        );
        let rows = sqlx::query(sql)
            .bind(pool_id)
            .bind(group)
            .bind(after.unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(&self.read)
            .await
            .map_err(backend)?;
        let items = rows.iter().map(user_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn append_message(&self, m: &OutboxMessage) -> StoreResult<()> {
        sqlx::query("INSERT INTO outbox (id, pool_id, username, created_ms, message) VALUES (?, ?, ?, ?, ?)")
            .bind(&m.id)
            .bind(&m.pool_id)
            .bind(&m.username)
            .bind(m.created_ms)
            .bind(to_text(m)?)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn list_messages(&self, pool_id: &str, username: Option<&str>, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        let rows = match username {
            Some(u) => {
                sqlx::query("SELECT message FROM outbox WHERE pool_id = ? AND username = ? ORDER BY created_ms DESC, rowid DESC LIMIT ?")
                    .bind(pool_id)
                    .bind(u)
                    .bind(limit as i64)
                    .fetch_all(&self.read)
                    .await
                    .map_err(backend)?
            }
            None => sqlx::query("SELECT message FROM outbox WHERE pool_id = ? ORDER BY created_ms DESC, rowid DESC LIMIT ?")
                .bind(pool_id)
                .bind(limit as i64)
                .fetch_all(&self.read)
                .await
                .map_err(backend)?,
        };
        rows.iter().map(|r| from_text(&r.try_get::<String, _>("message").map_err(backend)?)).collect()
    }
}
