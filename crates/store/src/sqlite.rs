//! The SQLite store: one file under the data directory, WAL journal, one writer thread committing
//! queued writes in groups and a few reader connections (see [`crate::sqlite_engine`]).

use std::path::Path;

use async_trait::async_trait;
use cognate_core::store::*;
use rusqlite::{Connection, Params, Row, params};

use crate::json::{from_bytes, to_text};
use crate::rows::{client_row, group_row, pool_row, user_row};
use crate::sqlite_engine::{Readers, SyncMode, Writer, backend, is_unique_violation, open_writer};
use crate::sqlite_migrate::migrate;

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
    /// Idle reader connections kept open (more are opened while more reads run at once).
    pub readers: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions { synchronous: Synchronous::Normal, readers: 4 }
    }
}

pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
}

impl SqliteStore {
    /// Open (creating if needed) `path` and bring its schema up to date.
    pub async fn open(path: &Path, options: SqliteOptions) -> StoreResult<Self> {
        let path = path.to_path_buf();
        let sync = match options.synchronous {
            Synchronous::Normal => SyncMode::Normal,
            Synchronous::Full => SyncMode::Full,
        };
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        // Opening and migrating is blocking file work; keep it off the async threads.
        tokio::task::spawn_blocking(move || {
            let mut conn = open_writer(&path, sync)?;
            migrate(&mut conn, now_ms)?;
            let keep = (options.readers as usize).max(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
            let readers = Readers::open(&path, sync, keep)?;
            Ok(SqliteStore { writer: Writer::start(conn, &path, sync)?, readers })
        })
        .await
        .map_err(|e| StoreError::Backend(format!("opening the database failed: {e}")))?
    }

    /// Finish queued writes and close every connection; later calls fail with `Busy`.
    pub async fn close(&self) {
        self.writer.close().await;
        self.readers.close();
    }

    /// Run `work` in the writer's group transaction (see [`Writer::write`]).
    pub(crate) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write(work).await
    }

    /// Run `work` on a reader connection, on the calling thread.
    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        self.readers.read(work)
    }
}

/// Execute one cached statement; the number of rows it changed.
pub(crate) fn run(conn: &Connection, sql: &str, params: impl Params) -> StoreResult<usize> {
    conn.prepare_cached(sql).map_err(backend)?.execute(params).map_err(backend)
}

/// The first row of a cached query, decoded by `map`.
pub(crate) fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: impl FnOnce(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let mut rows = stmt.query(params).map_err(backend)?;
    match rows.next().map_err(backend)? {
        Some(row) => map(row).map(Some),
        None => Ok(None),
    }
}

/// Every row of a cached query, decoded by `map`.
pub(crate) fn all<T>(conn: &Connection, sql: &str, params: impl Params, map: impl Fn(&Row<'_>) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let mut rows = stmt.query(params).map_err(backend)?;
    let mut items = Vec::new();
    while let Some(row) = rows.next().map_err(backend)? {
        items.push(map(row)?);
    }
    Ok(items)
}

/// An insert whose unique-key violation means `Conflict(key)`.
fn insert(conn: &Connection, sql: &str, params: impl Params, key: &str) -> StoreResult<()> {
    match conn.prepare_cached(sql).map_err(backend)?.execute(params) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(key.to_string())),
        Err(e) => Err(backend(e)),
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

fn page_size(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1
}

/// After a conditional update changed nothing: `Stale` if the record exists, `NotFound` if not.
fn stale_or_missing(conn: &Connection, exists_sql: &str, params: impl Params) -> StoreError {
    match one(conn, exists_sql, params, |_| Ok(())) {
        Ok(Some(())) => StoreError::Stale,
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

/// The user columns, as a literal so queries stay `&'static str`.
macro_rules! user_columns {
    () => {
        "u.pool_id, u.username_key, u.username, u.sub, u.created_ms, u.modified_ms, u.data, u.keys, u.version"
    };
}

/// Claim `keys` for a user inside the current transaction; the first key already taken is reported.
fn claim_keys(conn: &Connection, pool_id: &str, username_key: &str, keys: &[String]) -> StoreResult<()> {
    for key in keys {
        insert(conn, "INSERT INTO user_keys (pool_id, key, username_key) VALUES (?, ?, ?)", params![pool_id, key, username_key], key)?;
    }
    Ok(())
}

#[async_trait]
impl PoolStore for SqliteStore {
    async fn create_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let (settings, mfa) = (to_text(&p.settings)?, to_text(&p.mfa)?);
        let (id, name, created, modified, version) = (p.id.clone(), p.name.clone(), p.created_ms, p.modified_ms, p.version);
        self.write(move |c| {
            insert(
                c,
                "INSERT INTO pools (id, name, created_ms, modified_ms, settings, mfa, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![id, name, created, modified, settings, mfa, version],
                &id,
            )
        })
        .await
    }

    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>> {
        self.read(|c| one(c, "SELECT * FROM pools WHERE id = ?", [id], |r| pool_row(r)))
    }

    async fn update_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let (settings, mfa) = (to_text(&p.settings)?, to_text(&p.mfa)?);
        let (id, name, modified, version) = (p.id.clone(), p.name.clone(), p.modified_ms, p.version);
        self.write(move |c| {
            let n = run(
                c,
                "UPDATE pools SET name = ?, modified_ms = ?, settings = ?, mfa = ?, version = ? WHERE id = ? AND version = ?",
                params![name, modified, settings, mfa, version, id, version - 1],
            )?;
            if n == 1 { Ok(()) } else { Err(stale_or_missing(c, "SELECT 1 FROM pools WHERE id = ?", [&id])) }
        })
        .await
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>> {
        let items = self.read(|c| {
            all(c, "SELECT * FROM pools WHERE id > ? ORDER BY id LIMIT ?", params![after.unwrap_or(""), page_size(limit)], |r| pool_row(r))
        })?;
        Ok(page(items, limit, |p| p.id.clone()))
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let n = run(c, "DELETE FROM pools WHERE id = ?", [&id])?;
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
                run(c, sql, [&id])?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let n =
            self.read(|c| one(c, "SELECT COUNT(*) FROM users WHERE pool_id = ?", [pool_id], |r| r.get::<_, i64>(0).map_err(backend)))?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(&self, cl: &ClientRecord) -> StoreResult<()> {
        let settings = to_text(&cl.settings)?;
        let (id, pool_id, name, created, modified, version) =
            (cl.client_id.clone(), cl.pool_id.clone(), cl.name.clone(), cl.created_ms, cl.modified_ms, cl.version);
        self.write(move |c| {
            insert(
                c,
                "INSERT INTO clients (client_id, pool_id, name, created_ms, modified_ms, settings, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![id, pool_id, name, created, modified, settings, version],
                &id,
            )
        })
        .await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        self.read(|c| one(c, "SELECT * FROM clients WHERE client_id = ?", [client_id], |r| client_row(r)))
    }

    async fn update_client(&self, cl: &ClientRecord) -> StoreResult<()> {
        let settings = to_text(&cl.settings)?;
        let (id, name, modified, version) = (cl.client_id.clone(), cl.name.clone(), cl.modified_ms, cl.version);
        self.write(move |c| {
            let n = run(
                c,
                "UPDATE clients SET name = ?, modified_ms = ?, settings = ?, version = ? WHERE client_id = ? AND version = ?",
                params![name, modified, settings, version, id, version - 1],
            )?;
            if n == 1 { Ok(()) } else { Err(stale_or_missing(c, "SELECT 1 FROM clients WHERE client_id = ?", [&id])) }
        })
        .await
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>> {
        let items = self.read(|c| {
            all(
                c,
                "SELECT * FROM clients WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?",
                params![pool_id, after.unwrap_or(""), page_size(limit)],
                |r| client_row(r),
            )
        })?;
        Ok(page(items, limit, |c| c.client_id.clone()))
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        let id = client_id.to_string();
        self.write(move |c| Ok(run(c, "DELETE FROM clients WHERE client_id = ?", [&id])? > 0)).await
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, u: &UserRecord) -> StoreResult<()> {
        let (data, keys_text) = (to_text(&u.data)?, to_text(&u.keys)?);
        let (pool_id, username_key, username, sub, keys) =
            (u.pool_id.clone(), u.username_key.clone(), u.username.clone(), u.sub.clone(), u.keys.clone());
        let (created, modified, version) = (u.created_ms, u.modified_ms, u.version);
        self.write(move |c| {
            claim_keys(c, &pool_id, &username_key, &keys)?;
            insert(
                c,
                "INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![pool_id, username_key, username, sub, created, modified, data, keys_text, version],
                &UserKey::username(&username_key),
            )
        })
        .await
    }

    async fn find_user(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM user_keys k JOIN users u ON u.pool_id = k.pool_id AND u.username_key = k.username_key WHERE k.pool_id = ? AND k.key = ?"
        );
        self.read(|c| one(c, sql, [pool_id, key], |r| user_row(r)))
    }

    async fn update_user(&self, u: &UserRecord) -> StoreResult<()> {
        let (data, keys_text) = (to_text(&u.data)?, to_text(&u.keys)?);
        let (pool_id, username_key, keys, modified, version) =
            (u.pool_id.clone(), u.username_key.clone(), u.keys.clone(), u.modified_ms, u.version);
        self.write(move |c| {
            // Most updates keep the user's username, sub and aliases: one UPDATE, which matches only
            // when the stored row is the version this update was made from and claims the same keys.
            let unchanged_keys = run(
                c,
                "UPDATE users SET modified_ms = ?, data = ?, version = ? \
                 WHERE pool_id = ? AND username_key = ? AND version = ? AND keys = ?",
                params![modified, data, version, pool_id, username_key, version - 1, keys_text],
            )?;
            if unchanged_keys == 1 {
                return Ok(());
            }
            // The writer's transaction holds the write lock, so the version read here cannot change
            // before the UPDATE.
            let stored_keys = one(
                c,
                "SELECT keys FROM users WHERE pool_id = ? AND username_key = ? AND version = ?",
                params![pool_id, username_key, version - 1],
                |r| r.get::<_, String>(0).map_err(backend),
            )?;
            let Some(stored_keys) = stored_keys else {
                return Err(stale_or_missing(c, "SELECT 1 FROM users WHERE pool_id = ? AND username_key = ?", [&pool_id, &username_key]));
            };
            run(
                c,
                "UPDATE users SET modified_ms = ?, data = ?, keys = ?, version = ? WHERE pool_id = ? AND username_key = ?",
                params![modified, data, keys_text, version, pool_id, username_key],
            )?;
            if stored_keys == keys_text {
                return Ok(());
            }
            run(c, "DELETE FROM user_keys WHERE pool_id = ? AND username_key = ?", [&pool_id, &username_key])?;
            claim_keys(c, &pool_id, &username_key, &keys)
        })
        .await
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
        let (pool_id, username_key) = (pool_id.to_string(), username_key.to_string());
        self.write(move |c| {
            let n = run(c, "DELETE FROM users WHERE pool_id = ? AND username_key = ?", [&pool_id, &username_key])?;
            for sql in [
                "DELETE FROM user_keys WHERE pool_id = ? AND username_key = ?",
                "DELETE FROM group_members WHERE pool_id = ? AND username_key = ?",
                "DELETE FROM codes WHERE pool_id = ? AND username_key = ?",
                "DELETE FROM refresh_tokens WHERE pool_id = ? AND username_key = ?",
            ] {
                run(c, sql, [&pool_id, &username_key])?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let sql =
            concat!("SELECT ", user_columns!(), " FROM users u WHERE u.pool_id = ? AND u.username_key > ? ORDER BY u.username_key LIMIT ?");
        let items = self.read(|c| all(c, sql, params![pool_id, after.unwrap_or(""), page_size(limit)], |r| user_row(r)))?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn create_group(&self, g: &GroupRecord) -> StoreResult<()> {
        let settings = to_text(&g.settings)?;
        let (pool_id, name, created, modified) = (g.pool_id.clone(), g.name.clone(), g.created_ms, g.modified_ms);
        self.write(move |c| {
            insert(
                c,
                "INSERT INTO groups (pool_id, name, created_ms, modified_ms, settings) VALUES (?, ?, ?, ?, ?)",
                params![pool_id, name, created, modified, settings],
                &name,
            )
        })
        .await
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>> {
        self.read(|c| one(c, "SELECT * FROM groups WHERE pool_id = ? AND name = ?", [pool_id, name], |r| group_row(r)))
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let items = self.read(|c| {
            all(
                c,
                "SELECT * FROM groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?",
                params![pool_id, after.unwrap_or(""), page_size(limit)],
                |r| group_row(r),
            )
        })?;
        Ok(page(items, limit, |g| g.name.clone()))
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        let (pool_id, name) = (pool_id.to_string(), name.to_string());
        self.write(move |c| {
            let n = run(c, "DELETE FROM groups WHERE pool_id = ? AND name = ?", [&pool_id, &name])?;
            run(c, "DELETE FROM group_members WHERE pool_id = ? AND group_name = ?", [&pool_id, &name])?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        let args = [pool_id.to_string(), group.to_string(), username_key.to_string()];
        self.write(move |c| {
            run(c, "INSERT OR IGNORE INTO group_members (pool_id, group_name, username_key) VALUES (?, ?, ?)", args).map(drop)
        })
        .await
    }

    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        let args = [pool_id.to_string(), group.to_string(), username_key.to_string()];
        self.write(move |c| run(c, "DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND username_key = ?", args).map(drop))
            .await
    }

    async fn groups_of_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let items = self.read(|c| {
            all(
                c,
                "SELECT g.* FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
                 WHERE m.pool_id = ? AND m.username_key = ? AND m.group_name > ? ORDER BY m.group_name LIMIT ?",
                params![pool_id, username_key, after.unwrap_or(""), page_size(limit)],
                |r| group_row(r),
            )
        })?;
        Ok(page(items, limit, |g| g.name.clone()))
    }

    async fn users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key",
            " WHERE m.pool_id = ? AND m.group_name = ? AND m.username_key > ? ORDER BY m.username_key LIMIT ?"
        );
        let items = self.read(|c| all(c, sql, params![pool_id, group, after.unwrap_or(""), page_size(limit)], |r| user_row(r)))?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn append_message(&self, m: &OutboxMessage) -> StoreResult<()> {
        let message = to_text(m)?;
        let (id, pool_id, username, created) = (m.id.clone(), m.pool_id.clone(), m.username.clone(), m.created_ms);
        self.write(move |c| {
            run(
                c,
                "INSERT INTO outbox (id, pool_id, username, created_ms, message) VALUES (?, ?, ?, ?, ?)",
                params![id, pool_id, username, created, message],
            )
            .map(drop)
        })
        .await
    }

    async fn list_messages(&self, pool_id: &str, username: Option<&str>, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let message = |r: &Row<'_>| match r.get_ref(0).map_err(backend)? {
            rusqlite::types::ValueRef::Text(bytes) => from_bytes(bytes),
            _ => Err(StoreError::Backend("outbox message is not TEXT".into())),
        };
        self.read(|c| match username {
            Some(u) => all(
                c,
                "SELECT message FROM outbox WHERE pool_id = ? AND username = ? ORDER BY created_ms DESC, rowid DESC LIMIT ?",
                params![pool_id, u, limit],
                message,
            ),
            None => all(
                c,
                "SELECT message FROM outbox WHERE pool_id = ? ORDER BY created_ms DESC, rowid DESC LIMIT ?",
                params![pool_id, limit],
                message,
            ),
        })
    }
}
