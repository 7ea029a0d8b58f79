use clap::Parser;
use cognate::config::{Config, Flags, unknown_env_vars};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc malloc: allocation and freeing were about a sixth of the server's CPU on
/// a token-authorized read. Built without transparent huge pages (they doubled idle memory); see
/// [`return_freed_memory_at_once`]. docs/performance.md has the resident-memory figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc gives freed pages back to the system only when a later allocation or free comes by
/// after its purge delay (10 ms by default). A thread that frees memory and then goes quiet, like
/// a password hashing thread releasing its 19 MiB argon2 block when idle
/// (`cognate_core::hashing`), would keep that memory resident for good. With no delay, freed pages
/// are returned when they are freed.
fn return_freed_memory_at_once() {
    /// `mi_option_purge_delay` in mimalloc.h (its 16th option in v2 and v3 alike), which
    /// libmimalloc-sys does not name.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one of mimalloc's global tuning options; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

fn main() -> std::process::ExitCode {
    return_freed_memory_at_once();
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
