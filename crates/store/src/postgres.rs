//! The PostgreSQL store, for several stateless nodes sharing one database. Every check-and-set is one
//! conditional statement or one transaction, so concurrent requests on different nodes behave as on
//! one (spec of the storage traits in `cognate_core::store`).

use std::time::Duration;

use async_trait::async_trait;
use cognate_core::store::*;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Postgres, Row, Transaction};

use crate::json::{from_text, to_text};
use crate::rows::{client_row, group_row, pool_row, user_row};

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

fn is_unique_violation(e: &sqlx::Error) -> bool {
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
async fn claim_keys(tx: &mut Transaction<'_, Postgres>, pool_id: &str, username_key: &str, keys: &[String]) -> StoreResult<()> {
    for key in keys {
        let res = sqlx::query("INSERT INTO user_keys (pool_id, key, username_key) VALUES ($1, $2, $3)")
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
impl PoolStore for PgStore {
    async fn create_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let res = sqlx::query(
            "INSERT INTO pools (id, name, created_ms, modified_ms, settings, mfa, version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
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
        let row = sqlx::query("SELECT * FROM pools WHERE id = $1").bind(id).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(pool_row).transpose()
    }

    async fn update_pool(&self, p: &PoolRecord) -> StoreResult<()> {
        let res = sqlx::query(
            "UPDATE pools SET name = $1, modified_ms = $2, settings = $3, mfa = $4, version = $5 WHERE id = $6 AND version = $7",
        )
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
        let rows = sqlx::query("SELECT * FROM pools WHERE id > $1 ORDER BY id LIMIT $2")
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
        let res = sqlx::query("DELETE FROM pools WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(backend)?;
        for sql in [
            "DELETE FROM clients WHERE pool_id = $1",
            "DELETE FROM users WHERE pool_id = $1",
            "DELETE FROM user_keys WHERE pool_id = $1",
            "DELETE FROM groups WHERE pool_id = $1",
            "DELETE FROM group_members WHERE pool_id = $1",
            "DELETE FROM outbox WHERE pool_id = $1",
            "DELETE FROM signing_keys WHERE pool_id = $1",
            "DELETE FROM auth_sessions WHERE pool_id = $1",
            "DELETE FROM codes WHERE pool_id = $1",
            "DELETE FROM refresh_tokens WHERE pool_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*)::BIGINT FROM users WHERE pool_id = $1")
            .bind(pool_id)
            .fetch_one(&self.read)
            .await
            .map_err(backend)?;
        Ok(n as u64)
    }
}

#[async_trait]
impl ClientStore for PgStore {
    async fn create_client(&self, c: &ClientRecord) -> StoreResult<()> {
        let res = sqlx::query(
            "INSERT INTO clients (client_id, pool_id, name, created_ms, modified_ms, settings, version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
            sqlx::query("SELECT * FROM clients WHERE client_id = $1").bind(client_id).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(client_row).transpose()
    }

    async fn update_client(&self, c: &ClientRecord) -> StoreResult<()> {
        let res = sqlx::query(
            "UPDATE clients SET name = $1, modified_ms = $2, settings = $3, version = $4 WHERE client_id = $5 AND version = $6",
        )
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
        let rows = sqlx::query("SELECT * FROM clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3")
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
        let res = sqlx::query("DELETE FROM clients WHERE client_id = $1").bind(client_id).execute(&self.write).await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }
}

#[async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, u: &UserRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        claim_keys(&mut tx, &u.pool_id, &u.username_key, &u.keys).await?;
        let res = sqlx::query(
            "INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
            " FROM user_keys k JOIN users u ON u.pool_id = k.pool_id AND u.username_key = k.username_key WHERE k.pool_id = $1 AND k.key = $2"
        );
        let row = sqlx::query(sql).bind(pool_id).bind(key).fetch_optional(&self.read).await.map_err(backend)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn update_user(&self, u: &UserRecord) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(backend)?;
        let res = sqlx::query(
            "UPDATE users SET modified_ms = $1, data = $2, keys = $3, version = $4 WHERE pool_id = $5 AND username_key = $6 AND version = $7",
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
            let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM users WHERE pool_id = $1 AND username_key = $2")
                .bind(&u.pool_id)
                .bind(&u.username_key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            return Err(if exists.is_some() { StoreError::Stale } else { StoreError::NotFound });
        }
        sqlx::query("DELETE FROM user_keys WHERE pool_id = $1 AND username_key = $2")
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
        let res = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND username_key = $2")
            .bind(pool_id)
            .bind(username_key)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        for sql in [
            "DELETE FROM user_keys WHERE pool_id = $1 AND username_key = $2",
            "DELETE FROM group_members WHERE pool_id = $1 AND username_key = $2",
            "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2",
            "DELETE FROM refresh_tokens WHERE pool_id = $1 AND username_key = $2",
        ] {
            sqlx::query(sql).bind(pool_id).bind(username_key).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.pool_id = $1 AND u.username_key > $2 ORDER BY u.username_key LIMIT $3"
        );
        let rows =
            sqlx::query(sql).bind(pool_id).bind(after.unwrap_or("")).bind(limit as i64 + 1).fetch_all(&self.read).await.map_err(backend)?;
        let items = rows.iter().map(user_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, |u| u.username_key.clone()))
    }
}

#[async_trait]
impl GroupStore for PgStore {
    async fn create_group(&self, g: &GroupRecord) -> StoreResult<()> {
        let res = sqlx::query("INSERT INTO groups (pool_id, name, created_ms, modified_ms, settings) VALUES ($1, $2, $3, $4, $5)")
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
        let row = sqlx::query("SELECT * FROM groups WHERE pool_id = $1 AND name = $2")
            .bind(pool_id)
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(backend)?;
        row.as_ref().map(group_row).transpose()
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        let rows = sqlx::query("SELECT * FROM groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3")
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
        let res = sqlx::query("DELETE FROM groups WHERE pool_id = $1 AND name = $2")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO group_members (pool_id, group_name, username_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(pool_id)
            .bind(group)
            .bind(username_key)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3")
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
             WHERE m.pool_id = $1 AND m.username_key = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4",
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
            " WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username_key > $3 ORDER BY m.username_key LIMIT $4"
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
impl OutboxStore for PgStore {
    async fn append_message(&self, m: &OutboxMessage) -> StoreResult<()> {
        sqlx::query("INSERT INTO outbox (id, pool_id, username, created_ms, message) VALUES ($1, $2, $3, $4, $5)")
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
                sqlx::query("SELECT message FROM outbox WHERE pool_id = $1 AND username = $2 ORDER BY created_ms DESC, seq DESC LIMIT $3")
                    .bind(pool_id)
                    .bind(u)
                    .bind(limit as i64)
                    .fetch_all(&self.read)
                    .await
                    .map_err(backend)?
            }
            None => sqlx::query("SELECT message FROM outbox WHERE pool_id = $1 ORDER BY created_ms DESC, seq DESC LIMIT $2")
                .bind(pool_id)
                .bind(limit as i64)
                .fetch_all(&self.read)
                .await
                .map_err(backend)?,
        };
        rows.iter().map(|r| from_text(&r.try_get::<String, _>("message").map_err(backend)?)).collect()
    }
}
