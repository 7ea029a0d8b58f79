//! Message delivery: one [`Sender`] interface for verification codes, MFA codes and invitations.
//! Implementations: the development outbox (default, here) and the transports of the
//! `cognate-delivery` crate (SMTP email, an HTTP webhook), which the server plugs in: the domain
//! links no network client. [`Delivery`] routes each message to one of them. Texts come from the
//! pool's templates ([`templates`]).
//!
//! A domain operation fills in a message and sends it through `app.delivery`:
//!
//! ```ignore
//! let content = templates::verification_message(&pool.settings, Channel::Email, &code, &user.username);
//! let message = Message::new(&pool.id, &user.username, Channel::Email, email, content, purpose::SIGN_UP);
//! app.delivery.send(&message).await?;
//! ```

pub mod outbox;
pub mod router;
pub mod templates;

pub use outbox::OutboxSender;
pub use router::{Delivery, Route};
pub use templates::Content;

use async_trait::async_trait;
use cognate_wire::enums::DeliveryMediumType;

/// The channel a message goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => DeliveryMediumType::Email.as_str(),
            Channel::Sms => DeliveryMediumType::Sms.as_str(),
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;

    /// `email` or `sms`, in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            other => Err(format!("unknown channel `{other}` (email or sms)")),
        }
    }
}

/// What a message is for (the `purpose` of a [`Message`]).
pub mod purpose {
    pub const SIGN_UP: &str = "SignUp";
    pub const FORGOT_PASSWORD: &str = "ForgotPassword";
    pub const VERIFY_ATTRIBUTE: &str = "VerifyAttribute";
    pub const INVITATION: &str = "Invitation";
    pub const MFA: &str = "Mfa";
    pub const SIGN_IN: &str = "SignIn";
}

/// A message ready to send: the template already filled in.
#[derive(Debug, Clone)]
pub struct Message {
    pub pool_id: String,
    /// Internal username of the recipient (`UserRecord::username`; the `sub` in pools with
    /// `UsernameAttributes`). The outbox is filtered by it.
    pub username: String,
    pub channel: Channel,
    /// Email address or E.164 phone number.
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    /// `SignUp`, `ForgotPassword`, `VerifyAttribute`, `Invitation`, `Mfa`, `SignIn`.
    pub purpose: &'static str,
}

impl Message {
    pub fn new(pool_id: &str, username: &str, channel: Channel, destination: &str, content: Content, purpose: &'static str) -> Self {
        Message {
            pool_id: pool_id.to_string(),
            username: username.to_string(),
            channel,
            destination: destination.to_string(),
            subject: content.subject,
            body: content.body,
            purpose,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), DeliveryError>;
}
