//! One benchmark run: start (or reach) the server, seed, optionally grow the pool in bulk, drive
//! each scenario, collect the report.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::api::Api;
use crate::cli::Options;
use crate::report::{Report, ServerFigures};
use crate::scenarios::{Ctx, PreparedCalls, Scenario, reset_mfa_preferences};
use crate::seed::{Counts, Fixture, seed};
use crate::server::{Server, default_binary};
use crate::sigv4::Signer;
use crate::totp_flow::StepSchedule;
use crate::user_auth_flow::UserLocks;
use crate::{bulk, device_flow, driver};

/// Resident memory is sampled this long after start-up, once the runtime has settled.
const IDLE_SAMPLE_AFTER: Duration = Duration::from_secs(1);

pub async fn run(options: &Options) -> Result<Report, String> {
    let signer = Signer {
        access_key_id: options.access_key_id.clone(),
        secret_access_key: options.secret_access_key.clone(),
        region: options.region.clone(),
    };
    if options.bulk_users.is_some() && !options.endpoint.is_empty() {
        return Err("--bulk-users needs the server started by the tool (no --endpoint)".into());
    }
    let mut report = Report {
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        users: options.users,
        totp_users: if options.needs_totp_users() { options.totp_users() } else { 0 },
        passkey_users: options.passkey_users(),
        ..Report::default()
    };
    let work = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let mut local = match options.endpoint.is_empty() {
        true => Some(LocalServer::start(options, work.path()).await?),
        false => None,
    };
    let mut endpoints = match &local {
        Some(l) => vec![l.server.endpoint.clone()],
        None => options.endpoint.clone(),
    };
    let mut api = Api::new(&endpoints, signer.clone())?;

    eprintln!(
        "seeding {} users ({} with a passkey) and {} TOTP users through {}",
        report.users,
        report.passkey_users,
        report.totp_users,
        endpoints.join(", ")
    );
    let counts = Counts { users: options.users, totp_users: report.totp_users, passkey_users: report.passkey_users };
    let fixture = seed(&api, counts, options.seed_concurrency).await.map_err(|f| format!("seeding failed: {f}"))?;
    let devices = device_flow::seed(&api, options.device_users(), options.seed_concurrency)
        .await
        .map_err(|f| format!("seeding remembered devices failed: {f}"))?;
    report.seed_seconds = fixture.seconds;
    if let Some(mut l) = local.take() {
        l.figures.rss_after_seed_kib = l.server.rss_kib();
        if let Some(total) = options.bulk_users {
            l = l.grow_and_restart(options, &fixture, total).await?;
            endpoints = vec![l.server.endpoint.clone()];
            api = Api::new(&endpoints, signer)?;
        }
        local = Some(l);
    }
    report.endpoints = endpoints;

    let prepared = PreparedCalls::new(&fixture).map_err(|e| e.to_string())?;
    let ctx = Arc::new(Ctx {
        api,
        prepared,
        totp_schedule: StepSchedule::new(&fixture.totp_users),
        user_locks: UserLocks::new(fixture.users.len()),
        device_locks: UserLocks::new(devices.users.len()),
        devices,
        fixture,
        run_id: short_run_id(),
    });
    for &scenario in &options.scenarios {
        eprintln!("running {scenario} for {:?} at concurrency {}", options.duration, options.concurrency);
        let mut result = driver::drive(ctx.clone(), scenario, options.concurrency, options.duration).await;
        if scenario == Scenario::UserAuthWebAuthn {
            result.note = Some(format!("{} passkey users, each in one sign-in at a time", ctx.fixture.passkey_users.len()));
        }
        if scenario == Scenario::RememberedDevice {
            result.note = Some(format!("{} users, each on its remembered device, one sign-in at a time", ctx.devices.users.len()));
        }
        if scenario == Scenario::TotpMfa {
            let n = ctx.fixture.totp_users.len();
            result.note = Some(format!(
                "at most {n} sign-ins per 30-second step ({n} TOTP users, each code used once; none in the step of enrolment)"
            ));
        }
        report.scenarios.push(result);
        if scenario == Scenario::SetUserMfaPreference {
            reset_mfa_preferences(&ctx).await.map_err(|f| format!("resetting MFA preferences: {f}"))?;
        }
    }
    if let Some(mut l) = local {
        l.figures.rss_after_run_kib = l.server.rss_kib();
        report.server = Some(l.figures);
        l.server.stop().await?;
    }
    Ok(report)
}

fn short_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// The server the tool started, with its data directory and figures.
struct LocalServer {
    server: Server,
    bin: std::path::PathBuf,
    data_dir: std::path::PathBuf,
    work: std::path::PathBuf,
    figures: ServerFigures,
}

impl LocalServer {
    async fn start(options: &Options, work: &Path) -> Result<Self, String> {
        let bin = match &options.server_bin {
            Some(b) => b.clone(),
            None => default_binary()?,
        };
        let data_dir = work.join("data");
        std::fs::create_dir_all(&data_dir).map_err(|e| e.to_string())?;
        let server = Server::start(&bin, &data_dir, &work.join("server-1.log"), &admin_key(options), &options.server_args).await?;
        eprintln!("started {} (pid {}) at {} in {:.1} ms", bin.display(), server.pid, server.endpoint, ms(server.startup));
        tokio::time::sleep(IDLE_SAMPLE_AFTER).await;
        let figures = ServerFigures { startup_ms: ms(server.startup), rss_idle_kib: server.rss_kib(), ..ServerFigures::default() };
        Ok(LocalServer { server, bin, data_dir, work: work.to_path_buf(), figures })
    }

    /// Stops the server, copies the first seeded user until the pool holds `total` users
    /// (measurement only, see bulk.rs), starts it again and measures that start.
    async fn grow_and_restart(mut self, options: &Options, fixture: &Fixture, total: usize) -> Result<Self, String> {
        let template = fixture.users.first().ok_or("--bulk-users needs --users 1 or more (a template user)")?;
        let restarted_log = self.work.join("server-2.log");
        self.server.stop().await?;
        eprintln!("copying {} until the pool holds {total} users (measurement only)", template.username);
        let mut bulk = bulk::grow_pool(&self.data_dir.join("cognate.db"), &fixture.pool_id, &template.username, total as u64).await?;
        self.server = Server::start(&self.bin, &self.data_dir, &restarted_log, &admin_key(options), &options.server_args).await?;
        eprintln!("restarted at {} in {:.1} ms", self.server.endpoint, ms(self.server.startup));
        check_a_copy(&self.server.endpoint, options, &fixture.pool_id).await?;
        tokio::time::sleep(IDLE_SAMPLE_AFTER).await;
        bulk.startup_ms = ms(self.server.startup);
        bulk.rss_idle_kib = self.server.rss_kib();
        self.figures.bulk = Some(bulk);
        Ok(self)
    }
}

/// The server must read a copied user like any other: if the store's schema moved on and bulk.rs
/// did not, say so instead of measuring a broken table.
async fn check_a_copy(endpoint: &str, options: &Options, pool_id: &str) -> Result<(), String> {
    let signer = Signer {
        access_key_id: options.access_key_id.clone(),
        secret_access_key: options.secret_access_key.clone(),
        region: options.region.clone(),
    };
    let api = Api::new(&[endpoint.to_string()], signer)?;
    let username = bulk::first_copy_username();
    let user = api
        .admin("AdminGetUser", &serde_json::json!({ "UserPoolId": pool_id, "Username": username }))
        .await
        .map_err(|f| format!("the server cannot read the copied user {username} (adapt bench/src/bulk.rs to the store): {f}"))?;
    match user.get("UserStatus").and_then(serde_json::Value::as_str) {
        Some("CONFIRMED") => Ok(()),
        other => Err(format!("copied user {username} has status {other:?}, expected CONFIRMED")),
    }
}

fn admin_key(options: &Options) -> String {
    format!("{}:{}", options.access_key_id, options.secret_access_key)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
