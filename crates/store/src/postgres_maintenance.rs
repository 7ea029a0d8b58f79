//! PostgreSQL implementation of the janitor's purge. Each delete is a statement of its own: several
//! nodes may sweep at once, and deleting the same expired rows twice is harmless.

use async_trait::async_trait;
use cognate_core::store::{MaintenanceStore, Purged, StoreResult};

use crate::postgres::{PgStore, backend};
use crate::sql::maintenance as q;

impl PgStore {
    async fn purge(&self, sql: &'static str, before_ms: i64, limit: u32) -> StoreResult<u64> {
        let done = sqlx::query(sql).bind(before_ms).bind(i64::from(limit)).execute(&self.write).await.map_err(backend)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl MaintenanceStore for PgStore {
    async fn purge_expired(&self, expired_before_ms: i64, messages_before_ms: i64, limit: u32) -> StoreResult<Purged> {
        Ok(Purged {
            sessions: self.purge(q::PURGE_SESSIONS, expired_before_ms, limit).await?,
            codes: self.purge(q::PURGE_CODES, expired_before_ms, limit).await?,
            refresh_tokens: self.purge(q::PURGE_REFRESH_TOKENS, expired_before_ms, limit).await?,
            windows: self.purge(q::PURGE_WINDOWS, expired_before_ms, limit).await?,
            messages: self.purge(q::PURGE_MESSAGES, messages_before_ms, limit).await?,
            devices: self.purge(q::PURGE_UNCONFIRMED_DEVICES, expired_before_ms, limit).await?,
        })
    }
}
