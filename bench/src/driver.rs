//! Drives one scenario for a fixed time: `concurrency` tasks, each looping over iterations, each
//! with its own latency histogram (merged at the end) and error counts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::report::ScenarioReport;
use crate::scenarios::{Ctx, Scenario, once};

/// Latencies are recorded in microseconds, up to one minute, 3 significant digits.
fn histogram() -> Histogram<u64> {
    // Constant, valid bounds: this cannot fail.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: BTreeMap<String, u64>,
    first_messages: BTreeMap<String, String>,
}

pub async fn drive(ctx: Arc<Ctx>, scenario: Scenario, concurrency: usize, duration: Duration) -> ScenarioReport {
    let next = Arc::new(AtomicUsize::new(0));
    let started = tokio::time::Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (ctx, next) = (ctx.clone(), next.clone());
        tasks.spawn(async move {
            let mut latencies = histogram();
            let mut tally = Tally::default();
            let mut conn = None;
            while tokio::time::Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((latency, outcome)) = once(&ctx, scenario, n, deadline, &mut conn).await else { break };
                match outcome {
                    Ok(()) => {
                        tally.ok += 1;
                        latencies.saturating_record(latency.as_micros().try_into().unwrap_or(u64::MAX));
                    }
                    Err(failure) => {
                        *tally.errors.entry(failure.kind.clone()).or_default() += 1;
                        tally.first_messages.entry(failure.kind).or_insert(failure.message);
                    }
                }
            }
            (latencies, tally)
        });
    }
    let mut latencies = histogram();
    let mut total = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((h, t)) => {
                let _ = latencies.add(&h);
                total.ok += t.ok;
                for (kind, count) in t.errors {
                    *total.errors.entry(kind).or_default() += count;
                }
                for (kind, message) in t.first_messages {
                    total.first_messages.entry(kind).or_insert(message);
                }
            }
            Err(e) => *total.errors.entry(format!("bench task failed: {e}")).or_default() += 1,
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let ms = |q: f64| if latencies.is_empty() { 0.0 } else { latencies.value_at_quantile(q) as f64 / 1000.0 };
    ScenarioReport {
        scenario: scenario.name().to_string(),
        unit: scenario.unit().to_string(),
        concurrency,
        seconds,
        ok: total.ok,
        rate: total.ok as f64 / seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: if latencies.is_empty() { 0.0 } else { latencies.max() as f64 / 1000.0 },
        errors: total.errors,
        error_examples: total.first_messages,
        note: None,
    }
}
