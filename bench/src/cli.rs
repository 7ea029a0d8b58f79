//! Command-line options.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::scenarios::Scenario;

/// Load benchmark for Cognate: seeds users through the API, then drives each scenario for a fixed
/// time at a fixed concurrency and reports throughput, latency percentiles and every error by type.
///
/// Without --endpoint it starts the `cognate` binary itself on a temporary data directory and a
/// free port, measures its start-up time and resident memory, and stops it at the end.
#[derive(Debug, Clone, Parser)]
#[command(name = "cognate-bench", version, about)]
pub struct Options {
    /// Running server(s) to measure, comma separated (several nodes sharing one database share the
    /// load round-robin). Default: start target/release/cognate.
    #[arg(long, value_delimiter = ',')]
    pub endpoint: Vec<String>,
    /// The server binary to start when no --endpoint is given. Default: `cognate` next to this
    /// executable (target/release/cognate after `cargo build --release`).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Extra flag for the started server, repeatable, e.g. `--server-arg=--database-url=postgres://…`.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    pub server_args: Vec<String>,
    /// Users seeded through the API and signed in (each costs three argon2id hashes on the server).
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    /// Users with TOTP MFA for the totp-mfa scenario (each can sign in once per 30-second step, so
    /// this bounds that scenario's rate to totp-users / 30 s). Default: users / 4, at least 1.
    #[arg(long)]
    pub totp_users: Option<usize>,
    /// Of the seeded users, how many register a passkey for the user-auth-web-authn scenario (a
    /// passkey user is in one sign-in at a time). Default: users / 4, at least 1.
    #[arg(long)]
    pub passkey_users: Option<usize>,
    /// Users with a remembered device for the remembered-device scenario (each device is in one
    /// sign-in at a time). Default: users / 4, at least 1.
    #[arg(long)]
    pub device_users: Option<usize>,
    /// Concurrent requests in flight during a scenario.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Concurrent users being seeded.
    #[arg(long, default_value_t = 16)]
    pub seed_concurrency: usize,
    /// How long each scenario runs: `10s`, `500ms`, `2m` or plain seconds.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Scenarios to run, comma separated, in this order.
    #[arg(long, value_delimiter = ',', default_values_t = Scenario::ALL.to_vec())]
    pub scenarios: Vec<Scenario>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// MEASUREMENT ONLY: after seeding, stop the started server and clone the first seeded user's
    /// database row until the pool holds this many users (SQLite, see bulk.rs), then restart it and
    /// measure start-up time and memory before running the scenarios. Needs no --endpoint.
    #[arg(long)]
    pub bulk_users: Option<usize>,
    /// Access key id for admin calls (given to the started server as its admin key).
    #[arg(long, default_value = "cognate-bench")]
    pub access_key_id: String,
    /// Secret access key for admin calls.
    #[arg(long, default_value = "cognate-bench-secret")]
    pub secret_access_key: String,
    /// Region used in SigV4 signatures.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
}

impl Options {
    pub fn totp_users(&self) -> usize {
        self.totp_users.unwrap_or((self.users / 4).max(1))
    }

    pub fn needs_totp_users(&self) -> bool {
        self.scenarios.contains(&Scenario::TotpMfa)
    }

    /// Device users to seed: none unless remembered-device runs.
    pub fn device_users(&self) -> usize {
        match self.scenarios.contains(&Scenario::RememberedDevice) {
            true => self.device_users.unwrap_or(self.users / 4).max(1),
            false => 0,
        }
    }

    /// Passkeys to register: none unless user-auth-web-authn runs.
    pub fn passkey_users(&self) -> usize {
        match self.scenarios.contains(&Scenario::UserAuthWebAuthn) {
            true => self.passkey_users.unwrap_or(self.users / 4).clamp(1, self.users.max(1)),
            false => 0,
        }
    }
}

/// `10s`, `250ms`, `2m`, or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit in {s:?} (ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("not a duration: {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("").is_err());
    }
}
