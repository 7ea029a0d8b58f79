//! Message delivery: one [`Sender`] interface for verification codes, MFA codes and invitations.
//! Implementations: the development outbox (default), SMTP email and an HTTP webhook.

pub mod outbox;

use async_trait::async_trait;

/// The channel a message goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Sms => "SMS",
        }
    }
}

/// A message ready to send: the template already filled in.
#[derive(Debug, Clone)]
pub struct Message {
    pub pool_id: String,
    /// Internal username of the recipient.
    pub username: String,
    pub channel: Channel,
    /// Email address or E.164 phone number.
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    /// `SignUp`, `ForgotPassword`, `VerifyAttribute`, `Invitation`, `Mfa`, `SignIn`.
    pub purpose: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), DeliveryError>;
}
