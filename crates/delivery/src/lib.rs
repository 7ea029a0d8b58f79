//! The transports that take messages out of Cognate: email through an SMTP server ([`smtp`]) and
//! a signed JSON POST to an HTTP webhook ([`webhook`]). Each is a `cognate_core::delivery::Sender`;
//! the domain only ever sees that trait, so `cognate-core` links no network client and the choice of
//! channel stays in its router (`cognate_core::delivery::Delivery`). The server builds these
//! senders from its configuration at start-up.

pub mod smtp;
pub mod webhook;

pub use smtp::{SmtpConfig, SmtpSender, SmtpTls};
pub use webhook::{WebhookConfig, WebhookSender};
