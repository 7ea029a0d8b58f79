//! The conformance suite every store implementation must pass, run against SQLite always and
//! against PostgreSQL where one is available. Each check uses its own pool id, so checks can share a
//! database and run concurrently. Compiled only with the `conformance` feature: the server never
//! links it, this crate's tests turn it on.

mod devices;
mod fixtures;
mod maintenance;
mod schema;
mod schema_checks;

use std::sync::Arc;

use cognate_core::store::*;

use fixtures::{client, code, group, pool, refresh, session, signing_key, unique, user, with_keys};
pub use schema::{PgSchema, Schema, SqliteSchema};
pub use schema_checks::{delete_pool_empties_every_table, shared_statements_prepare};

/// Run every check; panics with the name of the first that fails. `schema` looks at the database
/// under `store` directly, for the checks the storage traits cannot see.
pub async fn run_all(store: Arc<dyn Store>, schema: &dyn Schema) {
    shared_statements_prepare(schema).await;
    pools(&store).await;
    clients(&store).await;
    users_and_keys(&store).await;
    optimistic_updates(&store).await;
    groups(&store).await;
    concurrent_creates_of_one_username(store.clone()).await;
    concurrent_updates_of_one_user(store.clone()).await;
    delete_pool_removes_everything(&store).await;
    delete_pool_empties_every_table(&store, schema).await;
    sign_in_state(store.clone()).await;
    concurrent_code_guesses(store.clone()).await;
    concurrent_session_answers(store.clone()).await;
    concurrent_window_attempts(store.clone()).await;
    deleted_users_and_clients_take_their_state(store.clone()).await;
    devices::device_lifecycle(&store).await;
    devices::list_devices(&store).await;
    devices::devices_go_with_their_user_and_pool(&store).await;
    devices::refresh_tokens_keep_their_device(&store).await;
    // Last: the purge is global and deletes the earlier checks' expired rows too.
    maintenance::purge_expired(&store).await;
}

pub async fn pools(store: &Arc<dyn Store>) {
    let id = unique("pools");
    store.create_pool(&pool(&id)).await.expect("create pool");
    assert!(matches!(store.create_pool(&pool(&id)).await, Err(StoreError::Conflict(_))), "duplicate pool id must conflict");
    let mut p = store.get_pool(&id).await.expect("get").expect("pool exists");
    assert_eq!(p.version, 1);
    p.name = "renamed".into();
    p.version = 2;
    store.update_pool(&p).await.expect("update");
    assert_eq!(store.get_pool(&id).await.expect("get").map(|p| p.name), Some("renamed".to_string()));
    assert!(matches!(store.update_pool(&p).await, Err(StoreError::Stale)), "stale version must be refused");
    let page = store.list_pools(None, 100_000).await.expect("list");
    assert!(page.items.iter().any(|p| p.id == id));
}

pub async fn clients(store: &Arc<dyn Store>) {
    let pid = unique("clients");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    for i in 0..3 {
        store.create_client(&client(&pid, &format!("{pid}-c{i}"))).await.expect("create client");
    }
    let first = store.list_clients(&pid, None, 2).await.expect("list");
    assert_eq!(first.items.len(), 2);
    let rest = store.list_clients(&pid, first.next.as_deref(), 2).await.expect("list page 2");
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next.is_none());
    assert!(store.delete_client(&format!("{pid}-c0")).await.expect("delete"));
    assert!(store.get_client(&format!("{pid}-c0")).await.expect("get").is_none());
}

pub async fn users_and_keys(store: &Arc<dyn Store>) {
    let pid = unique("users");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    let mut alice = with_keys(user(&pid, "alice"));
    alice.keys.push(UserKey::alias("email", "a@example.com"));
    store.create_user(&alice).await.expect("create alice");
    let found = store.find_user(&pid, &UserKey::alias("email", "a@example.com")).await.expect("find").expect("by alias");
    assert_eq!(found.username, "alice");
    assert_eq!(store.find_user(&pid, &UserKey::sub(&alice.sub)).await.expect("find").map(|u| u.username), Some("alice".into()));

    // A second user cannot take alice's alias; nothing of the failed create remains.
    let mut bob = with_keys(user(&pid, "bob"));
    bob.keys.push(UserKey::alias("email", "a@example.com"));
    match store.create_user(&bob).await {
        Err(StoreError::Conflict(k)) => assert_eq!(k, UserKey::alias("email", "a@example.com")),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(store.find_user(&pid, &UserKey::username("bob")).await.expect("find").is_none());
    assert!(store.find_user(&pid, &UserKey::sub(&bob.sub)).await.expect("find").is_none(), "failed create left a key behind");

    // Moving the alias: alice drops it, bob can take it.
    alice.keys.retain(|k| !k.starts_with("a:"));
    alice.version = 2;
    store.update_user(&alice).await.expect("update alice");
    store.create_user(&bob).await.expect("bob takes the freed alias");

    let page = store.list_users(&pid, None, 10).await.expect("list");
    assert_eq!(page.items.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), vec!["alice", "bob"]);
    assert_eq!(store.count_users(&pid).await.expect("count"), 2);
    assert!(store.delete_user(&pid, "alice").await.expect("delete"));
    assert!(!store.delete_user(&pid, "alice").await.expect("delete again"));
    assert!(store.find_user(&pid, &UserKey::sub(&alice.sub)).await.expect("find").is_none(), "keys must go with the user");
}

pub async fn optimistic_updates(store: &Arc<dyn Store>) {
    let pid = unique("optimistic");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    let u = with_keys(user(&pid, "carol"));
    store.create_user(&u).await.expect("create");
    let mut a = u.clone();
    a.version = 2;
    a.data.enabled = false;
    store.update_user(&a).await.expect("first writer wins");
    let mut b = u.clone();
    b.version = 2;
    assert!(matches!(store.update_user(&b).await, Err(StoreError::Stale)), "second writer with the old version must be refused");
    let mut gone = user(&pid, "nobody");
    gone.version = 2;
    assert!(matches!(store.update_user(&gone).await, Err(StoreError::NotFound)));
    let stored = store.find_user(&pid, &UserKey::username("carol")).await.expect("find").expect("exists");
    assert!(!stored.data.enabled);
}

pub async fn groups(store: &Arc<dyn Store>) {
    let pid = unique("groups");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    let g = |name: &str| group(&pid, name);
    store.create_group(&g("admins")).await.expect("create group");
    store.create_group(&g("users")).await.expect("create group");
    assert!(matches!(store.create_group(&g("admins")).await, Err(StoreError::Conflict(_))));
    let dave = with_keys(user(&pid, "dave"));
    store.create_user(&dave).await.expect("create user");
    store.add_member(&pid, "admins", "dave").await.expect("add");
    store.add_member(&pid, "admins", "dave").await.expect("add is idempotent");
    store.add_member(&pid, "users", "dave").await.expect("add");
    let groups = store.groups_of_user(&pid, "dave", None, 10).await.expect("groups of user");
    assert_eq!(groups.items.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), vec!["admins", "users"]);
    let members = store.users_in_group(&pid, "admins", None, 10).await.expect("members");
    assert_eq!(members.items.len(), 1);
    store.remove_member(&pid, "admins", "dave").await.expect("remove");
    assert!(store.users_in_group(&pid, "admins", None, 10).await.expect("members").items.is_empty());
    assert!(store.delete_group(&pid, "users").await.expect("delete group"));
    assert!(store.groups_of_user(&pid, "dave", None, 10).await.expect("groups").items.is_empty());
}

/// Ten concurrent creates of one username: exactly one succeeds, nine conflict.
pub async fn concurrent_creates_of_one_username(store: Arc<dyn Store>) {
    let pid = unique("race");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let u = with_keys(user(&pid, "erin"));
        tasks.push(tokio::spawn(async move { store.create_user(&u).await }));
    }
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 9));
}

/// Ten concurrent read-modify-writes of one user, each retrying on `Stale`: none is lost.
pub async fn concurrent_updates_of_one_user(store: Arc<dyn Store>) {
    let pid = unique("updates");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    store.create_user(&with_keys(user(&pid, "frank"))).await.expect("create");
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        let pid = pid.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let mut u = store.find_user(&pid, &UserKey::username("frank")).await.expect("find").expect("exists");
                u.data.attributes.push((format!("custom:n{i}"), "x".into()));
                u.version += 1;
                match store.update_user(&u).await {
                    Ok(()) => return,
                    Err(StoreError::Stale) => continue,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let u = store.find_user(&pid, &UserKey::username("frank")).await.expect("find").expect("exists");
    assert_eq!(u.data.attributes.len(), 10, "an update was lost");
    assert_eq!(u.version, 11);
}

pub async fn delete_pool_removes_everything(store: &Arc<dyn Store>) {
    let pid = unique("delete");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    let u = with_keys(user(&pid, "gina"));
    store.create_user(&u).await.expect("create user");
    assert!(store.delete_pool(&pid).await.expect("delete"));
    assert!(store.get_pool(&pid).await.expect("get").is_none());
    assert!(store.find_user(&pid, &UserKey::sub(&u.sub)).await.expect("find").is_none());
    assert_eq!(store.count_users(&pid).await.expect("count"), 0);
    assert!(!store.delete_pool(&pid).await.expect("delete again"));
}

/// Sign-in state: keys are claimed once, sessions and codes are consumed once, refresh families revoke together.
pub async fn sign_in_state(store: Arc<dyn Store>) {
    let pid = unique("signin");
    let key = |kid: &str| signing_key(&pid, kid);
    let first = store.add_signing_key_if_absent(&key("k1")).await.expect("add key");
    let second = store.add_signing_key_if_absent(&key("k2")).await.expect("add key again");
    assert_eq!((first.kid.as_str(), second.kid.as_str()), ("k1", "k1"), "the first key stored wins");
    assert_eq!(store.signing_keys(&pid).await.expect("keys").len(), 1);

    let session = session(&pid, &unique("sess"));
    store.put_session(&session).await.expect("put session");
    assert_eq!(store.claim_session_attempt(&session.id_hash, 3).await.expect("claim"), Some(1));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let id = session.id_hash.clone();
        tasks.push(tokio::spawn(async move { store.consume_session(&id).await.expect("consume") }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.expect("task") as usize;
    }
    assert_eq!(wins, 1, "a session is consumed exactly once");
    let stored = store.get_session(&session.id_hash).await.expect("get").expect("exists");
    assert!(stored.used && stored.failures == 1 && stored.state == session.state);
    assert_eq!(store.purge_expired(11, 0, 100).await.expect("purge").sessions, 1);

    let code = code(&pid, "h1");
    store.put_code(&code).await.expect("put code");
    store.put_code(&CodeRecord { code_hash: "h2".into(), ..code.clone() }).await.expect("replace code");
    assert_eq!(store.claim_code_attempt(&pid, "u", "signup", 5).await.expect("claim").map(|c| c.failures), Some(1));
    assert!(!store.consume_code(&pid, "u", "signup", "h1").await.expect("old code"), "a replaced code is gone");
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let pid = pid.clone();
        tasks.push(tokio::spawn(async move { store.consume_code(&pid, "u", "signup", "h2").await.expect("consume") }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.expect("task") as usize;
    }
    assert_eq!(wins, 1, "a code is consumed exactly once");
    assert!(store.get_code(&pid, "u", "signup").await.expect("get").is_none());

    let refresh = |id: &str, origin: &str| refresh(&pid, &format!("{pid}-{id}"), origin);
    for (id, origin) in [("a", "o1"), ("b", "o1"), ("c", "o2")] {
        store.put_refresh(&refresh(id, origin)).await.expect("put refresh");
    }
    store.revoke_refresh_family(&pid, "o1").await.expect("revoke family");
    let revoked = |id: &str| {
        let store = store.clone();
        let id = format!("{pid}-{id}");
        async move { store.get_refresh(&id).await.expect("get").map(|r| r.revoked) }
    };
    assert_eq!((revoked("a").await, revoked("b").await, revoked("c").await), (Some(true), Some(true), Some(false)));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let id = format!("{pid}-c");
        tasks.push(tokio::spawn(async move { store.mark_refresh_replaced(&id, 5).await.expect("rotate") }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.expect("task") as usize;
    }
    assert_eq!(wins, 1, "a refresh token is rotated exactly once");
    store.revoke_user_refresh(&pid, "u").await.expect("revoke user");
    assert_eq!(revoked("c").await, Some(true));
}

/// Spawn `n` copies of `task` at once and collect their answers.
async fn burst<T: Send + 'static, Fut: std::future::Future<Output = T> + Send + 'static>(n: usize, task: impl Fn(usize) -> Fut) -> Vec<T> {
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(task(i))).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

/// Ten wrong guesses and the right one at once, with a limit of five: exactly five claims to
/// compare are granted; the right guess gets through only if it holds one of them, and once the
/// five are spent nothing more is granted, the right guess included.
pub async fn concurrent_code_guesses(store: Arc<dyn Store>) {
    let pid = unique("guesses");
    store.put_code(&code(&pid, "right")).await.expect("put code");
    let outcomes = burst(11, |i| {
        let (store, pid) = (store.clone(), pid.clone());
        async move {
            let claimed = store.claim_code_attempt(&pid, "u", "signup", 5).await.expect("claim");
            // The right guess, once compared, uses the code up (what core does after a match).
            let used = match &claimed {
                Some(c) if i == 10 => store.consume_code(&pid, "u", "signup", &c.code_hash).await.expect("consume"),
                _ => false,
            };
            (claimed.is_some(), used)
        }
    })
    .await;
    assert_eq!(outcomes.iter().filter(|(claimed, _)| *claimed).count(), 5, "exactly the limit's worth of comparisons");
    let right_got_through = outcomes[10].1;
    assert_eq!(outcomes[10].0, right_got_through, "a granted right guess uses the code");
    if !right_got_through {
        let stored = store.get_code(&pid, "u", "signup").await.expect("get").expect("code still there");
        assert_eq!(stored.failures, 5);
        assert!(store.claim_code_attempt(&pid, "u", "signup", 5).await.expect("claim").is_none(), "nothing past the limit");
    }
    assert!(store.claim_code_attempt(&pid, "nobody", "signup", 5).await.expect("claim").is_none(), "no code, no claim");
}

/// Ten answers at once to a session allowing three: three are granted (counts 1, 2, 3); a used
/// session grants none.
pub async fn concurrent_session_answers(store: Arc<dyn Store>) {
    let pid = unique("answers");
    let s = session(&pid, &unique("sess"));
    store.put_session(&s).await.expect("put session");
    let granted = burst(10, |_| {
        let (store, id) = (store.clone(), s.id_hash.clone());
        async move { store.claim_session_attempt(&id, 3).await.expect("claim") }
    })
    .await;
    let mut counts: Vec<i64> = granted.into_iter().flatten().collect();
    counts.sort();
    assert_eq!(counts, vec![1, 2, 3]);
    let fresh = session(&pid, &unique("sess"));
    store.put_session(&fresh).await.expect("put session");
    assert!(store.consume_session(&fresh.id_hash).await.expect("consume"));
    assert_eq!(store.claim_session_attempt(&fresh.id_hash, 3).await.expect("claim"), None, "a used session");
    assert_eq!(store.claim_session_attempt("no-such-session", 3).await.expect("claim"), None);
}

/// Ten attempts at once in a window allowing four: four are counted. The window is full until it
/// is over, then starts again; clearing it starts it again at once; keys do not share windows.
pub async fn concurrent_window_attempts(store: Arc<dyn Store>) {
    let pid = unique("window");
    let key = |user: &str, purpose: &str| AttemptKey { pool_id: pid.clone(), username_key: user.into(), purpose: purpose.into() };
    let at = |now_ms: i64| AttemptWindow { now_ms, length_ms: 100, limit: 4 };
    let counted = burst(10, |_| {
        let (store, k) = (store.clone(), key("u", "forgot_password"));
        async move { store.claim_window_attempt(&k, &at(1_000)).await.expect("claim") }
    })
    .await;
    assert_eq!(counted.iter().filter(|c| **c).count(), 4);
    assert!(!store.claim_window_attempt(&key("u", "forgot_password"), &at(1_099)).await.expect("claim"), "still full");
    assert!(store.claim_window_attempt(&key("u", "signup"), &at(1_099)).await.expect("claim"), "another purpose");
    assert!(store.claim_window_attempt(&key("v", "forgot_password"), &at(1_099)).await.expect("claim"), "another user");
    let unlimited = AttemptWindow { limit: i64::MAX, ..at(1_099) };
    assert!(store.claim_window_attempt(&key("u", "forgot_password"), &unlimited).await.expect("claim"), "counted without a limit");
    // Over: a new window with this attempt as its first.
    for _ in 0..4 {
        assert!(store.claim_window_attempt(&key("u", "forgot_password"), &at(1_100)).await.expect("claim"));
    }
    assert!(!store.claim_window_attempt(&key("u", "forgot_password"), &at(1_150)).await.expect("claim"));
    store.clear_window(&key("u", "forgot_password")).await.expect("clear");
    assert!(store.claim_window_attempt(&key("u", "forgot_password"), &at(1_150)).await.expect("claim"), "cleared");
}

/// Deleting a user takes its attempt windows; deleting an app client takes its refresh tokens.
pub async fn deleted_users_and_clients_take_their_state(store: Arc<dyn Store>) {
    let pid = unique("gone");
    store.create_pool(&pool(&pid)).await.expect("create pool");
    store.create_user(&with_keys(user(&pid, "u"))).await.expect("create user");
    let k = AttemptKey { pool_id: pid.clone(), username_key: "u".into(), purpose: "signup".into() };
    let w = AttemptWindow { now_ms: 1, length_ms: 100, limit: 1 };
    assert!(store.claim_window_attempt(&k, &w).await.expect("claim"));
    assert!(!store.claim_window_attempt(&k, &w).await.expect("claim"), "full");
    assert!(store.delete_user(&pid, "u").await.expect("delete user"));
    assert!(store.claim_window_attempt(&k, &w).await.expect("claim"), "the window went with the user");

    let client_id = format!("{pid}-client");
    store.create_client(&client(&pid, &client_id)).await.expect("create client");
    let token = RefreshRecord { client_id: client_id.clone(), ..refresh(&pid, &format!("{pid}-r"), "o") };
    let other = refresh(&pid, &format!("{pid}-other"), "o");
    store.put_refresh(&token).await.expect("put refresh");
    store.put_refresh(&other).await.expect("put refresh");
    assert!(store.delete_client(&client_id).await.expect("delete client"));
    assert!(store.get_refresh(&token.id_hash).await.expect("get").is_none(), "the client's refresh tokens went with it");
    assert!(store.get_refresh(&other.id_hash).await.expect("get").is_some(), "another client's stayed");
    assert!(store.get_client_shared(&client_id).await.expect("get").is_none());
}
