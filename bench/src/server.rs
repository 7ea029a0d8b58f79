//! Starting and stopping the `cognate` binary for a run: temporary data directory, free port,
//! start-up time to the first answered `GET /health`, resident memory from /proc.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// Tokens carry `<public url>/<pool>` as issuer; a fixed public URL keeps them valid across the
/// restart of `--bulk-users` (the port changes).
const PUBLIC_URL: &str = "http://cognate.bench";

pub struct Server {
    child: Child,
    pub pid: u32,
    pub endpoint: String,
    /// Spawn to first answered `GET /health`.
    pub startup: Duration,
}

/// The binary to start: `--server-bin`, else `cognate` next to our own executable (both live in
/// target/release after `cargo build --release`; tests run from target/<profile>/deps).
pub fn default_binary() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("current executable: {e}"))?;
    let mut dir = me.parent().map(Path::to_path_buf).unwrap_or_default();
    for _ in 0..2 {
        let candidate = dir.join("cognate");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = dir.parent().map(Path::to_path_buf).unwrap_or_default();
    }
    Err(format!("no cognate binary next to {} (run `cargo build --release` or pass --server-bin)", me.display()))
}

impl Server {
    /// Starts `bin` on `data_dir`, logging to a new file `log_path`.
    pub async fn start(bin: &Path, data_dir: &Path, log_path: &Path, admin_key: &str, extra: &[String]) -> Result<Server, String> {
        let log = std::fs::File::create(log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let started = Instant::now();
        let child = Command::new(bin)
            .args(["--bind", "127.0.0.1", "--port", "0", "--log", "warn,cognate=info", "--public-url", PUBLIC_URL])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--admin-key")
            .arg(admin_key)
            // The tool measures what a node can do: its request-rate limits (on by default with admin
            // keys) would cap every scenario. An environment variable, because a server too old to
            // know the setting only warns about it, where it would refuse an unknown flag.
            .env("COGNATE_RATE_LIMITS", "false")
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let pid = child.id().ok_or("server exited at once")?;
        let mut server = Server { child, pid, endpoint: String::new(), startup: Duration::ZERO };
        let addr = server.wait_for_addr(log_path, started).await?;
        server.endpoint = format!("http://{addr}");
        server.wait_for_health(&addr, started).await?;
        server.startup = started.elapsed();
        Ok(server)
    }

    /// The log line `cognate listening addr=127.0.0.1:PORT` (tests/clients/python/conftest.py does
    /// the same).
    async fn wait_for_addr(&mut self, log: &Path, started: Instant) -> Result<String, String> {
        while started.elapsed() < Duration::from_secs(60) {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let listening = text.lines().find(|l| l.contains("cognate listening"));
            if let Some(addr) = listening.and_then(|line| line.split_whitespace().find_map(|w| w.strip_prefix("addr="))) {
                return Ok(addr.to_string());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("server exited with {status}; log: {}", log.display()));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Err(format!("server did not log its address within a minute; log: {}", log.display()))
    }

    /// Polls `GET /health` over fresh connections until it answers 200.
    async fn wait_for_health(&mut self, addr: &str, started: Instant) -> Result<(), String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await {
                let request = format!("GET /health HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
                let mut answer = Vec::new();
                if stream.write_all(request.as_bytes()).await.is_ok()
                    && stream.read_to_end(&mut answer).await.is_ok()
                    && answer.starts_with(b"HTTP/1.1 200")
                {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Err("server did not answer GET /health within a minute".into())
    }

    /// VmRSS in KiB (0 if unreadable).
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid)
    }

    /// SIGTERM (graceful: the server finishes in-flight requests and closes the database), then a
    /// kill after ten seconds.
    pub async fn stop(mut self) -> Result<(), String> {
        let pid = libc::pid_t::try_from(self.pid).map_err(|e| e.to_string())?;
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(Ok(_)) => Ok(()),
            _ => {
                let _ = self.child.kill().await;
                Err("server did not stop within ten seconds of SIGTERM; killed".into())
            }
        }
    }
}

pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
