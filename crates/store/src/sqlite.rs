//! The SQLite store: one file under the data directory, WAL journal, one writer thread committing
//! queued writes in groups and a few reader connections (see [`crate::sqlite_engine`]).

use std::path::Path;

use async_trait::async_trait;
use cognate_core::store::*;
use rusqlite::{Connection, Params, Row, params};

use crate::json::{from_bytes, to_text};
use crate::rows::{client_row, group_row, pool_row, user_row};
use crate::sql::{self, directory as q};
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
pub(crate) fn insert(conn: &Connection, sql: &str, params: impl Params, key: &str) -> StoreResult<()> {
    match conn.prepare_cached(sql).map_err(backend)?.execute(params) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(key.to_string())),
        Err(e) => Err(backend(e)),
    }
}

/// Fetch `limit + 1` rows to know whether another page follows.
pub(crate) fn page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(&key)
    } else {
        None
    };
    Page { items, next }
}

pub(crate) fn page_size(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1)
}

/// After a conditional update changed nothing: `Stale` if the record exists, `NotFound` if not.
pub(crate) fn stale_or_missing(conn: &Connection, exists_sql: &str, params: impl Params) -> StoreError {
    match one(conn, exists_sql, params, |_| Ok(())) {
        Ok(Some(())) => StoreError::Stale,
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

/// SQLite only: most updates of a user keep its username, sub and aliases, and then one UPDATE that
/// also matches the stored keys does it all. On PostgreSQL the fall-back below would need the stored
/// row locked (SELECT ... FOR UPDATE) between its read and its write; here the writer thread's
/// transaction already holds the only write lock.
const UPDATE_USER_KEEPING_KEYS: &str = "UPDATE users SET modified_ms = $1, data = $2, version = $3 \
                                        WHERE pool_id = $4 AND username_key = $5 AND version = $6 AND keys = $7";
/// SQLite only, the fall-back of [`UPDATE_USER_KEEPING_KEYS`]: the keys the user claims now.
const STORED_USER_KEYS: &str = "SELECT keys FROM users WHERE pool_id = $1 AND username_key = $2 AND version = $3";
/// SQLite only: the outbox's insertion order is the table's `rowid`; PostgreSQL has no rowid and keeps
/// a `seq` column instead.
const MESSAGES_OF_USER: &str =
    "SELECT message FROM outbox WHERE pool_id = $1 AND username = $2 ORDER BY created_ms DESC, rowid DESC LIMIT $3";
const MESSAGES_OF_POOL: &str = "SELECT message FROM outbox WHERE pool_id = $1 ORDER BY created_ms DESC, rowid DESC LIMIT $2";

/// Claim `keys` for a user inside the current transaction; the first key already taken is reported.
fn claim_keys(conn: &Connection, pool_id: &str, username_key: &str, keys: &[String]) -> StoreResult<()> {
    for key in keys {
        insert(conn, q::CLAIM_USER_KEY, params![pool_id, key, username_key], key)?;
    }
    Ok(())
}

#[async_trait]
impl PoolStore for SqliteStore {
    async fn create_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let (settings, mfa) = (to_text(&p.settings)?, to_text(&p.mfa)?);
        let (id, name, created, modified, version) = (p.id.clone(), p.name.clone(), p.created_ms, p.modified_ms, p.version);
        self.write(move |c| insert(c, q::INSERT_POOL, params![id, name, created, modified, settings, mfa, version], &id)).await
    }

    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>> {
        self.read(|c| one(c, q::POOL, [id], |r| pool_row(r)))
    }

    async fn update_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let (settings, mfa) = (to_text(&p.settings)?, to_text(&p.mfa)?);
        let (id, name, modified, version) = (p.id.clone(), p.name.clone(), p.modified_ms, p.version);
        self.write(move |c| {
            let n = run(c, q::UPDATE_POOL, params![name, modified, settings, mfa, version, id, version - 1])?;
            if n == 1 { Ok(()) } else { Err(stale_or_missing(c, q::POOL_EXISTS, [&id])) }
        })
        .await
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>> {
        let items = self.read(|c| all(c, q::POOLS_AFTER, params![after.unwrap_or(""), page_size(limit)], |r| pool_row(r)))?;
        Ok(page(items, limit, |p| p.id.clone()))
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.write(move |c| {
            let n = run(c, q::DELETE_POOL, [&id])?;
            for &(_table, delete) in sql::POOL_CASCADE {
                run(c, delete, [&id])?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let n = self.read(|c| one(c, q::COUNT_USERS, [pool_id], |r| r.get::<_, i64>(0).map_err(backend)))?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(&self, cl: &ClientRecord) -> StoreResult<()> {
        let settings = to_text(&cl.settings)?;
        let (id, pool_id, name, created, modified, version) =
            (cl.client_id.clone(), cl.pool_id.clone(), cl.name.clone(), cl.created_ms, cl.modified_ms, cl.version);
        self.write(move |c| insert(c, q::INSERT_CLIENT, params![id, pool_id, name, created, modified, settings, version], &id)).await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        self.read(|c| one(c, q::CLIENT, [client_id], |r| client_row(r)))
    }

    async fn update_client(&self, cl: &ClientRecord) -> StoreResult<()> {
        let settings = to_text(&cl.settings)?;
        let (id, name, modified, version) = (cl.client_id.clone(), cl.name.clone(), cl.modified_ms, cl.version);
        self.write(move |c| {
            let n = run(c, q::UPDATE_CLIENT, params![name, modified, settings, version, id, version - 1])?;
            if n == 1 { Ok(()) } else { Err(stale_or_missing(c, q::CLIENT_EXISTS, [&id])) }
        })
        .await
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>> {
        let items = self.read(|c| all(c, q::CLIENTS_AFTER, params![pool_id, after.unwrap_or(""), page_size(limit)], |r| client_row(r)))?;
        Ok(page(items, limit, |c| c.client_id.clone()))
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        let id = client_id.to_string();
        self.write(move |c| {
            let deleted = run(c, q::DELETE_CLIENT, [&id])? > 0;
            run(c, sql::sign_in::DELETE_CLIENT_REFRESH, [&id])?;
            Ok(deleted)
        })
        .await
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
                q::INSERT_USER,
                params![pool_id, username_key, username, sub, created, modified, data, keys_text, version],
                &UserKey::username(&username_key),
            )
        })
        .await
    }

    async fn find_user(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>> {
        self.read(|c| one(c, q::USER_BY_KEY, [pool_id, key], |r| user_row(r)))
    }

    async fn update_user(&self, u: &UserRecord) -> StoreResult<()> {
        let (data, keys_text) = (to_text(&u.data)?, to_text(&u.keys)?);
        let (pool_id, username_key, keys, modified, version) =
            (u.pool_id.clone(), u.username_key.clone(), u.keys.clone(), u.modified_ms, u.version);
        self.write(move |c| {
            // Most updates keep the user's username, sub and aliases: one UPDATE, which matches only
            // when the stored row is the version this update was made from and claims the same keys.
            let unchanged_keys =
                run(c, UPDATE_USER_KEEPING_KEYS, params![modified, data, version, pool_id, username_key, version - 1, keys_text])?;
            if unchanged_keys == 1 {
                return Ok(());
            }
            // The writer's transaction holds the write lock, so the version read here cannot change
            // before the UPDATE.
            let stored_keys =
                one(c, STORED_USER_KEYS, params![pool_id, username_key, version - 1], |r| r.get::<_, String>(0).map_err(backend))?;
            let Some(stored_keys) = stored_keys else {
                return Err(stale_or_missing(c, q::USER_EXISTS, [&pool_id, &username_key]));
            };
            run(c, q::UPDATE_USER, params![modified, data, keys_text, version, pool_id, username_key, version - 1])?;
            if stored_keys == keys_text {
                return Ok(());
            }
            run(c, q::RELEASE_USER_KEYS, [&pool_id, &username_key])?;
            claim_keys(c, &pool_id, &username_key, &keys)
        })
        .await
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
        let (pool_id, username_key) = (pool_id.to_string(), username_key.to_string());
        self.write(move |c| {
            let n = run(c, q::DELETE_USER, [&pool_id, &username_key])?;
            for &(_table, delete) in sql::USER_CASCADE {
                run(c, delete, [&pool_id, &username_key])?;
            }
            Ok(n > 0)
        })
        .await
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let items = self.read(|c| all(c, q::USERS_AFTER, params![pool_id, after.unwrap_or(""), page_size(limit)], |r| user_row(r)))?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn create_group(&self, g: &GroupRecord) -> StoreResult<()> {
        let settings = to_text(&g.settings)?;
        let (pool_id, name, created, modified) = (g.pool_id.clone(), g.name.clone(), g.created_ms, g.modified_ms);
        self.write(move |c| insert(c, q::INSERT_GROUP, params![pool_id, name, created, modified, settings], &name)).await
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>> {
        self.read(|c| one(c, q::GROUP, [pool_id, name], |r| group_row(r)))
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let items = self.read(|c| all(c, q::GROUPS_AFTER, params![pool_id, after.unwrap_or(""), page_size(limit)], |r| group_row(r)))?;
        Ok(page(items, limit, |g| g.name.clone()))
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        let (pool_id, name) = (pool_id.to_string(), name.to_string());
        self.write(move |c| {
            let n = run(c, q::DELETE_GROUP, [&pool_id, &name])?;
            run(c, q::DELETE_GROUP_MEMBERS, [&pool_id, &name])?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        let args = [pool_id.to_string(), group.to_string(), username_key.to_string()];
        self.write(move |c| run(c, q::ADD_MEMBER, args).map(drop)).await
    }

    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        let args = [pool_id.to_string(), group.to_string(), username_key.to_string()];
        self.write(move |c| run(c, q::REMOVE_MEMBER, args).map(drop)).await
    }

    async fn groups_of_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let items = self
            .read(|c| all(c, q::GROUPS_OF_USER, params![pool_id, username_key, after.unwrap_or(""), page_size(limit)], |r| group_row(r)))?;
        Ok(page(items, limit, |g| g.name.clone()))
    }

    async fn users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let items =
            self.read(|c| all(c, q::USERS_IN_GROUP, params![pool_id, group, after.unwrap_or(""), page_size(limit)], |r| user_row(r)))?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn append_message(&self, m: &OutboxMessage) -> StoreResult<()> {
        let message = to_text(m)?;
        let (id, pool_id, username, created) = (m.id.clone(), m.pool_id.clone(), m.username.clone(), m.created_ms);
        self.write(move |c| run(c, q::APPEND_MESSAGE, params![id, pool_id, username, created, message]).map(drop)).await
    }

    async fn list_messages(&self, pool_id: &str, username: Option<&str>, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let message = |r: &Row<'_>| match r.get_ref(0).map_err(backend)? {
            rusqlite::types::ValueRef::Text(bytes) => from_bytes(bytes),
            _ => Err(StoreError::Backend("outbox message is not TEXT".into())),
        };
        self.read(|c| match username {
            Some(u) => all(c, MESSAGES_OF_USER, params![pool_id, u, limit], message),
            None => all(c, MESSAGES_OF_POOL, params![pool_id, limit], message),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::{assert_binds_in_order, sqlite_schema};

    /// The statements only this store runs are bound by index too.
    #[test]
    fn sqlite_only_statements_bind_their_parameters_in_order() {
        let conn = sqlite_schema();
        for (name, sql) in [
            ("UPDATE_USER_KEEPING_KEYS", super::UPDATE_USER_KEEPING_KEYS),
            ("STORED_USER_KEYS", super::STORED_USER_KEYS),
            ("MESSAGES_OF_USER", super::MESSAGES_OF_USER),
            ("MESSAGES_OF_POOL", super::MESSAGES_OF_POOL),
        ] {
            assert_binds_in_order(&conn, name, sql);
        }
    }
}
