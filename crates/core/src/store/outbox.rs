//! The development outbox: every message Cognate would send, kept so a developer (or a test) can
//! read the code in it. Only used when no real sender is configured for that channel.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: String,
    pub pool_id: String,
    /// Internal username of the recipient.
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub channel: String,
    pub destination: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    /// What the message is for: `SignUp`, `ForgotPassword`, `VerifyAttribute`, `Invitation`, `Mfa`, `SignIn`.
    pub purpose: String,
    pub created_ms: i64,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn append_message(&self, message: &OutboxMessage) -> StoreResult<()>;
    /// Newest first; all users of the pool when `username` is `None`.
    async fn list_messages(&self, pool_id: &str, username: Option<&str>, limit: usize) -> StoreResult<Vec<OutboxMessage>>;
}
