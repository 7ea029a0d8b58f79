use clap::Parser;
use cognate::config::{Config, Flags, unknown_env_vars};
use tracing_subscriber::EnvFilter;

/// argon2id allocates 19 MiB per hash. glibc raises its mmap threshold after such a block is freed,
/// so later ones come from per-thread arenas and are never returned to the system: resident memory
/// grew to gigabytes under sign-up load. A fixed threshold keeps every large block an mmap that
/// free() gives back at once.
fn keep_large_allocations_returnable() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn main() -> std::process::ExitCode {
    keep_large_allocations_returnable();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("cognate: cannot start the runtime: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run() -> std::process::ExitCode {
    let config = match Config::load(Flags::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cognate: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    for var in unknown_env_vars() {
        tracing::warn!(variable = %var, "unknown COGNATE_ environment variable ignored");
    }
    let server = match cognate::start(&config).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            return std::process::ExitCode::from(1);
        }
    };
    server.run_until(shutdown_signal()).await;
    tracing::info!("cognate stopped");
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
