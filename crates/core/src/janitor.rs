//! The janitor: deletes what can no longer be used — expired challenge sessions, one-time codes and
//! refresh tokens, and development-outbox messages older than their retention — so that nothing a
//! client can create grows without bound. The server runs [`sweep`] on a timer; every node may,
//! since deleting the same expired rows twice is harmless.

use crate::App;
use crate::store::{Purged, StoreResult};

/// How long expired sign-in state is kept: for a day a late answer still gets the precise refusal
/// (ExpiredCodeException, "session is expired", "Refresh Token has expired") rather than the one
/// for something that never existed.
pub const EXPIRED_KEPT_MS: i64 = 24 * 3_600_000;
/// Rows of each kind deleted per store call: a sweep never holds the database for long.
pub const BATCH: u32 = 1000;
/// Batches per sweep; what is left waits for the next sweep.
const MAX_BATCHES: u32 = 100;

/// One sweep: batches until nothing expired is left (or [`MAX_BATCHES`] were deleted).
pub async fn sweep(app: &App, outbox_retention_ms: i64) -> StoreResult<Purged> {
    let now = app.now_ms();
    let (expired_before, messages_before) = (now.saturating_sub(EXPIRED_KEPT_MS), now.saturating_sub(outbox_retention_ms));
    let mut total = Purged::default();
    for _ in 0..MAX_BATCHES {
        let batch = app.store.purge_expired(expired_before, messages_before, BATCH).await?;
        total.sessions += batch.sessions;
        total.codes += batch.codes;
        total.refresh_tokens += batch.refresh_tokens;
        total.windows += batch.windows;
        total.messages += batch.messages;
        total.devices += batch.devices;
        if !batch.any_full(BATCH) {
            break;
        }
    }
    Ok(total)
}
