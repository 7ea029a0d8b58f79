//! Why a configuration cannot be used. `main` prints an error of `Config::load` as
//! `cognate: <message>` and exits with status 2; [`ConfigError::OpenAdmin`] comes from
//! `Config::check` when the server starts, and is logged like any start-up error.

use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file, a secret file or the admin keys file.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Parse { path: PathBuf, source: toml::de::Error },
    /// `name` is the setting's file key, e.g. `smtp_password`.
    #[error("give {name} or {name}_file, not both")]
    SecretTwice { name: &'static str },
    #[error("sqlite_synchronous must be `normal` or `full`, not `{value}`")]
    SqliteSynchronous { value: String },
    #[error("admin keys look like ACCESS_KEY_ID:SECRET_ACCESS_KEY")]
    AdminKey,
    #[error("webauthn_origins: `{value}` is not an origin (scheme://host[:port])")]
    WebauthnOrigin { value: String },
    #[error("cors_origins: `{value}` is not an origin (scheme://host[:port])")]
    CorsOrigin { value: String },
    #[error("SMTP settings are given but no smtp_host")]
    SmtpWithoutHost,
    #[error("smtp_host needs smtp_from (the From address of emails)")]
    SmtpWithoutFrom,
    #[error("smtp_username and smtp_password go together")]
    SmtpHalfCredentials,
    /// An `smtp_tls` other than `none`, `starttls` or `tls`; the parser's message.
    #[error("{0}")]
    SmtpTls(String),
    #[error("webhook settings are given but no webhook_url")]
    WebhookWithoutUrl,
    #[error("webhook_url needs webhook_secret (requests are always signed)")]
    WebhookWithoutSecret,
    /// A `webhook_channels` entry other than `email` or `sms`; the parser's message.
    #[error("{0}")]
    WebhookChannel(String),
    #[error("webhook_channels names no channel (email, sms)")]
    NoWebhookChannel,
    #[error("{}: {why} (make one with `openssl rand -base64 32`)", path.display())]
    KeyEncryptionKey { path: PathBuf, why: String },
    #[error("rate_limit: `{value}` is not CATEGORY=RPS with a category such as UserAuthentication (docs/security.md)")]
    RateLimit { value: String },
    /// Admin calls would be open to anyone who can reach the address.
    #[error(
        "refusing to listen on {bind} without admin keys: set --admin-key ACCESS_KEY_ID:SECRET (or COGNATE_ADMIN_KEYS), \
         or bind to 127.0.0.1"
    )]
    OpenAdmin { bind: IpAddr },
}
