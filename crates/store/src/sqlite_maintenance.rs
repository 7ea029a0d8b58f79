//! SQLite implementation of the janitor's purge: one bounded delete per kind, all in one write (the writer
//! thread commits them with whatever else is queued).

use async_trait::async_trait;
use cognate_core::store::{MaintenanceStore, Purged, StoreResult};

use crate::sql::maintenance as q;
use crate::sqlite::{SqliteStore, run};

#[async_trait]
impl MaintenanceStore for SqliteStore {
    async fn purge_expired(&self, expired_before_ms: i64, messages_before_ms: i64, limit: u32) -> StoreResult<Purged> {
        let limit = i64::from(limit);
        self.write(move |c| {
            Ok(Purged {
                sessions: run(c, q::PURGE_SESSIONS, [expired_before_ms, limit])? as u64,
                codes: run(c, q::PURGE_CODES, [expired_before_ms, limit])? as u64,
                refresh_tokens: run(c, q::PURGE_REFRESH_TOKENS, [expired_before_ms, limit])? as u64,
                windows: run(c, q::PURGE_WINDOWS, [expired_before_ms, limit])? as u64,
                messages: run(c, q::PURGE_MESSAGES, [messages_before_ms, limit])? as u64,
                devices: run(c, q::PURGE_UNCONFIRMED_DEVICES, [expired_before_ms, limit])? as u64,
            })
        })
        .await
    }
}
