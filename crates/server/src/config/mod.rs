//! Configuration, in layers: defaults, then `cognate.toml` (or the file `--config` names), then
//! `COGNATE_*` environment variables, then command-line flags. `*_FILE` variants read secrets from
//! files. [`Settings`] declares each setting once (flag, variable and file key); [`Config`] is what
//! the layers resolve to, checked and typed.

mod delivery;
mod error;
#[cfg(test)]
mod readme_table;
mod secrets;
mod settings;
#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use base64::Engine;
use cognate_crypto::envelope::Kek;
use cognate_delivery::SmtpConfig;

use crate::rate_limit::Category;

pub use delivery::WebhookSettings;
pub use error::ConfigError;
use secrets::{read_text, secret};
pub use settings::{Settings, unknown_env_vars};

#[derive(Debug, Clone)]
pub struct AdminKey {
    pub access_key_id: String,
    pub secret: String,
}

impl std::str::FromStr for AdminKey {
    type Err = ConfigError;

    /// `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, neither part empty.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        match text.trim().split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(AdminKey { access_key_id: id.to_string(), secret: secret.to_string() })
            }
            _ => Err(ConfigError::AdminKey),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    /// PostgreSQL URL; SQLite under `data_dir` when absent.
    pub database_url: Option<String>,
    pub sqlite_full_sync: bool,
    pub admin_keys: Vec<AdminKey>,
    pub region: String,
    pub log: String,
    pub public_url: Option<String>,
    pub aws_issuer: bool,
    /// Email through SMTP, when configured.
    pub smtp: Option<SmtpConfig>,
    /// Messages to an HTTP webhook, when configured.
    pub webhook: Option<WebhookSettings>,
    /// Allowed passkey origins; empty means the default derived from each pool's RelyingPartyId.
    pub webauthn_origins: Vec<String>,
    /// Browser origins granted admin operations and the outbox (crate::cors); none by default.
    pub cors_origins: Vec<String>,
    /// The development outbox may take messages on a non-loopback address too.
    pub outbox: bool,
    /// How long the janitor keeps outbox messages.
    pub outbox_retention: Duration,
    /// How often the janitor sweeps. Not a setting: a minute keeps the tables small; tests shorten it.
    pub janitor_every: Duration,
    /// Rate limits on or off; `None`: on unless in local mode.
    pub rate_limits: Option<bool>,
    /// Categories whose rate differs from the default (requests per second).
    pub rate_overrides: Vec<(Category, u32)>,
    /// Seals the private signing keys at rest.
    pub signing_key_kek: Option<Arc<Kek>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 9229,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            sqlite_full_sync: false,
            admin_keys: Vec::new(),
            region: "us-east-1".into(),
            log: "info".into(),
            public_url: None,
            aws_issuer: false,
            smtp: None,
            webhook: None,
            webauthn_origins: Vec::new(),
            cors_origins: Vec::new(),
            outbox: false,
            outbox_retention: Duration::from_secs(24 * 3600),
            janitor_every: Duration::from_secs(60),
            rate_limits: None,
            rate_overrides: Vec::new(),
            signing_key_kek: None,
        }
    }
}

impl Config {
    /// Merge the layers. Flags and environment arrive together from clap (a flag wins over its
    /// variable); they win over the file, which wins over the defaults.
    pub fn load(flags: Settings) -> Result<Config, ConfigError> {
        let file = Settings::file_layer(flags.config.as_deref())?;
        Config::resolve(flags.over(file))
    }

    /// The defaults under the merged layers, every value checked.
    fn resolve(mut s: Settings) -> Result<Config, ConfigError> {
        let d = Config::default();
        let database_url = secret("database_url", s.database_url.take(), s.database_url_file.take())?;
        let smtp = delivery::smtp_config(&mut s)?;
        let webhook = delivery::webhook_settings(&mut s)?;
        let sqlite_full_sync = match s.sqlite_synchronous.as_deref().unwrap_or("normal") {
            "normal" => false,
            "full" => true,
            other => return Err(ConfigError::SqliteSynchronous { value: other.to_string() }),
        };
        let mut key_texts = s.admin_keys.unwrap_or_default();
        if let Some(path) = &s.admin_keys_file {
            let text = read_text(path)?;
            key_texts.extend(text.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).map(str::to_string));
        }
        let admin_keys = key_texts.iter().filter(|k| !k.trim().is_empty()).map(|k| k.parse()).collect::<Result<Vec<AdminKey>, _>>()?;
        let webauthn_origins = origins(s.webauthn_origins.take()).map_err(|value| ConfigError::WebauthnOrigin { value })?;
        let cors_origins = origins(s.cors_origins.take()).map_err(|value| ConfigError::CorsOrigin { value })?;
        Ok(Config {
            bind: s.bind.unwrap_or(d.bind),
            port: s.port.unwrap_or(d.port),
            data_dir: s.data_dir.unwrap_or(d.data_dir),
            database_url,
            sqlite_full_sync,
            admin_keys,
            region: s.region.unwrap_or(d.region),
            log: s.log.unwrap_or(d.log),
            public_url: s.public_url,
            aws_issuer: s.aws_issuer.unwrap_or(d.aws_issuer),
            smtp,
            webhook,
            webauthn_origins,
            cors_origins,
            outbox: s.outbox.unwrap_or(d.outbox),
            outbox_retention: s.outbox_retention_hours.map_or(d.outbox_retention, |h| Duration::from_secs(h.saturating_mul(3600))),
            janitor_every: d.janitor_every,
            rate_limits: s.rate_limits,
            rate_overrides: rate_overrides(s.rate_limit.unwrap_or_default())?,
            signing_key_kek: s.signing_key_encryption_key_file.as_deref().map(key_encryption_key).transpose()?,
        })
    }

    /// Local development mode: loopback only, no keys, any well-formed signature accepted.
    pub fn open_admin(&self) -> bool {
        self.admin_keys.is_empty()
    }

    /// Whether rate limits apply: as configured, else everywhere but local mode.
    pub fn rate_limits_on(&self) -> bool {
        self.rate_limits.unwrap_or(!self.open_admin())
    }

    /// Refuse configurations that would expose unauthenticated admin calls.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.open_admin() && !self.bind.is_loopback() {
            return Err(ConfigError::OpenAdmin { bind: self.bind });
        }
        Ok(())
    }
}

/// Origins as browsers send them (`scheme://host[:port]`, no trailing slash); the first entry that
/// is not one is the error.
fn origins(entries: Option<Vec<String>>) -> Result<Vec<String>, String> {
    let list: Vec<String> =
        entries.unwrap_or_default().iter().map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect();
    match list.iter().find(|o| !(o.starts_with("https://") || o.starts_with("http://"))) {
        Some(bad) => Err(bad.clone()),
        None => Ok(list),
    }
}

/// `CATEGORY=RPS` entries, e.g. `UserAuthentication=300`.
fn rate_overrides(entries: Vec<String>) -> Result<Vec<(Category, u32)>, ConfigError> {
    entries
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(|e| {
            let bad = || ConfigError::RateLimit { value: e.to_string() };
            let (name, rps) = e.split_once('=').ok_or_else(bad)?;
            Ok((Category::from_name(name.trim()).ok_or_else(bad)?, rps.trim().parse().map_err(|_| bad())?))
        })
        .collect()
}

/// The key-encryption key in `path`: 32 bytes, base64 (standard alphabet), surrounding blanks ignored.
fn key_encryption_key(path: &std::path::Path) -> Result<Arc<Kek>, ConfigError> {
    let bad = |why: &str| ConfigError::KeyEncryptionKey { path: path.to_path_buf(), why: why.to_string() };
    let text = read_text(path)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|_| bad("not base64"))?;
    Kek::new(&bytes).map(Arc::new).map_err(|e| bad(&e.to_string()))
}
