//! A read-through cache of pools and users in front of a store that this process alone writes.
//!
//! Why: every token-authorized request reads its pool and its user; answering those from memory
//! instead of the database is most of what separates ~10k from ~50k requests per second. Why it is
//! safe only for a store no other process writes: the cache learns about changes from the writes
//! that pass through it. The server wraps the SQLite store (whose data directory it locks for
//! itself) and never the PostgreSQL one, which other nodes share.
//!
//! Coherence without holding a lock across the database call. Every write that passes through takes
//! a sequence number from one counter *after* the database acknowledged it, and records it on the
//! entry it replaced. A reader notes the counter *before* it reads the database, and stores what it
//! read only if no write to that key was recorded after that point: otherwise its value may be older
//! than the write, and it is dropped (the next read goes to the database). Entries evicted to bound
//! memory leave their highest sequence number behind in the shard, with the same effect.
//!
//! Only users looked up by username key (what access tokens name) are cached; lookups by `sub` or
//! by alias go to the database, so aliases that change never need invalidating here.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cognate_core::store::*;

/// Shards keep lock contention low with many concurrent requests on few cores.
const SHARDS: usize = 64;

struct Entry<V> {
    value: Option<Arc<V>>,
    /// Sequence number of the last write through the cache to this key (0: none seen).
    written: u64,
}

struct Shard<K, V> {
    map: HashMap<K, Entry<V>>,
    /// The highest `written` of entries evicted from this shard.
    evicted: u64,
}

/// A bounded map of records with the coherence rule described in the module documentation.
struct Table<K, V> {
    shards: Vec<Mutex<Shard<K, V>>>,
    per_shard: usize,
    hasher: RandomState,
}

impl<K: Hash + Eq + Clone, V> Table<K, V> {
    fn new(capacity: usize) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard { map: HashMap::new(), evicted: 0 })).collect();
        Table { shards, per_shard: capacity.div_ceil(SHARDS).max(1), hasher: RandomState::new() }
    }

    fn shard(&self, key: &K) -> std::sync::MutexGuard<'_, Shard<K, V>> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        // A poisoned shard only means another thread panicked while holding it; its map is still valid.
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &K) -> Option<Arc<V>> {
        self.shard(key).map.get(key).and_then(|e| e.value.clone())
    }

    /// Store what a reader found, unless a write to `key` was recorded after `read_from`.
    fn fill(&self, key: K, value: Arc<V>, read_from: u64) {
        let mut shard = self.shard(&key);
        let newer_write = match shard.map.get(&key) {
            Some(e) => e.written > read_from,
            None => shard.evicted > read_from,
        };
        if newer_write {
            return;
        }
        let written = shard.map.get(&key).map_or(0, |e| e.written);
        Self::make_room(&mut shard, self.per_shard);
        shard.map.insert(key, Entry { value: Some(value), written });
    }

    /// Record a write acknowledged by the database: the new value, or `None` when the key is gone or
    /// its state is unknown (a failed write).
    fn written(&self, key: K, value: Option<Arc<V>>, seq: u64) {
        let mut shard = self.shard(&key);
        if !shard.map.contains_key(&key) {
            Self::make_room(&mut shard, self.per_shard);
        }
        shard.map.insert(key, Entry { value, written: seq });
    }

    /// Forget every entry `drop` selects, as if written at `seq`.
    fn forget_where(&self, seq: u64, drop: impl Fn(&K) -> bool) {
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            shard.map.retain(|k, _| !drop(k));
            shard.evicted = shard.evicted.max(seq);
        }
    }

    /// Evict arbitrary entries when full. Hash-map order is effectively random, which is a fair
    /// enough policy for a cache sized to hold the active users.
    fn make_room(shard: &mut Shard<K, V>, limit: usize) {
        if shard.map.len() < limit {
            return;
        }
        let victims: Vec<K> = shard.map.keys().take((limit / 8).max(1)).cloned().collect();
        for k in victims {
            if let Some(e) = shard.map.remove(&k) {
                shard.evicted = shard.evicted.max(e.written);
            }
        }
    }
}

/// How many records the cache holds at most.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    pub users: usize,
    pub pools: usize,
}

impl Default for CacheLimits {
    /// 100,000 users is a few tens of MiB; enough for the users active in any hour of a small
    /// deployment, and bounded when the directory holds millions.
    fn default() -> Self {
        CacheLimits { users: 100_000, pools: 10_000 }
    }
}

/// `inner` with pools and users (by username key) cached. See the module documentation for when
/// this is correct.
pub struct CachedStore<S> {
    inner: S,
    seq: AtomicU64,
    users: Table<(String, String), UserRecord>,
    pools: Table<String, PoolRecord>,
}

impl<S: Store> CachedStore<S> {
    pub fn new(inner: S, limits: CacheLimits) -> Self {
        CachedStore { inner, seq: AtomicU64::new(0), users: Table::new(limits.users), pools: Table::new(limits.pools) }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn read_point(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn user_written(&self, user: &UserRecord, ok: bool) {
        let key = (user.pool_id.clone(), user.username_key.clone());
        let seq = self.next_seq();
        self.users.written(key, ok.then(|| Arc::new(user.clone())), seq);
    }
}

/// The username key inside a `UserKey::username` lookup key.
fn username_of(key: &str) -> Option<&str> {
    key.strip_prefix("u:")
}

#[async_trait]
impl<S: Store> PoolStore for CachedStore<S> {
    async fn create_pool(&self, pool: &PoolRecord) -> StoreResult<()> {
        let r = self.inner.create_pool(pool).await;
        let seq = self.next_seq();
        self.pools.written(pool.id.clone(), r.is_ok().then(|| Arc::new(pool.clone())), seq);
        r
    }

    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>> {
        let key = id.to_string();
        if let Some(p) = self.pools.get(&key) {
            return Ok(Some((*p).clone()));
        }
        let from = self.read_point();
        let found = self.inner.get_pool(id).await?;
        if let Some(p) = &found {
            self.pools.fill(key, Arc::new(p.clone()), from);
        }
        Ok(found)
    }

    async fn update_pool(&self, pool: &PoolRecord) -> StoreResult<()> {
        let r = self.inner.update_pool(pool).await;
        let seq = self.next_seq();
        self.pools.written(pool.id.clone(), r.is_ok().then(|| Arc::new(pool.clone())), seq);
        r
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>> {
        self.inner.list_pools(after, limit).await
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        let r = self.inner.delete_pool(id).await;
        let seq = self.next_seq();
        self.pools.written(id.to_string(), None, seq);
        self.users.forget_where(seq, |(pool_id, _)| pool_id == id);
        r
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        self.inner.count_users(pool_id).await
    }
}

#[async_trait]
impl<S: Store> UserStore for CachedStore<S> {
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()> {
        let r = self.inner.create_user(user).await;
        // A conflict leaves the existing user untouched: nothing to record.
        if !matches!(r, Err(StoreError::Conflict(_))) {
            self.user_written(user, r.is_ok());
        }
        r
    }

    async fn find_user(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>> {
        let Some(username_key) = username_of(key) else { return self.inner.find_user(pool_id, key).await };
        let cache_key = (pool_id.to_string(), username_key.to_string());
        if let Some(u) = self.users.get(&cache_key) {
            return Ok(Some((*u).clone()));
        }
        let from = self.read_point();
        let found = self.inner.find_user(pool_id, key).await?;
        // Only a user found under its own username key belongs in that entry.
        if let Some(u) = found.as_ref().filter(|u| u.username_key == username_key) {
            self.users.fill(cache_key, Arc::new(u.clone()), from);
        }
        Ok(found)
    }

    async fn update_user(&self, user: &UserRecord) -> StoreResult<()> {
        let r = self.inner.update_user(user).await;
        self.user_written(user, r.is_ok());
        r
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
        let r = self.inner.delete_user(pool_id, username_key).await;
        let seq = self.next_seq();
        self.users.written((pool_id.to_string(), username_key.to_string()), None, seq);
        r
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        self.inner.list_users(pool_id, after, limit).await
    }
}

#[async_trait]
impl<S: Store> ClientStore for CachedStore<S> {
    async fn create_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.inner.create_client(client).await
    }
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        self.inner.get_client(client_id).await
    }
    async fn update_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.inner.update_client(client).await
    }
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>> {
        self.inner.list_clients(pool_id, after, limit).await
    }
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        self.inner.delete_client(client_id).await
    }
}

#[async_trait]
impl<S: Store> GroupStore for CachedStore<S> {
    async fn create_group(&self, group: &GroupRecord) -> StoreResult<()> {
        self.inner.create_group(group).await
    }
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>> {
        self.inner.get_group(pool_id, name).await
    }
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        self.inner.list_groups(pool_id, after, limit).await
    }
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.inner.delete_group(pool_id, name).await
    }
    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        self.inner.add_member(pool_id, group, username_key).await
    }
    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()> {
        self.inner.remove_member(pool_id, group, username_key).await
    }
    async fn groups_of_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>> {
        self.inner.groups_of_user(pool_id, username_key, after, limit).await
    }
    async fn users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        self.inner.users_in_group(pool_id, group, after, limit).await
    }
}

#[async_trait]
impl<S: Store> OutboxStore for CachedStore<S> {
    async fn append_message(&self, message: &OutboxMessage) -> StoreResult<()> {
        self.inner.append_message(message).await
    }
    async fn list_messages(&self, pool_id: &str, username: Option<&str>, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        self.inner.list_messages(pool_id, username, limit).await
    }
}

#[async_trait]
impl<S: Store> KeyStore for CachedStore<S> {
    async fn signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
        self.inner.signing_keys(pool_id).await
    }
    async fn add_signing_key_if_absent(&self, key: &SigningKeyRecord) -> StoreResult<SigningKeyRecord> {
        self.inner.add_signing_key_if_absent(key).await
    }
}

#[async_trait]
impl<S: Store> SessionStore for CachedStore<S> {
    async fn put_session(&self, session: &AuthSession) -> StoreResult<()> {
        self.inner.put_session(session).await
    }
    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<AuthSession>> {
        self.inner.get_session(id_hash).await
    }
    async fn consume_session(&self, id_hash: &str) -> StoreResult<bool> {
        self.inner.consume_session(id_hash).await
    }
    async fn count_session_failure(&self, id_hash: &str) -> StoreResult<i64> {
        self.inner.count_session_failure(id_hash).await
    }
    async fn purge_sessions(&self, before_ms: i64) -> StoreResult<u64> {
        self.inner.purge_sessions(before_ms).await
    }
}

#[async_trait]
impl<S: Store> CodeStore for CachedStore<S> {
    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()> {
        self.inner.put_code(code).await
    }
    async fn get_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> StoreResult<Option<CodeRecord>> {
        self.inner.get_code(pool_id, username_key, purpose).await
    }
    async fn consume_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> StoreResult<bool> {
        self.inner.consume_code(pool_id, username_key, purpose, code_hash).await
    }
    async fn count_code_failure(&self, pool_id: &str, username_key: &str, purpose: &str) -> StoreResult<i64> {
        self.inner.count_code_failure(pool_id, username_key, purpose).await
    }
}

#[async_trait]
impl<S: Store> RefreshStore for CachedStore<S> {
    async fn put_refresh(&self, token: &RefreshRecord) -> StoreResult<()> {
        self.inner.put_refresh(token).await
    }
    async fn get_refresh(&self, id_hash: &str) -> StoreResult<Option<RefreshRecord>> {
        self.inner.get_refresh(id_hash).await
    }
    async fn revoke_refresh_family(&self, pool_id: &str, origin_jti: &str) -> StoreResult<()> {
        self.inner.revoke_refresh_family(pool_id, origin_jti).await
    }
    async fn revoke_user_refresh(&self, pool_id: &str, username_key: &str) -> StoreResult<()> {
        self.inner.revoke_user_refresh(pool_id, username_key).await
    }
    async fn mark_refresh_replaced(&self, id_hash: &str, now_ms: i64) -> StoreResult<bool> {
        self.inner.mark_refresh_replaced(id_hash, now_ms).await
    }
}

#[async_trait]
impl<S: Store> HealthStore for CachedStore<S> {
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_started_before_a_write_is_not_cached() {
        let t: Table<String, i32> = Table::new(100);
        let from = 0;
        // The write lands (seq 1) while the read of the old value is in flight.
        t.written("k".into(), Some(Arc::new(2)), 1);
        t.fill("k".into(), Arc::new(1), from);
        assert_eq!(t.get(&"k".to_string()).as_deref(), Some(&2));
    }

    #[test]
    fn a_read_after_a_write_is_cached() {
        let t: Table<String, i32> = Table::new(100);
        t.written("k".into(), None, 1);
        t.fill("k".into(), Arc::new(3), 1);
        assert_eq!(t.get(&"k".to_string()).as_deref(), Some(&3));
    }

    #[test]
    fn eviction_keeps_the_rule_for_evicted_keys() {
        let t: Table<u32, u32> = Table::new(SHARDS);
        for k in 0..(SHARDS as u32 * 8) {
            t.written(k, Some(Arc::new(k)), 10);
        }
        // Some keys were evicted after being written at 10: a read begun at 5 must not fill them.
        let evicted: Vec<u32> = (0..(SHARDS as u32 * 8)).filter(|k| t.get(k).is_none()).collect();
        assert!(!evicted.is_empty());
        for k in evicted {
            t.fill(k, Arc::new(0), 5);
            assert!(t.get(&k).is_none());
        }
    }
}
