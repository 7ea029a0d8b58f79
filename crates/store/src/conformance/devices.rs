//! Remembered devices: a device key is created once, updated only from the version read, listed
//! (confirmed ones only, oldest first) a page at a time, and goes with its user and its pool. A
//! refresh token keeps the device it was issued on.

use std::sync::Arc;

use cognate_core::store::*;

use super::fixtures::{confirmed_device, device, pool, refresh, unique, user, with_keys};

/// Create, read, update from a stale version or after a delete, delete; a key is created once.
pub async fn device_lifecycle(store: &Arc<dyn Store>) {
    let pid = unique("devices");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    let issued = device(&pid, "u", "a", 10);
    store.create_device(&issued).await.expect("create device");
    match store.create_device(&issued).await {
        Err(StoreError::Conflict(key)) => assert_eq!(key, issued.device_key),
        other => panic!("a device key created twice must conflict, got {other:?}"),
    }
    assert_eq!(store.get_device(&pid, &issued.device_key).await.expect("get"), Some(issued.clone()));
    assert_eq!(store.get_device(&unique("other"), &issued.device_key).await.expect("get"), None, "a device is found in its pool only");

    // ConfirmDevice: every field of the document is written and read back.
    let data = DeviceData {
        group_key: issued.data.group_key.clone(),
        remembered: true,
        name: Some("Mozilla/5.0 (X11; Linux x86_64)".into()),
        salt: Some("9f0c".into()),
        verifier: Some("a1".repeat(384)),
        modified_ms: 20,
        last_authenticated_ms: Some(30),
        last_ip: Some("192.0.2.1".into()),
        mfa_passed: true,
        pending: Some(PendingDeviceAuth { client_id: "client".into(), id: "pending-1".into(), expires_ms: 40, mfa_answered: true }),
    };
    let confirmed = DeviceRecord { confirmed: true, data, version: 2, ..issued.clone() };
    store.update_device(&confirmed).await.expect("first writer wins");
    assert_eq!(store.get_device(&pid, &issued.device_key).await.expect("get"), Some(confirmed.clone()));
    let late = DeviceRecord { data: DeviceData { remembered: false, ..confirmed.data.clone() }, ..confirmed.clone() };
    assert!(matches!(store.update_device(&late).await, Err(StoreError::Stale)), "an update from a stale version must be refused");
    let elsewhere = DeviceRecord { pool_id: unique("other"), version: 3, ..confirmed.clone() };
    assert!(matches!(store.update_device(&elsewhere).await, Err(StoreError::NotFound)), "a device is updated in its pool only");
    assert!(store.get_device(&pid, &issued.device_key).await.expect("get").is_some_and(|d| d.data.remembered), "a refused update wrote");

    assert!(!store.delete_device(&unique("other"), &issued.device_key).await.expect("delete elsewhere"));
    assert!(store.delete_device(&pid, &issued.device_key).await.expect("delete"));
    assert!(!store.delete_device(&pid, &issued.device_key).await.expect("delete again"));
    assert_eq!(store.get_device(&pid, &issued.device_key).await.expect("get"), None);
    let after_delete = DeviceRecord { version: 3, ..confirmed };
    assert!(matches!(store.update_device(&after_delete).await, Err(StoreError::NotFound)), "an update of a deleted device");
}

/// A user's confirmed devices, oldest first and by key among devices of the same time, in pages
/// that continue where the last one ended; none of another user's or another pool's.
pub async fn list_devices(store: &Arc<dyn Store>) {
    let pid = unique("listdev");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    // Created out of order; b and c share a time, so only the key orders them.
    for d in [
        confirmed_device(&pid, "u", "d", 30),
        confirmed_device(&pid, "u", "c", 20),
        confirmed_device(&pid, "u", "a", 10),
        confirmed_device(&pid, "u", "b", 20),
        device(&pid, "u", "unconfirmed", 15),
        confirmed_device(&pid, "v", "of-v", 5),
    ] {
        store.create_device(&d).await.expect("create device");
    }
    let other_pid = unique("listdev");
    store.create_device(&confirmed_device(&other_pid, "u", "same-user-other-pool", 1)).await.expect("create device");
    let keys = |page: &Page<DeviceRecord>| page.items.iter().map(|d| d.device_key.trim_start_matches(&pid).to_string()).collect::<Vec<_>>();

    let whole = store.list_devices(&pid, "u", None, 60).await.expect("list");
    assert_eq!(keys(&whole), ["_a", "_b", "_c", "_d"], "confirmed devices only, oldest first, then by key");
    assert!(whole.next.is_none(), "everything fit in one page");

    // Pages of two: the first ends between b and c, which share a time.
    let first = store.list_devices(&pid, "u", None, 2).await.expect("page 1");
    assert_eq!(keys(&first), ["_a", "_b"]);
    let second = store.list_devices(&pid, "u", first.next.as_deref(), 2).await.expect("page 2");
    assert_eq!(keys(&second), ["_c", "_d"]);
    assert!(second.next.is_none(), "no page after the last");

    // Pages of one walk through all of them.
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = store.list_devices(&pid, "u", after.as_deref(), 1).await.expect("page");
        assert!(page.items.len() <= 1);
        seen.extend(keys(&page));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["_a", "_b", "_c", "_d"]);

    assert_eq!(keys(&store.list_devices(&pid, "v", None, 60).await.expect("list")), ["_of-v"], "per user");
    let other_pool = store.list_devices(&other_pid, "u", None, 60).await.expect("list");
    assert_eq!(other_pool.items.len(), 1, "per pool");
    assert!(store.list_devices(&pid, "nobody", None, 60).await.expect("list").items.is_empty());

    // A cursor this store did not write lists nothing (device_cursor.rs says why), and never panics.
    for bad in ["garbage", "", ".", "x.y", "99999999999999999999.k", "5.\u{0}", "5.a b"] {
        let page = store.list_devices(&pid, "u", Some(bad), 60).await.expect("list with a malformed cursor");
        assert!(page.items.is_empty() && page.next.is_none(), "{bad:?} listed {:?}", keys(&page));
    }
}

/// Deleting a user takes its devices and no one else's; deleting the pool takes the rest.
pub async fn devices_go_with_their_user_and_pool(store: &Arc<dyn Store>) {
    let pid = unique("devgone");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    for name in ["u", "v"] {
        store.create_user(&with_keys(user(&pid, name))).await.expect("create user");
    }
    let (u_confirmed, u_issued, v_device) =
        (confirmed_device(&pid, "u", "u1", 1), device(&pid, "u", "u2", 2), confirmed_device(&pid, "v", "v1", 3));
    for d in [&u_confirmed, &u_issued, &v_device] {
        store.create_device(d).await.expect("create device");
    }
    assert!(store.delete_user(&pid, "u").await.expect("delete user"));
    for d in [&u_confirmed, &u_issued] {
        assert_eq!(store.get_device(&pid, &d.device_key).await.expect("get"), None, "a device outlived its user");
    }
    assert!(store.get_device(&pid, &v_device.device_key).await.expect("get").is_some(), "another user's device went too");
    // A user created again under the same name starts with no devices.
    store.create_user(&with_keys(user(&pid, "u"))).await.expect("create user again");
    assert!(store.list_devices(&pid, "u", None, 60).await.expect("list").items.is_empty());

    assert!(store.delete_pool(&pid).await.expect("delete pool"));
    assert_eq!(store.get_device(&pid, &v_device.device_key).await.expect("get"), None, "a device outlived its pool");
}

/// A refresh token's device key is stored as given, absent or present.
pub async fn refresh_tokens_keep_their_device(store: &Arc<dyn Store>) {
    let pid = unique("refreshdev");
    let without = refresh(&pid, &unique("refresh"), "o1");
    let with = RefreshRecord { device_key: Some(format!("{pid}_device")), ..refresh(&pid, &unique("refresh"), "o2") };
    for token in [&without, &with] {
        store.put_refresh(token).await.expect("put refresh");
        assert_eq!(store.get_refresh(&token.id_hash).await.expect("get").as_ref(), Some(token));
    }
}
