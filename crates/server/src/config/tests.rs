//! The layers and their checks. Flags are given as [`Settings`] values (clap itself puts a flag
//! over its variable); files are written to a temporary directory.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use cognate_core::delivery::Channel;
use cognate_delivery::SmtpTls;

use super::settings::known_env_vars;
use super::*;

#[test]
fn flags_beat_file_beats_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cognate.toml");
    std::fs::write(&path, "port = 1234\nregion = \"eu-west-1\"\n").expect("write");
    let flags = Settings { config: Some(path.clone()), port: Some(4321), ..Default::default() };
    let c = Config::load(flags).expect("load");
    assert_eq!(c.port, 4321);
    assert_eq!(c.region, "eu-west-1");
    assert_eq!(c.data_dir, PathBuf::from("./data"));
}

#[test]
fn non_loopback_without_keys_is_refused() {
    let c = Config { bind: IpAddr::from([0, 0, 0, 0]), ..Default::default() };
    assert!(c.check().is_err());
    let c = Config { bind: IpAddr::from([0, 0, 0, 0]), admin_keys: vec!["AK:SK".parse().expect("key")], ..Default::default() };
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
    let c = Config::load(Settings {
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
    let c = Config::load(Settings {
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
    let base = || Settings { config: Some(empty.clone()), ..Default::default() };
    let smtp = || Settings { smtp_host: Some("smtp.example.com".into()), smtp_from: Some("a@b.c".into()), ..base() };
    let hook = || Settings { webhook_url: Some("http://127.0.0.1:9/h".into()), webhook_secret: Some("s".into()), ..base() };
    assert!(Config::load(smtp()).is_ok());
    assert!(Config::load(hook()).is_ok());
    let bad = [
        Settings { smtp_from: None, ..smtp() },
        Settings { smtp_host: None, ..smtp() },
        Settings { smtp_username: Some("u".into()), ..smtp() },
        Settings { smtp_tls: Some("ssl".into()), ..smtp() },
        Settings { webhook_secret: None, ..hook() },
        Settings { webhook_channels: Some(vec!["fax".into()]), ..hook() },
        Settings { webhook_secret_file: Some(empty.clone()), ..hook() },
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
    assert!(Config::load(Settings { config: Some(path), ..Default::default() }).is_err());
}

#[test]
fn settings_that_are_not_file_keys_are_unknown_in_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    for line in ["config = \"other.toml\"\n", "admin_keys_file = \"keys\"\n"] {
        std::fs::write(&path, line).expect("write");
        let err = Config::load(Settings { config: Some(path.clone()), ..Default::default() }).expect_err(line);
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}

#[test]
fn each_setting_has_one_name_in_every_layer() {
    let command = Settings::command();
    let mut count = 0;
    for arg in command.get_arguments().filter(|a| a.get_long().is_some_and(|l| l != "help" && l != "version")) {
        let id = arg.get_id().as_str();
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        assert_eq!(env, Some(format!("COGNATE_{}", id.to_ascii_uppercase())), "{id}");
        // The flag is the key with dashes, or its singular for the lists given one by one.
        let long = arg.get_long().unwrap_or_default().replace('-', "_");
        assert!(long == id || format!("{long}s") == id, "--{long} for {id}");
        count += 1;
    }
    assert_eq!(known_env_vars().len(), count);
}

#[test]
fn flags_parse_into_the_same_settings_as_the_file() {
    let flags = Settings::try_parse_from([
        "cognate",
        "--admin-key",
        "A:1,B:2",
        "--admin-key",
        "C:3",
        "--aws-issuer",
        "true",
        "--bind",
        "::1",
        "--webauthn-origin",
        "https://a.example",
    ])
    .expect("flags");
    assert_eq!(flags.admin_keys.as_deref().map(<[String]>::len), Some(3));
    assert_eq!(flags.aws_issuer, Some(true));
    assert!(flags.webhook_channels.is_none(), "an absent list is not an empty one");
    let c = Config::resolve(flags).expect("resolve");
    assert_eq!(c.admin_keys.iter().map(|k| k.access_key_id.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
    assert_eq!((c.bind, c.aws_issuer), (IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), true));
    assert_eq!(c.webauthn_origins, ["https://a.example"]);
}

#[test]
fn lists_from_flags_replace_those_of_the_file_and_the_keys_file_adds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    let keys = dir.path().join("keys");
    std::fs::write(&path, "admin_keys = [\"F:1\"]\nwebauthn_origins = [\"https://file.example/\"]\n").expect("write");
    std::fs::write(&keys, "# one per line\nK:2\n\n").expect("write");
    let c = Config::load(Settings { config: Some(path.clone()), admin_keys_file: Some(keys.clone()), ..Default::default() }).expect("load");
    assert_eq!(c.admin_keys.iter().map(|k| k.access_key_id.as_str()).collect::<Vec<_>>(), ["F", "K"]);
    assert_eq!(c.webauthn_origins, ["https://file.example"]);
    let flags = Settings {
        config: Some(path),
        admin_keys: Some(vec!["G:3".into()]),
        webauthn_origins: Some(vec!["http://localhost:3000".into()]),
        ..Default::default()
    };
    let c = Config::load(flags).expect("load");
    assert_eq!(c.admin_keys.iter().map(|k| k.access_key_id.as_str()).collect::<Vec<_>>(), ["G"]);
    assert_eq!(c.webauthn_origins, ["http://localhost:3000"]);
}

#[test]
fn a_secret_given_above_replaces_both_forms_below() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    let secret_file = dir.path().join("db.url");
    std::fs::write(&secret_file, "postgres://from-file\n").expect("write");
    std::fs::write(&path, "database_url = \"postgres://from-toml\"\n").expect("write");
    let c = Config::load(Settings { config: Some(path.clone()), database_url_file: Some(secret_file.clone()), ..Default::default() })
        .expect("the variable's file wins over the file's inline URL");
    assert_eq!(c.database_url.as_deref(), Some("postgres://from-file"));
    // Both forms in one layer stay an error.
    let both = Settings { config: Some(path), database_url: Some("x".into()), database_url_file: Some(secret_file), ..Default::default() };
    let err = Config::load(both).expect_err("both forms");
    assert_eq!(err.to_string(), "give database_url or database_url_file, not both");
}

#[test]
fn messages_say_what_to_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").expect("write");
    let load = |s: Settings| Config::load(Settings { config: Some(empty.clone()), ..s }).map(|_| ()).map_err(|e| e.to_string());
    assert_eq!(
        load(Settings { sqlite_synchronous: Some("off".into()), ..Default::default() }),
        Err("sqlite_synchronous must be `normal` or `full`, not `off`".into())
    );
    assert_eq!(
        load(Settings { admin_keys: Some(vec!["nocolon".into()]), ..Default::default() }),
        Err("admin keys look like ACCESS_KEY_ID:SECRET_ACCESS_KEY".into())
    );
    assert_eq!(
        load(Settings { webauthn_origins: Some(vec!["app.example".into()]), ..Default::default() }),
        Err("webauthn_origins: `app.example` is not an origin (scheme://host[:port])".into())
    );
    let missing = dir.path().join("missing.toml");
    let err = Config::load(Settings { config: Some(missing.clone()), ..Default::default() }).expect_err("no such file");
    assert!(err.to_string().starts_with(&format!("cannot read {}: ", missing.display())), "{err}");
    let open = Config { bind: IpAddr::from([0, 0, 0, 0]), ..Default::default() }.check().expect_err("open admin");
    assert_eq!(
        open.to_string(),
        "refusing to listen on 0.0.0.0 without admin keys: set --admin-key ACCESS_KEY_ID:SECRET (or COGNATE_ADMIN_KEYS), or bind to 127.0.0.1"
    );
}
