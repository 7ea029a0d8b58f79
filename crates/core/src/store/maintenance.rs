//! What the janitor (`crate::janitor`) asks of the store: deleting what can no longer be used, in
//! bounded batches so that one sweep never holds the database for long.

use async_trait::async_trait;

use super::StoreResult;

/// Rows deleted by one [`MaintenanceStore::purge_expired`] call, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub codes: u64,
    pub refresh_tokens: u64,
    /// Attempt windows (one-time code budgets) that started before the cut-off: long over.
    pub windows: u64,
    pub messages: u64,
    /// Devices issued (NewDeviceMetadata) before the cut-off and never confirmed.
    pub devices: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.sessions + self.codes + self.refresh_tokens + self.windows + self.messages + self.devices
    }

    /// Whether some kind filled its batch, so more may be waiting.
    pub fn any_full(&self, limit: u32) -> bool {
        [self.sessions, self.codes, self.refresh_tokens, self.windows, self.messages, self.devices].iter().any(|n| *n >= u64::from(limit))
    }
}

#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Delete at most `limit` rows of each kind: challenge sessions, one-time codes and refresh
    /// tokens that expired before `expired_before_ms`, attempt windows that started before it, devices
    /// issued before it and never confirmed, and outbox messages created before `messages_before_ms`.
    async fn purge_expired(&self, expired_before_ms: i64, messages_before_ms: i64, limit: u32) -> StoreResult<Purged>;
}
