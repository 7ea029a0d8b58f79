//! Configuration, in layers: defaults, then `cognate.toml`, then `COGNATE_*` environment variables,
//! then command-line flags. `*_FILE` variants read secrets from files.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
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
}

/// The file layer. Every key is optional and named like the flag (`bind`, `port`, `data_dir`, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<IpAddr>,
    pub port: Option<u16>,
    pub data_dir: Option<PathBuf>,
    pub sqlite_synchronous: Option<String>,
    pub admin_keys: Option<Vec<String>>,
    pub region: Option<String>,
    pub log: Option<String>,
    pub public_url: Option<String>,
    pub aws_issuer: Option<bool>,
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
    pub sqlite_full_sync: bool,
    pub admin_keys: Vec<AdminKey>,
    pub region: String,
    pub log: String,
    pub public_url: Option<String>,
    pub aws_issuer: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 9229,
            data_dir: PathBuf::from("./data"),
            sqlite_full_sync: false,
            admin_keys: Vec::new(),
            region: "us-east-1".into(),
            log: "info".into(),
            public_url: None,
            aws_issuer: false,
        }
    }
}

const KNOWN_ENV: &[&str] = &[
    "COGNATE_CONFIG",
    "COGNATE_BIND",
    "COGNATE_PORT",
    "COGNATE_DATA_DIR",
    "COGNATE_SQLITE_SYNCHRONOUS",
    "COGNATE_ADMIN_KEYS",
    "COGNATE_ADMIN_KEYS_FILE",
    "COGNATE_REGION",
    "COGNATE_LOG",
    "COGNATE_PUBLIC_URL",
    "COGNATE_AWS_ISSUER",
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

impl Config {
    /// Merge the layers. Flags and environment arrive together from clap (a flag wins over its
    /// variable); they win over the file, which wins over the defaults.
    pub fn load(flags: Flags) -> Result<Config, String> {
        let file_path = flags.config.clone().or_else(|| {
            let p = PathBuf::from("cognate.toml");
            p.exists().then_some(p)
        });
        let file: FileConfig = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let d = Config::default();
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
        Ok(Config {
            bind: flags.bind.or(file.bind).unwrap_or(d.bind),
            port: flags.port.or(file.port).unwrap_or(d.port),
            data_dir: flags.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            sqlite_full_sync,
            admin_keys,
            region: flags.region.or(file.region).unwrap_or(d.region),
            log: flags.log.or(file.log).unwrap_or(d.log),
            public_url: flags.public_url.or(file.public_url),
            aws_issuer: flags.aws_issuer.or(file.aws_issuer).unwrap_or(false),
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
    fn unknown_file_keys_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "prot = 1\n").expect("write");
        assert!(Config::load(Flags { config: Some(path), ..Default::default() }).is_err());
    }
}
