//! The report: a table on stdout and the same figures as JSON.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    /// `req/s` or `sign-ins/s`.
    pub unit: String,
    pub concurrency: usize,
    pub seconds: f64,
    /// Successful iterations (a sign-in of several calls counts once).
    pub ok: u64,
    /// Successful iterations per second.
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Failed iterations by `__type` (or transport / unexpected-answer kind).
    pub errors: BTreeMap<String, u64>,
    /// The first message seen for each error kind.
    pub error_examples: BTreeMap<String, String>,
    /// What bounded the scenario besides the server, if anything (e.g. TOTP users per step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ScenarioReport {
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Figures about a server the tool started itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerFigures {
    /// From spawn to the first answered `GET /health`.
    pub startup_ms: f64,
    /// VmRSS one second after start.
    pub rss_idle_kib: u64,
    pub rss_after_seed_kib: u64,
    pub rss_after_run_kib: u64,
    pub bulk: Option<BulkFigures>,
}

/// The `--bulk-users` restart (users cloned in the database, see bulk.rs).
#[derive(Debug, Clone, Default, Serialize)]
pub struct BulkFigures {
    pub users_in_pool: u64,
    pub clone_seconds: f64,
    pub database_bytes: u64,
    pub startup_ms: f64,
    pub rss_idle_kib: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub started_at: String,
    pub endpoints: Vec<String>,
    pub users: usize,
    pub totp_users: usize,
    pub seed_seconds: f64,
    pub server: Option<ServerFigures>,
    pub scenarios: Vec<ScenarioReport>,
}

impl Report {
    pub fn total_errors(&self) -> u64 {
        self.scenarios.iter().map(ScenarioReport::error_count).sum()
    }

    pub fn table(&self) -> String {
        let mut out = format!(
            "cognate-bench {} against {}\nseeded {} users + {} TOTP users in {:.1} s\n",
            self.started_at,
            self.endpoints.join(", "),
            self.users,
            self.totp_users,
            self.seed_seconds
        );
        if let Some(s) = &self.server {
            out += &format!(
                "server: start-up {:.1} ms, RSS idle {}, after seeding {}, after the run {}\n",
                s.startup_ms,
                mib(s.rss_idle_kib),
                mib(s.rss_after_seed_kib),
                mib(s.rss_after_run_kib)
            );
            if let Some(b) = &s.bulk {
                out += &format!(
                    "bulk (users cloned in the database, measurement only): {} users, cloned in {:.1} s, database {:.0} MB, \
                     start-up {:.1} ms, RSS idle {}\n",
                    b.users_in_pool,
                    b.clone_seconds,
                    b.database_bytes as f64 / 1e6,
                    b.startup_ms,
                    mib(b.rss_idle_kib)
                );
            }
        }
        out += &format!(
            "\n{:<24} {:>5} {:>12} {:<10} {:>9} {:>9} {:>9} {:>9}  errors\n",
            "scenario", "conc", "rate", "", "p50 ms", "p99 ms", "p99.9 ms", "max ms"
        );
        for s in &self.scenarios {
            let errors = if s.errors.is_empty() {
                "0".to_string()
            } else {
                s.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
            };
            out += &format!(
                "{:<24} {:>5} {:>12.1} {:<10} {:>9.2} {:>9.2} {:>9.2} {:>9.2}  {}\n",
                s.scenario, s.concurrency, s.rate, s.unit, s.p50_ms, s.p99_ms, s.p999_ms, s.max_ms, errors
            );
        }
        for s in &self.scenarios {
            if let Some(note) = &s.note {
                out += &format!("  {}: {note}\n", s.scenario);
            }
            for (kind, message) in &s.error_examples {
                out += &format!("  {}: first {kind}: {message}\n", s.scenario);
            }
        }
        out
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
