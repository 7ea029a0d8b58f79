//! The PostgreSQL store, for several stateless nodes sharing one database. Every check-and-set is one
//! conditional statement or one transaction, so concurrent requests on different nodes behave as on
//! one (the contract of the storage traits in `cognate_core::store`).

use std::time::Duration;

use async_trait::async_trait;
use cognate_core::store::*;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{ConnectOptions, Executor, Postgres, Row, Transaction};

use crate::json::{from_text, to_text};
use crate::rows::{client_row, group_row, pool_row, user_row};
use crate::sql::{self, directory as q};

/// Migrations take an advisory lock: the first node on an empty database migrates, the others wait.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct PgOptions {
    pub max_connections: u32,
    /// Server-side limit on one statement, so nothing hangs when the database does.
    pub statement_timeout: Duration,
    /// How long a request waits for a connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { max_connections: 16, statement_timeout: Duration::from_secs(5), acquire_timeout: Duration::from_secs(5) }
    }
}

pub struct PgStore {
    pub(crate) read: PgPool,
    pub(crate) write: PgPool,
}

pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    match &e {
        // serialization_failure, deadlock_detected, lock_not_available, query_canceled (statement timeout)
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001") | Some("40P01") | Some("55P03") | Some("57014")) => {
            StoreError::Busy(db.message().to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            StoreError::Busy(e.to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl PgStore {
    /// Connect to `url` (`postgres://...`) and bring the schema up to date.
    pub async fn connect(url: &str, options: PgOptions) -> StoreResult<Self> {
        let timeout_ms = options.statement_timeout.as_millis().to_string();
        let connect: PgConnectOptions = url
            .parse::<PgConnectOptions>()
            .map_err(|e| StoreError::Backend(format!("bad database URL: {e}")))?
            .options([("statement_timeout", timeout_ms.as_str())])
            .disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(backend)?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(PgStore { read: pool.clone(), write: pool })
    }

    pub async fn close(&self) {
        self.write.close().await;
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

/// After a conditional update changed nothing: `Stale` if the record exists (`exists` finds it),
/// `NotFound` if not.
pub(crate) async fn stale_or_missing<'c>(
    exists: Query<'_, Postgres, PgArguments>,
    on: impl Executor<'c, Database = Postgres>,
) -> StoreError {
    match exists.fetch_optional(on).await {
        Ok(Some(_)) => StoreError::Stale,
        Ok(None) => StoreError::NotFound,
        Err(e) => backend(e),
    }
}

/// PostgreSQL only: the outbox keeps its insertion order in a `seq` column; SQLite orders by the
/// table's `rowid`, which PostgreSQL does not have.
const MESSAGES_OF_USER: &str =
    "SELECT message FROM outbox WHERE pool_id = $1 AND username = $2 ORDER BY created_ms DESC, seq DESC LIMIT $3";
const MESSAGES_OF_POOL: &str = "SELECT message FROM outbox WHERE pool_id = $1 ORDER BY created_ms DESC, seq DESC LIMIT $2";

/// Claim `keys` for a user inside `tx`; the first key already taken is reported.
async fn claim_keys(tx: &mut Transaction<'_, Postgres>, pool_id: &str, username_key: &str, keys: &[String]) -> StoreResult<()> {
    for key in keys {
        let res = sqlx::query(q::CLAIM_USER_KEY).bind(pool_id).bind(key).bind(username_key).execute(&mut **tx).await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict(key.clone())),
            Err(e) => return Err(backend(e)),
        }
    }
    Ok(())
}

#[async_trait]
impl PoolStore for PgStore {
    async fn create_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let res = sqlx::query(q::INSERT_POOL)
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
        let row = sqlx::query(q::POOL).bind(id).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(pool_row).transpose()
    }

    async fn update_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let res = sqlx::query(q::UPDATE_POOL)
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
        Err(stale_or_missing(sqlx::query(q::POOL_EXISTS).bind(&p.id), &self.read).await)
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>> {
        let rows =
            sqlx::query(q::POOLS_AFTER).bind(after.unwrap_or("")).bind(limit as i64 + 1).fetch_all(&self.read).await.map_err(backend)?;
        let items = rows.iter().map(pool_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |p| p.id.clone()))
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query(q::DELETE_POOL).bind(id).execute(&mut *tx).await.map_err(backend)?;
        for &(_table, delete) in sql::POOL_CASCADE {
            sqlx::query(delete).bind(id).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(q::COUNT_USERS).bind(pool_id).fetch_one(&self.read).await.map_err(backend)?;
        Ok(n as u64)
    }
}

#[async_trait]
impl ClientStore for PgStore {
    async fn create_client(&self, c: &ClientRecord) -> StoreResult<()> {
        let res = sqlx::query(q::INSERT_CLIENT)
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
        let row = sqlx::query(q::CLIENT).bind(client_id).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(client_row).transpose()
    }

    async fn update_client(&self, c: &ClientRecord) -> StoreResult<()> {
        let res = sqlx::query(q::UPDATE_CLIENT)
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
        Err(stale_or_missing(sqlx::query(q::CLIENT_EXISTS).bind(&c.client_id), &self.read).await)
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>> {
        let rows = sqlx::query(q::CLIENTS_AFTER)
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
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query(q::DELETE_CLIENT).bind(client_id).execute(&mut *tx).await.map_err(backend)?;
        sqlx::query(sql::sign_in::DELETE_CLIENT_REFRESH).bind(client_id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }
}

#[async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, u: &UserRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        claim_keys(&mut tx, &u.pool_id, &u.username_key, &u.keys).await?;
        let res = sqlx::query(q::INSERT_USER)
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
        let row = sqlx::query(q::USER_BY_KEY).bind(pool_id).bind(key).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn update_user(&self, u: &UserRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query(q::UPDATE_USER)
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
            return Err(stale_or_missing(sqlx::query(q::USER_EXISTS).bind(&u.pool_id).bind(&u.username_key), &mut *tx).await);
        }
        sqlx::query(q::RELEASE_USER_KEYS).bind(&u.pool_id).bind(&u.username_key).execute(&mut *tx).await.map_err(backend)?;
        claim_keys(&mut tx, &u.pool_id, &u.username_key, &u.keys).await?;
        tx.commit().await.map_err(backend)
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query(q::DELETE_USER).bind(pool_id).bind(username_key).execute(&mut *tx).await.map_err(backend)?;
        for &(_table, delete) in sql::USER_CASCADE {
            sqlx::query(delete).bind(pool_id).bind(username_key).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let rows = sqlx::query(q::USERS_AFTER)
            .bind(pool_id)
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
impl GroupStore for PgStore {
    async fn create_group(&self, g: &GroupRecord) -> StoreResult<()> {
        let res = sqlx::query(q::INSERT_GROUP)
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
        let row = sqlx::query(q::GROUP).bind(pool_id).bind(name).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(group_row).transpose()
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let rows = sqlx::query(q::GROUPS_AFTER)
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
        let res = sqlx::query(q::DELETE_GROUP).bind(pool_id).bind(name).execute(&mut *tx).await.map_err(backend)?;
        sqlx::query(q::DELETE_GROUP_MEMBERS).bind(pool_id).bind(name).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query(q::ADD_MEMBER).bind(pool_id).bind(group).bind(username_key).execute(&self.write).await.map_err(backend)?;
        Ok(())
    }

    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query(q::REMOVE_MEMBER).bind(pool_id).bind(group).bind(username_key).execute(&self.write).await.map_err(backend)?;
        Ok(())
    }

    async fn groups_of_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let rows = sqlx::query(q::GROUPS_OF_USER)
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
        let rows = sqlx::query(q::USERS_IN_GROUP)
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
impl OutboxStore for PgStore {
    async fn append_message(&self, m: &OutboxMessage) -> StoreResult<()> {
        sqlx::query(q::APPEND_MESSAGE)
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
                sqlx::query(MESSAGES_OF_USER).bind(pool_id).bind(u).bind(limit as i64).fetch_all(&self.read).await.map_err(backend)?
            }
            None => sqlx::query(MESSAGES_OF_POOL).bind(pool_id).bind(limit as i64).fetch_all(&self.read).await.map_err(backend)?,
        };
        rows.iter().map(|r| from_text(&r.try_get::<String, _>("message").map_err(backend)?)).collect()
    }
}
