//! [`Settings`]: every setting declared once. A field is at the same time a command-line flag and
//! its environment variable (clap: `data_dir` is `--data-dir` and `COGNATE_DATA_DIR`) and a key of
//! `cognate.toml` (serde: `data_dir`). The list of known variables is read back from clap, and the
//! README's table is checked against the declaration (`readme_table.rs`).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};
use serde::Deserialize;

use super::error::ConfigError;

/// Declares [`Settings`] and `or_each`, which takes every setting from one layer when it gives it and
/// from the layer below otherwise: the merge cannot forget a setting added to the struct.
macro_rules! settings {
    ($(#[$attr:meta])* pub struct Settings { $($(#[$field_attr:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        pub struct Settings {
            $($(#[$field_attr])* pub $field: $ty,)*
        }

        impl Settings {
            fn or_each(self, lower: Settings) -> Settings {
                Settings { $($field: self.$field.or(lower.$field),)* }
            }
        }
    };
}

settings! {
    /// One layer of settings: the command line with its environment variables (clap gives a flag
    /// precedence over its variable), or the configuration file. Every field is `None` when the
    /// layer does not give it.
    #[derive(Debug, Default, Parser, Deserialize)]
    #[command(name = "cognate", version, about, long_about = None, after_help = AFTER_HELP)]
    #[serde(deny_unknown_fields)]
    pub struct Settings {
        /// Configuration file (TOML). Default: ./cognate.toml if it exists.
        #[arg(long, env = "COGNATE_CONFIG")]
        #[serde(skip)]
        pub config: Option<PathBuf>,
        /// Address to listen on. Listening on a non-loopback address requires admin keys.
        #[arg(long, env = "COGNATE_BIND")]
        pub bind: Option<IpAddr>,
        /// Port to listen on (0 picks a free port and logs it). Default 9229.
        #[arg(long, env = "COGNATE_PORT")]
        pub port: Option<u16>,
        /// Directory for the SQLite database. Default ./data.
        #[arg(long, env = "COGNATE_DATA_DIR")]
        pub data_dir: Option<PathBuf>,
        /// PostgreSQL instead of SQLite, for several nodes sharing one database:
        /// `postgres://user:password@host:5432/db`. Prefer COGNATE_DATABASE_URL_FILE for the password.
        #[arg(long, env = "COGNATE_DATABASE_URL", hide_env_values = true)]
        pub database_url: Option<String>,
        /// File holding the database URL.
        #[arg(long, env = "COGNATE_DATABASE_URL_FILE")]
        pub database_url_file: Option<PathBuf>,
        /// SQLite commit durability: `normal` (survives a crash of the server process; default) or `full`
        /// (fsync on every commit; survives power loss).
        #[arg(long, env = "COGNATE_SQLITE_SYNCHRONOUS")]
        pub sqlite_synchronous: Option<String>,
        /// Access keys allowed to sign admin calls (SigV4), as ACCESS_KEY_ID:SECRET_ACCESS_KEY, comma
        /// separated or repeated. Without any, on a loopback address, any well-formed signature is accepted.
        #[arg(long = "admin-key", env = "COGNATE_ADMIN_KEYS", value_delimiter = ',')]
        pub admin_keys: Option<Vec<String>>,
        /// File holding admin keys (one ACCESS_KEY_ID:SECRET_ACCESS_KEY per line).
        #[arg(long, env = "COGNATE_ADMIN_KEYS_FILE")]
        // Never a file key: the keys it names are added to those of any layer.
        #[serde(skip)]
        pub admin_keys_file: Option<PathBuf>,
        /// Region used in new pool ids when a request carries no SigV4 scope. Default us-east-1.
        #[arg(long, env = "COGNATE_REGION")]
        pub region: Option<String>,
        /// Log filter (tracing EnvFilter syntax), e.g. `info` or `cognate=debug`. Default info.
        #[arg(long, env = "COGNATE_LOG")]
        pub log: Option<String>,
        /// Public base URL of this server, used in token issuers (`<url>/<poolId>`) and discovery
        /// documents. Default: http://<bind>:<port> as actually bound.
        #[arg(long, env = "COGNATE_PUBLIC_URL")]
        pub public_url: Option<String>,
        /// Issue tokens with the AWS issuer form `https://cognito-idp.<region>.amazonaws.com/<poolId>`,
        /// for applications (and verifiers such as aws-jwt-verify's CognitoJwtVerifier) that require it.
        #[arg(long, env = "COGNATE_AWS_ISSUER")]
        pub aws_issuer: Option<bool>,
        /// SMTP server for email. Without it email goes to the webhook (if it takes email) or the outbox.
        #[arg(long, env = "COGNATE_SMTP_HOST")]
        pub smtp_host: Option<String>,
        /// SMTP port. Default: 587 for starttls, 465 for tls, 25 for none.
        #[arg(long, env = "COGNATE_SMTP_PORT")]
        pub smtp_port: Option<u16>,
        /// SMTP connection security: `starttls` (default; required, not opportunistic), `tls` (implicit
        /// TLS) or `none` (a local relay or test server only).
        #[arg(long, env = "COGNATE_SMTP_TLS")]
        pub smtp_tls: Option<String>,
        /// SMTP user name (AUTH); needs a password.
        #[arg(long, env = "COGNATE_SMTP_USERNAME")]
        pub smtp_username: Option<String>,
        /// SMTP password. Prefer --smtp-password-file.
        #[arg(long, env = "COGNATE_SMTP_PASSWORD", hide_env_values = true)]
        pub smtp_password: Option<String>,
        /// File holding the SMTP password (trailing newline ignored).
        #[arg(long, env = "COGNATE_SMTP_PASSWORD_FILE")]
        pub smtp_password_file: Option<PathBuf>,
        /// From address of emails, e.g. `Example <noreply@example.com>`. Required with --smtp-host.
        #[arg(long, env = "COGNATE_SMTP_FROM")]
        pub smtp_from: Option<String>,
        /// URL that messages are POSTed to as signed JSON (see docs/delivery.md).
        #[arg(long, env = "COGNATE_WEBHOOK_URL")]
        pub webhook_url: Option<String>,
        /// Shared secret signing webhook requests. Prefer --webhook-secret-file.
        #[arg(long, env = "COGNATE_WEBHOOK_SECRET", hide_env_values = true)]
        pub webhook_secret: Option<String>,
        /// File holding the webhook secret (trailing newline ignored).
        #[arg(long, env = "COGNATE_WEBHOOK_SECRET_FILE")]
        pub webhook_secret_file: Option<PathBuf>,
        /// Channels the webhook delivers: `sms`, `email` or both, comma separated. Default sms.
        #[arg(long, env = "COGNATE_WEBHOOK_CHANNELS", value_delimiter = ',')]
        pub webhook_channels: Option<Vec<String>>,
        /// Origins allowed in passkey (WebAuthn) ceremonies, e.g. `https://app.example.com`, comma
        /// separated or repeated. Default: `https://<RelyingPartyId>` and its subdomains, plus
        /// `http://localhost:<any port>` when the RelyingPartyId is `localhost`.
        #[arg(long = "webauthn-origin", env = "COGNATE_WEBAUTHN_ORIGINS", value_delimiter = ',')]
        pub webauthn_origins: Option<Vec<String>>,
        /// Browser origins granted admin operations and the outbox (CORS), e.g. `https://admin.example.com`,
        /// comma separated or repeated. Public operations are open to every origin; admin ones to these only.
        #[arg(long = "cors-origin", env = "COGNATE_CORS_ORIGINS", value_delimiter = ',')]
        pub cors_origins: Option<Vec<String>>,
        /// Keep email and SMS that no SMTP server or webhook takes in the development outbox even
        /// when listening on a non-loopback address. Without it such a server refuses to start: in
        /// production a code must reach the user, not a table. (On loopback the outbox is the default.)
        #[arg(long, env = "COGNATE_OUTBOX")]
        pub outbox: Option<bool>,
        /// Hours a message stays in the development outbox before the janitor deletes it. Default 24.
        #[arg(long, env = "COGNATE_OUTBOX_RETENTION_HOURS")]
        pub outbox_retention_hours: Option<u64>,
        /// Request-rate limits per user pool and per source address, in AWS's categories
        /// (TooManyRequestsException "Rate exceeded"). Default: on, except in local mode (no admin keys).
        #[arg(long, env = "COGNATE_RATE_LIMITS")]
        pub rate_limits: Option<bool>,
        /// A category's rate in requests per second, as CATEGORY=RPS (e.g. UserAuthentication=300),
        /// comma separated or repeated. Categories and defaults: docs/security.md.
        #[arg(long = "rate-limit", env = "COGNATE_RATE_LIMIT", value_delimiter = ',')]
        pub rate_limit: Option<Vec<String>>,
        /// File holding a 256-bit key-encryption key (base64, e.g. from `openssl rand -base64 32`): the
        /// pools' private signing keys are stored encrypted under it. Every node needs the same file.
        #[arg(long, env = "COGNATE_SIGNING_KEY_ENCRYPTION_KEY_FILE")]
        pub signing_key_encryption_key_file: Option<PathBuf>,
    }
}

/// `--help` says where else the options can be given.
const AFTER_HELP: &str = "Layers, later ones winning: defaults, the configuration file, COGNATE_* variables, flags. \
Every option but --config and --admin-keys-file is also a key of the configuration file, named like its \
variable without COGNATE_ and in lower case (data_dir = \"/var/lib/cognate\", admin_keys = [\"ID:SECRET\"]).";

impl Settings {
    /// The file layer: the file `--config` names, else `./cognate.toml` if there is one, else nothing.
    pub fn file_layer(config: Option<&Path>) -> Result<Settings, ConfigError> {
        let default = Path::new("cognate.toml");
        let Some(path) = config.or_else(|| default.exists().then_some(default)) else {
            return Ok(Settings::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_path_buf(), source })
    }

    /// `self` over `lower`, setting by setting. A secret travels as a pair: a layer that gives it
    /// inline or as a file replaces both forms below, so `COGNATE_SMTP_PASSWORD_FILE` overrides a
    /// `smtp_password` in the file instead of clashing with it.
    pub fn over(self, mut lower: Settings) -> Settings {
        if self.database_url.is_some() || self.database_url_file.is_some() {
            (lower.database_url, lower.database_url_file) = (None, None);
        }
        if self.smtp_password.is_some() || self.smtp_password_file.is_some() {
            (lower.smtp_password, lower.smtp_password_file) = (None, None);
        }
        if self.webhook_secret.is_some() || self.webhook_secret_file.is_some() {
            (lower.webhook_secret, lower.webhook_secret_file) = (None, None);
        }
        self.or_each(lower)
    }
}

/// The environment variables the declaration reads, as clap knows them.
pub fn known_env_vars() -> Vec<String> {
    Settings::command().get_arguments().filter_map(|arg| arg.get_env()).map(|name| name.to_string_lossy().into_owned()).collect()
}

/// `COGNATE_*` variables that mean nothing to this version (likely typos); reported at start-up.
pub fn unknown_env_vars() -> Vec<String> {
    let known = known_env_vars();
    std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).filter(|k| k.starts_with("COGNATE_") && !known.contains(k)).collect()
}
