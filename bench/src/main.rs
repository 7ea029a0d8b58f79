use clap::Parser;
use cognate_bench::{Options, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = Options::parse();
    let report = match run(&options).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cognate-bench: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    if let Some(path) = &options.json {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = std::fs::write(path, json + "\n") {
            eprintln!("cognate-bench: {}: {e}", path.display());
            return std::process::ExitCode::from(2);
        }
    }
    // Errors are figures, not a failure of the tool; but say so in the exit status for scripts.
    if report.total_errors() > 0 { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS }
}
