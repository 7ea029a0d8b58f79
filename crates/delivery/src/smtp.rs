//! Email through an SMTP server (lettre's async transport on tokio, TLS by rustls with the system's
//! CA certificates). Email only: the router never sends SMS here.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use cognate_core::delivery::{Channel, DeliveryError, Message, Sender};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text throughout (a local relay or test server only).
    None,
    /// Plain connect, then STARTTLS, required: nothing is sent if the server cannot upgrade.
    StartTls,
    /// TLS from the first byte (SMTPS, "implicit TLS").
    Tls,
}

impl SmtpTls {
    /// The port that goes with the mode when none is configured: 25, 587 or 465.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

impl std::str::FromStr for SmtpTls {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            other => Err(format!("smtp tls must be `none`, `starttls` or `tls`, not `{other}`")),
        }
    }
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Both or neither of username and password; without them no AUTH is attempted.
    pub username: Option<String>,
    pub password: Option<String>,
    /// The From address: `noreply@example.com` or `Example <noreply@example.com>`.
    pub from: String,
    /// Limit for each SMTP command.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// Checks the configuration; connects only when a message is sent.
    pub fn new(config: &SmtpConfig) -> Result<Self, DeliveryError> {
        if config.host.trim().is_empty() {
            return Err(DeliveryError("the SMTP host is empty".into()));
        }
        let from: Mailbox =
            config.from.parse().map_err(|_| DeliveryError(format!("the SMTP From address `{}` is not an email address", config.from)))?;
        let tls_parameters = || TlsParameters::new(config.host.clone()).map_err(|e| DeliveryError(format!("SMTP TLS set-up failed: {e}")));
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host).port(config.port).tls(tls).timeout(Some(config.timeout));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => {
                return Err(DeliveryError("SMTP username and password go together".into()));
            }
        }
        Ok(SmtpSender { transport: builder.build(), from })
    }
}

/// Cognito's email templates may be HTML (`<br>`, `<p>`, links); plain text otherwise.
fn looks_like_html(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    ["<br", "<p>", "<p ", "</", "<html", "<div", "<a "].iter().any(|tag| lower.contains(tag))
}

/// `<uuid@domain-of-from>`: a Message-ID that does not reveal the sending host.
fn message_id(from: &Mailbox) -> String {
    format!("<{}@{}>", uuid::Uuid::new_v4(), from.email.domain())
}

#[async_trait]
impl Sender for SmtpSender {
    async fn send(&self, m: &Message) -> Result<(), DeliveryError> {
        if m.channel != Channel::Email {
            return Err(DeliveryError("SMTP delivers email only".into()));
        }
        let to: Mailbox = m.destination.parse().map_err(|_| DeliveryError("the destination is not an email address".into()))?;
        let content_type = if looks_like_html(&m.body) { ContentType::TEXT_HTML } else { ContentType::TEXT_PLAIN };
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone().unwrap_or_default())
            .message_id(Some(message_id(&self.from)))
            .header(content_type)
            .body(m.body.clone())
            .map_err(|e| DeliveryError(format!("cannot build the email: {e}")))?;
        self.transport.send(email).await.map_err(|e| DeliveryError(format!("SMTP: {e}")))?;
        tracing::debug!(pool = %m.pool_id, purpose = m.purpose, "email handed to the SMTP server");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SmtpConfig {
        SmtpConfig {
            host: "smtp.example.com".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            username: Some("user".into()),
            password: Some("hunter2".into()),
            from: "Example <noreply@example.com>".into(),
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn configuration_checks() {
        assert!(SmtpSender::new(&config()).is_ok());
        assert!(SmtpSender::new(&SmtpConfig { from: "not an address".into(), ..config() }).is_err());
        assert!(SmtpSender::new(&SmtpConfig { password: None, ..config() }).is_err());
        assert!(!format!("{:?}", config()).contains("hunter2"));
        assert_eq!("STARTTLS".parse(), Ok(SmtpTls::StartTls));
        assert!("ssl".parse::<SmtpTls>().is_err());
    }

    #[test]
    fn html_detection() {
        assert!(!looks_like_html("Your verification code is 123456. "));
        assert!(looks_like_html("Hello<br>Your code is {####}"));
        assert!(looks_like_html("<p>Code: 1</p>"));
        assert!(!looks_like_html("1 < 2 and 3 > 2"));
    }
}
