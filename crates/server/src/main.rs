use clap::Parser;
use cognate::config::{Config, Settings, unknown_env_vars};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc malloc: allocation and freeing were about a sixth of the server's CPU on
/// a token-authorized read. Built without transparent huge pages (they doubled idle memory); see
/// [`return_freed_memory_periodically`]. docs/performance.md has the resident-memory figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc returns freed pages to the system lazily: when a later allocation or free passes by
/// after its purge delay. Memory freed just before a quiet spell (a password hashing thread giving
/// back its 19 MiB argon2 block after 30 idle seconds, `cognate_core::hashing`) would stay
/// resident for good. A small thread asks for a full collection every 10 seconds, which
/// purges whatever has been free for longer than the delay. (A purge delay of 0 instead cost a
/// quarter of the write throughput: pages freed and needed again a moment later went back and
/// forth to the kernel.)
fn return_freed_memory_periodically() {
    let spawned = std::thread::Builder::new().name("mem-collect".into()).spawn(|| {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(10));
            // SAFETY: mi_collect only releases memory mimalloc holds and nobody uses.
            unsafe { libmimalloc_sys::mi_collect(true) }
        }
    });
    if let Err(e) = spawned {
        eprintln!("cognate: cannot start the memory collection thread: {e}");
    }
}

fn main() -> std::process::ExitCode {
    return_freed_memory_periodically();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("cognate: cannot start the runtime: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run() -> std::process::ExitCode {
    let config = match Config::load(Settings::parse()) {
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
