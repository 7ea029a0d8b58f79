//! Configuration, in layers: defaults, then `cognate.toml`, then `COGNATE_*` environment variables,
//! then command-line flags. `*_FILE` variants read secrets from files.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use cognate_core::delivery::Channel;
use cognate_delivery::{SmtpConfig, SmtpTls};
use serde::Deserialize;

/// Cognate: a self-hostable identity provider that speaks the Amazon Cognito User Pools API.
///
/// Point any Cognito client at it with `--endpoint-url http://127.0.0.1:9229`.
#[derive(Debug, Parser, Default)]
#[command(name = "cognate", version, about, long_about = None)]
pub struct Flags {
    /// Configuration file (TOML). Default: ./cognate.toml if it exists.
    #[arg(long, env = "COGNATE_CONFIG")]
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
    pub admin_keys: Vec<String>,
    /// File holding admin keys (one ACCESS_KEY_ID:SECRET_ACCESS_KEY per line).
    #[arg(long, env = "COGNATE_ADMIN_KEYS_FILE")]
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
    pub webhook_channels: Vec<String>,
    /// Origins allowed in passkey (WebAuthn) ceremonies, e.g. `https://app.example.com`, comma
    /// separated or repeated. Default: `https://<RelyingPartyId>` and its subdomains, plus
    /// `http://localhost:<any port>` when the RelyingPartyId is `localhost`.
    #[arg(long = "webauthn-origin", env = "COGNATE_WEBAUTHN_ORIGINS", value_delimiter = ',')]
    pub webauthn_origins: Vec<String>,
}

/// The file layer. Every key is optional and named like the flag (`bind`, `port`, `data_dir`, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<IpAddr>,
    pub port: Option<u16>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub database_url_file: Option<PathBuf>,
    pub sqlite_synchronous: Option<String>,
    pub admin_keys: Option<Vec<String>>,
    pub region: Option<String>,
    pub log: Option<String>,
    pub public_url: Option<String>,
    pub aws_issuer: Option<bool>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_password_file: Option<PathBuf>,
    pub smtp_from: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub webhook_secret_file: Option<PathBuf>,
    pub webhook_channels: Option<Vec<String>>,
    pub webauthn_origins: Option<Vec<String>>,
}

/// The webhook's settings (secret redacted from `Debug`).
#[derive(Clone)]
pub struct WebhookSettings {
    pub url: String,
    pub secret: String,
    pub channels: Vec<Channel>,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings").field("url", &self.url).field("secret", &"<redacted>").field("channels", &self.channels).finish()
    }
}

#[derive(Debug, Clone)]
pub struct AdminKey {
    pub access_key_id: String,
    pub secret: String,
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
        }
    }
}

const KNOWN_ENV: &[&str] = &[
    "COGNATE_CONFIG",
    "COGNATE_BIND",
    "COGNATE_PORT",
    "COGNATE_DATA_DIR",
    "COGNATE_DATABASE_URL",
    "COGNATE_DATABASE_URL_FILE",
    "COGNATE_SQLITE_SYNCHRONOUS",
    "COGNATE_ADMIN_KEYS",
    "COGNATE_ADMIN_KEYS_FILE",
    "COGNATE_REGION",
    "COGNATE_LOG",
    "COGNATE_PUBLIC_URL",
    "COGNATE_AWS_ISSUER",
    "COGNATE_SMTP_HOST",
    "COGNATE_SMTP_PORT",
    "COGNATE_SMTP_TLS",
    "COGNATE_SMTP_USERNAME",
    "COGNATE_SMTP_PASSWORD",
    "COGNATE_SMTP_PASSWORD_FILE",
    "COGNATE_SMTP_FROM",
    "COGNATE_WEBHOOK_URL",
    "COGNATE_WEBHOOK_SECRET",
    "COGNATE_WEBHOOK_SECRET_FILE",
    "COGNATE_WEBHOOK_CHANNELS",
    "COGNATE_WEBAUTHN_ORIGINS",
];

/// `COGNATE_*` variables that mean nothing to this version (likely typos); reported at start-up.
pub fn unknown_env_vars() -> Vec<String> {
    std::env::vars().map(|(k, _)| k).filter(|k| k.starts_with("COGNATE_") && !KNOWN_ENV.contains(&k.as_str())).collect()
}

fn parse_key(text: &str) -> Result<AdminKey, String> {
    let (id, secret) = text.trim().split_once(':').ok_or_else(|| "admin keys look like ACCESS_KEY_ID:SECRET_ACCESS_KEY".to_string())?;
    if id.is_empty() || secret.is_empty() {
        return Err("admin keys look like ACCESS_KEY_ID:SECRET_ACCESS_KEY".into());
    }
    Ok(AdminKey { access_key_id: id.to_string(), secret: secret.to_string() })
}

/// A secret given inline or in a file (one of the two); a file's trailing newline is dropped.
fn secret(name: &str, inline: Option<String>, file: Option<PathBuf>) -> Result<Option<String>, String> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(format!("give {name} or {name}_file, not both")),
        (Some(s), None) => Ok(Some(s)),
        (None, Some(path)) => read_secret(&path).map(Some),
        (None, None) => Ok(None),
    }
}

fn read_secret(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

fn smtp_config(flags: &mut Flags, file: &mut FileConfig) -> Result<Option<SmtpConfig>, String> {
    let host = flags.smtp_host.take().or(file.smtp_host.take());
    let username = flags.smtp_username.take().or(file.smtp_username.take());
    // A password given as a flag or variable (inline or as a file) replaces the file layer's.
    let password = match secret("smtp_password", flags.smtp_password.take(), flags.smtp_password_file.take())? {
        Some(p) => Some(p),
        None => secret("smtp_password", file.smtp_password.take(), file.smtp_password_file.take())?,
    };
    let tls_text = flags.smtp_tls.take().or(file.smtp_tls.take());
    let port = flags.smtp_port.take().or(file.smtp_port.take());
    let from = flags.smtp_from.take().or(file.smtp_from.take());
    let Some(host) = host.filter(|h| !h.trim().is_empty()) else {
        if username.is_some() || password.is_some() || from.is_some() {
            return Err("SMTP settings are given but no smtp_host".into());
        }
        return Ok(None);
    };
    let tls: SmtpTls = tls_text.as_deref().unwrap_or("starttls").parse()?;
    let from = from.filter(|f| !f.trim().is_empty()).ok_or_else(|| "smtp_host needs smtp_from (the From address of emails)".to_string())?;
    if username.is_some() != password.is_some() {
        return Err("smtp_username and smtp_password go together".into());
    }
    Ok(Some(SmtpConfig { host, port: port.unwrap_or(tls.default_port()), tls, username, password, from, timeout: Duration::from_secs(30) }))
}

fn webhook_settings(flags: &mut Flags, file: &mut FileConfig) -> Result<Option<WebhookSettings>, String> {
    let url = flags.webhook_url.take().or(file.webhook_url.take());
    let secret_value = match secret("webhook_secret", flags.webhook_secret.take(), flags.webhook_secret_file.take())? {
        Some(s) => Some(s),
        None => secret("webhook_secret", file.webhook_secret.take(), file.webhook_secret_file.take())?,
    };
    let channel_texts =
        if flags.webhook_channels.is_empty() { file.webhook_channels.take() } else { Some(std::mem::take(&mut flags.webhook_channels)) };
    let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
        if secret_value.is_some() || channel_texts.is_some() {
            return Err("webhook settings are given but no webhook_url".into());
        }
        return Ok(None);
    };
    let secret_value = secret_value
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "webhook_url needs webhook_secret (requests are always signed)".to_string())?;
    let mut channels = Vec::new();
    for text in channel_texts.unwrap_or_else(|| vec!["sms".into()]) {
        if text.trim().is_empty() {
            continue;
        }
        let c: Channel = text.parse()?;
        if !channels.contains(&c) {
            channels.push(c);
        }
    }
    if channels.is_empty() {
        return Err("webhook_channels names no channel (email, sms)".into());
    }
    Ok(Some(WebhookSettings { url, secret: secret_value, channels }))
}

impl Config {
    /// Merge the layers. Flags and environment arrive together from clap (a flag wins over its
    /// variable); they win over the file, which wins over the defaults.
    pub fn load(mut flags: Flags) -> Result<Config, String> {
        let file_path = flags.config.clone().or_else(|| {
            let p = PathBuf::from("cognate.toml");
            p.exists().then_some(p)
        });
        let mut file: FileConfig = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let d = Config::default();
        let database_url = secret(
            "database_url",
            flags.database_url.take().or(file.database_url.take()),
            flags.database_url_file.take().or(file.database_url_file.take()),
        )?;
        let smtp = smtp_config(&mut flags, &mut file)?;
        let webhook = webhook_settings(&mut flags, &mut file)?;
        let sync = flags.sqlite_synchronous.or(file.sqlite_synchronous).unwrap_or_else(|| "normal".into());
        let sqlite_full_sync = match sync.as_str() {
            "normal" => false,
            "full" => true,
            other => {
                return Err(format!("sqlite_synchronous must be `normal` or `full`, not `{other}`"));
            }
        };
        let mut key_texts: Vec<String> = if flags.admin_keys.is_empty() { file.admin_keys.unwrap_or_default() } else { flags.admin_keys };
        if let Some(path) = &flags.admin_keys_file {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            key_texts.extend(text.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).map(str::to_string));
        }
        let admin_keys = key_texts.iter().filter(|k| !k.trim().is_empty()).map(|k| parse_key(k)).collect::<Result<Vec<_>, _>>()?;
        let webauthn_origins =
            if flags.webauthn_origins.is_empty() { file.webauthn_origins.unwrap_or_default() } else { flags.webauthn_origins };
        let webauthn_origins: Vec<String> =
            webauthn_origins.iter().map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect();
        if let Some(bad) = webauthn_origins.iter().find(|o| !(o.starts_with("https://") || o.starts_with("http://"))) {
            return Err(format!("webauthn_origins: `{bad}` is not an origin (scheme://host[:port])"));
        }
        Ok(Config {
            bind: flags.bind.or(file.bind).unwrap_or(d.bind),
            port: flags.port.or(file.port).unwrap_or(d.port),
            data_dir: flags.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            database_url,
            sqlite_full_sync,
            admin_keys,
            region: flags.region.or(file.region).unwrap_or(d.region),
            log: flags.log.or(file.log).unwrap_or(d.log),
            public_url: flags.public_url.or(file.public_url),
            aws_issuer: flags.aws_issuer.or(file.aws_issuer).unwrap_or(false),
            smtp,
            webhook,
            webauthn_origins,
        })
    }

    /// Local development mode: loopback only, no keys, any well-formed signature accepted.
    pub fn open_admin(&self) -> bool {
        self.admin_keys.is_empty()
    }

    /// Refuse configurations that would expose unauthenticated admin calls.
    pub fn check(&self) -> Result<(), String> {
        if self.open_admin() && !self.bind.is_loopback() {
            return Err(format!(
                "refusing to listen on {} without admin keys: set --admin-key ACCESS_KEY_ID:SECRET (or COGNATE_ADMIN_KEYS), \
                 or bind to 127.0.0.1",
                self.bind
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beats_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cognate.toml");
        std::fs::write(&path, "port = 1234\nregion = \"eu-west-1\"\n").expect("write");
        let flags = Flags { config: Some(path.clone()), port: Some(4321), ..Default::default() };
        let c = Config::load(flags).expect("load");
        assert_eq!(c.port, 4321);
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
    }

    #[test]
    fn non_loopback_without_keys_is_refused() {
        let c = Config { bind: IpAddr::from([0, 0, 0, 0]), ..Default::default() };
        assert!(c.check().is_err());
        let c = Config { bind: IpAddr::from([0, 0, 0, 0]), admin_keys: vec![parse_key("AK:SK").expect("key")], ..Default::default() };
        assert!(c.check().is_ok());
    }

    #[test]
    fn smtp_and_webhook_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cognate.toml");
        let secret_file = dir.path().join("hook.secret");
        std::fs::write(&secret_file, "file-secret\n").expect("write");
        let toml = format!(
            "smtp_host = \"smtp.example.com\"\n\
             smtp_from = \"noreply@example.com\"\n\
             smtp_username = \"u\"\n\
             smtp_password = \"from-toml\"\n\
             webhook_url = \"https://hooks.example.com/cognate\"\n\
             webhook_secret_file = {:?}\n\
             webhook_channels = [\"email\", \"SMS\"]\n",
            secret_file.display().to_string()
        );
        std::fs::write(&path, toml).expect("write");
        let c = Config::load(Flags {
            config: Some(path),
            smtp_tls: Some("tls".into()),
            smtp_password: Some("from-flag".into()),
            ..Default::default()
        })
        .expect("load");
        let smtp = c.smtp.expect("smtp configured");
        assert_eq!(smtp.host, "smtp.example.com");
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::Tls, 465));
        assert_eq!(smtp.password.as_deref(), Some("from-flag"));
        let hook = c.webhook.expect("webhook configured");
        assert_eq!(hook.secret, "file-secret");
        assert_eq!(hook.channels, vec![Channel::Email, Channel::Sms]);
        let shown = format!("{hook:?} {smtp:?}");
        assert!(!shown.contains("file-secret") && !shown.contains("from-flag"));

        // Defaults: STARTTLS on 587; the webhook takes SMS only.
        let empty = dir.path().join("empty.toml");
        std::fs::write(&empty, "").expect("write");
        let c = Config::load(Flags {
            config: Some(empty),
            smtp_host: Some("localhost".into()),
            smtp_from: Some("a@b.c".into()),
            webhook_url: Some("http://127.0.0.1:9/h".into()),
            webhook_secret: Some("s".into()),
            ..Default::default()
        })
        .expect("load");
        let smtp = c.smtp.expect("smtp");
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::StartTls, 587));
        assert_eq!(c.webhook.expect("webhook").channels, vec![Channel::Sms]);
    }

    #[test]
    fn incomplete_delivery_settings_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.toml");
        std::fs::write(&empty, "").expect("write");
        let base = || Flags { config: Some(empty.clone()), ..Default::default() };
        let smtp = || Flags { smtp_host: Some("smtp.example.com".into()), smtp_from: Some("a@b.c".into()), ..base() };
        let hook = || Flags { webhook_url: Some("http://127.0.0.1:9/h".into()), webhook_secret: Some("s".into()), ..base() };
        assert!(Config::load(smtp()).is_ok());
        assert!(Config::load(hook()).is_ok());
        let bad = [
            Flags { smtp_from: None, ..smtp() },
            Flags { smtp_host: None, ..smtp() },
            Flags { smtp_username: Some("u".into()), ..smtp() },
            Flags { smtp_tls: Some("ssl".into()), ..smtp() },
            Flags { webhook_secret: None, ..hook() },
            Flags { webhook_channels: vec!["fax".into()], ..hook() },
            Flags { webhook_secret_file: Some(empty.clone()), ..hook() },
        ];
        for flags in bad {
            let shown = format!("{:?}", flags.smtp_host);
            assert!(Config::load(flags).is_err(), "{shown}");
        }
    }

    #[test]
    fn unknown_file_keys_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "prot = 1\n").expect("write");
        assert!(Config::load(Flags { config: Some(path), ..Default::default() }).is_err());
    }
}
