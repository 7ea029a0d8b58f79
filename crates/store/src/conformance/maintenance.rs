//! The janitor's purge: expired sign-in state and old messages go, live ones stay, and no call
//! deletes more than its batch. The purge is global (by age, every pool), so the check looks only
//! at its own pool's rows, at times no other check uses.

use std::sync::Arc;

use cognate_core::store::*;

use super::fixtures::{code, confirmed_device, device, message, refresh, session, unique};

/// Far beyond the fixtures' times, so that the other checks' rows are all "expired" here.
const T: i64 = 4_000_000_000_000;

pub async fn purge_expired(store: &Arc<dyn Store>) {
    let pid = unique("purge");
    let expired = AuthSession { expires_ms: T - 1, ..session(&pid, &unique("old-session")) };
    let live = AuthSession { expires_ms: T + 60_000, ..session(&pid, &unique("live-session")) };
    store.put_session(&expired).await.expect("session");
    store.put_session(&live).await.expect("session");
    let old_code = CodeRecord { expires_ms: T - 1, purpose: "signup".into(), ..code(&pid, "old") };
    let live_code = CodeRecord { expires_ms: T + 60_000, purpose: "forgot_password".into(), ..code(&pid, "live") };
    store.put_code(&old_code).await.expect("code");
    store.put_code(&live_code).await.expect("code");
    let old_token = RefreshRecord { expires_ms: T - 1, ..refresh(&pid, &unique("old-refresh"), "o1") };
    let live_token = RefreshRecord { expires_ms: T + 60_000, ..refresh(&pid, &unique("live-refresh"), "o2") };
    store.put_refresh(&old_token).await.expect("refresh");
    store.put_refresh(&live_token).await.expect("refresh");
    store.append_message(&OutboxMessage { created_ms: T - 10, ..message(&pid, &unique("old-message"), "u") }).await.expect("message");
    store.append_message(&OutboxMessage { created_ms: T, ..message(&pid, &unique("new-message"), "u") }).await.expect("message");

    let window = |purpose: &str| AttemptKey { pool_id: pid.clone(), username_key: "u".into(), purpose: purpose.into() };
    let old_window = AttemptWindow { now_ms: T - 10, length_ms: 3_600_000, limit: 1 };
    let live_window = AttemptWindow { now_ms: T + 10, length_ms: 3_600_000, limit: 1 };
    assert!(store.claim_window_attempt(&window("old"), &old_window).await.expect("claim"));
    assert!(store.claim_window_attempt(&window("live"), &live_window).await.expect("claim"));

    // Devices are purged by their creation: the unconfirmed ones issued before the cut-off only.
    let old_issued = device(&pid, "u", "old-issued", T - 1);
    let old_confirmed = confirmed_device(&pid, "u", "old-confirmed", T - 1);
    let new_issued = device(&pid, "u", "new-issued", T);
    for d in [&old_issued, &old_confirmed, &new_issued] {
        store.create_device(d).await.expect("create device");
    }

    // A batch of one deletes at most one row of each kind.
    let one = store.purge_expired(T, T - 5, 1).await.expect("purge");
    assert!(
        one.sessions <= 1 && one.codes <= 1 && one.refresh_tokens <= 1 && one.windows <= 1 && one.messages <= 1 && one.devices <= 1,
        "batch exceeded: {one:?}"
    );
    // Then until nothing expired is left.
    while store.purge_expired(T, T - 5, 1000).await.expect("purge").any_full(1000) {}

    assert!(store.get_session(&expired.id_hash).await.expect("get").is_none(), "an expired session is purged");
    assert!(store.get_session(&live.id_hash).await.expect("get").is_some(), "a live session stays");
    assert!(store.get_code(&pid, "u", "signup").await.expect("get").is_none(), "an expired code is purged");
    assert!(store.get_code(&pid, "u", "forgot_password").await.expect("get").is_some(), "a live code stays");
    assert!(store.get_refresh(&old_token.id_hash).await.expect("get").is_none(), "an expired refresh token is purged");
    assert!(store.get_refresh(&live_token.id_hash).await.expect("get").is_some(), "a live refresh token stays");
    // A purged window starts again: the claim at its limit is granted once more; a live one is not.
    assert!(store.claim_window_attempt(&window("old"), &old_window).await.expect("claim"), "an old window is purged");
    assert!(!store.claim_window_attempt(&window("live"), &live_window).await.expect("claim"), "a live window stays");
    assert!(store.get_device(&pid, &old_issued.device_key).await.expect("get").is_none(), "an old unconfirmed device is purged");
    assert!(store.get_device(&pid, &old_confirmed.device_key).await.expect("get").is_some(), "a confirmed device stays");
    assert!(store.get_device(&pid, &new_issued.device_key).await.expect("get").is_some(), "a device issued after the cut-off stays");
    let left: Vec<i64> = store.list_messages(&pid, None, 10).await.expect("list").iter().map(|m| m.created_ms).collect();
    assert_eq!(left, vec![T], "messages older than the cut-off are purged, newer ones stay");
}
