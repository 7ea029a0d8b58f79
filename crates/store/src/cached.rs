//! A read-through cache of pools, app clients and users in front of a store that this process
//! alone writes.
//!
//! Why: every token-authorized request reads its pool, its app client and its user; answering those
//! from memory instead of the database is most of what separates ~10k from ~50k requests per
//! second. Why it is safe only for a store no other process writes: the cache learns about changes
//! from the writes that pass through it. The server wraps the SQLite store (whose data directory it
//! locks for itself) and never the PostgreSQL one, which other nodes share.
//!
//! Coherence without holding a lock across the database call. A write marks its key *pending*
//! before it reaches the database and settles it after the database answered, under a sequence
//! number taken then. A write stores its value in the cache only when no other write to that key
//! overlapped it; otherwise the order in which overlapping writes committed is unknown here, so the
//! entry is left empty and the next read goes to the database. A reader notes the counter *before*
//! it reads the database, and stores what it read only if no write to that key is pending or was
//! settled after that point: otherwise its value may be older than the write. Entries evicted to
//! bound memory leave their highest sequence number behind in the shard, with the same effect;
//! pending entries are never evicted.
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
    /// Sequence number of the last write through the cache settled on this key (0: none seen).
    written: u64,
    /// Writes to this key that have started and not yet settled.
    pending: u32,
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

    /// The cached value. While a write is pending this may be the value before it: the write is
    /// not acknowledged to its caller until it settles, so the old value is still a correct answer.
    fn get(&self, key: &K) -> Option<Arc<V>> {
        self.shard(key).map.get(key).and_then(|e| e.value.clone())
    }

    /// Store what a reader found, unless a write to `key` is pending or settled after `read_from`.
    fn fill(&self, key: K, value: Arc<V>, read_from: u64) {
        let mut shard = self.shard(&key);
        let newer_write = match shard.map.get(&key) {
            Some(e) => e.pending > 0 || e.written > read_from,
            None => shard.evicted > read_from,
        };
        if newer_write {
            return;
        }
        let written = shard.map.get(&key).map_or(0, |e| e.written);
        Self::make_room(&mut shard, self.per_shard);
        shard.map.insert(key, Entry { value: Some(value), written, pending: 0 });
    }

    /// Mark a write to `key` as started, before it reaches the database.
    fn begin(&self, key: &K) {
        let mut shard = self.shard(key);
        if let Some(e) = shard.map.get_mut(key) {
            e.pending += 1;
        } else {
            Self::make_room(&mut shard, self.per_shard);
            let written = shard.evicted;
            shard.map.insert(key.clone(), Entry { value: None, written, pending: 1 });
        }
    }

    /// Settle a write begun at `started` once the database answered: `value` is the record now
    /// stored, or `None` when the key is gone or its state is unknown (a failed write). The value is
    /// kept only if no other write to the key overlapped this one.
    fn settle(&self, key: K, value: Option<Arc<V>>, started: u64, seq: u64) {
        let mut shard = self.shard(&key);
        match shard.map.get_mut(&key) {
            Some(e) => {
                e.pending = e.pending.saturating_sub(1);
                let alone = e.pending == 0 && e.written <= started;
                e.value = if alone { value } else { None };
                e.written = e.written.max(seq);
            }
            // Only `forget_where` removes pending entries' values, never the entries; be safe anyway.
            None => {
                shard.map.insert(key, Entry { value: None, written: seq, pending: 0 });
            }
        }
    }

    /// Forget every value `drop` selects, as if written at `seq`.
    fn forget_where(&self, seq: u64, drop: impl Fn(&K) -> bool) {
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            // Entries with writes in flight stay (emptied) so those writes still settle against them.
            shard.map.retain(|k, e| {
                if !drop(k) {
                    return true;
                }
                e.value = None;
                e.written = e.written.max(seq);
                e.pending > 0
            });
            shard.evicted = shard.evicted.max(seq);
        }
    }

    /// Evict arbitrary settled entries when full. Hash-map order is effectively random, which is a
    /// fair enough policy for a cache sized to hold the active users.
    fn make_room(shard: &mut Shard<K, V>, limit: usize) {
        if shard.map.len() < limit {
            return;
        }
        let victims: Vec<K> = shard.map.iter().filter(|(_, e)| e.pending == 0).map(|(k, _)| k.clone()).take((limit / 8).max(1)).collect();
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
    pub clients: usize,
}

impl Default for CacheLimits {
    /// 100,000 users is a few tens of MiB; enough for the users active in any hour of a small
    /// deployment, and bounded when the directory holds millions.
    fn default() -> Self {
        CacheLimits { users: 100_000, pools: 10_000, clients: 10_000 }
    }
}

/// `inner` with pools, app clients and users (by username key) cached. See the module documentation
/// for when this is correct.
pub struct CachedStore<S> {
    inner: S,
    seq: AtomicU64,
    users: Table<(String, String), UserRecord>,
    pools: Table<String, PoolRecord>,
    clients: Table<String, ClientRecord>,
}

impl<S: Store> CachedStore<S> {
    pub fn new(inner: S, limits: CacheLimits) -> Self {
        CachedStore {
            inner,
            seq: AtomicU64::new(0),
            users: Table::new(limits.users),
            pools: Table::new(limits.pools),
            clients: Table::new(limits.clients),
        }
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

    /// Run `write` against the database with `key` marked pending in `table`, then settle it with
    /// the value `stored` derives from the database's answer.
    async fn write<K, V, T, F>(
        &self,
        table: &Table<K, V>,
        key: K,
        write: F,
        stored: impl FnOnce(&StoreResult<T>) -> Option<Arc<V>>,
    ) -> StoreResult<T>
    where
        K: Hash + Eq + Clone,
        F: std::future::Future<Output = StoreResult<T>>,
    {
        let started = self.read_point();
        table.begin(&key);
        let r = write.await;
        let seq = self.next_seq();
        table.settle(key, stored(&r), started, seq);
        r
    }
}

fn user_key(user: &UserRecord) -> (String, String) {
    (user.pool_id.clone(), user.username_key.clone())
}

/// The username key inside a `UserKey::username` lookup key.
fn username_of(key: &str) -> Option<&str> {
    key.strip_prefix("u:")
}

#[async_trait]
impl<S: Store> PoolStore for CachedStore<S> {
    async fn create_pool(&self, pool: &PoolRecord) -> StoreResult<()> {
        let stored = |r: &StoreResult<()>| r.is_ok().then(|| Arc::new(pool.clone()));
        self.write(&self.pools, pool.id.clone(), self.inner.create_pool(pool), stored).await
    }

    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>> {
        Ok(self.get_pool_shared(id).await?.map(|p| (*p).clone()))
    }

    async fn get_pool_shared(&self, id: &str) -> StoreResult<Option<Arc<PoolRecord>>> {
        let key = id.to_string();
        if let Some(p) = self.pools.get(&key) {
            return Ok(Some(p));
        }
        let from = self.read_point();
        let found = self.inner.get_pool(id).await?.map(Arc::new);
        if let Some(p) = &found {
            self.pools.fill(key, p.clone(), from);
        }
        Ok(found)
    }

    async fn update_pool(&self, pool: &PoolRecord) -> StoreResult<()> {
        let stored = |r: &StoreResult<()>| r.is_ok().then(|| Arc::new(pool.clone()));
        self.write(&self.pools, pool.id.clone(), self.inner.update_pool(pool), stored).await
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>> {
        self.inner.list_pools(after, limit).await
    }

    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        let r = self.write(&self.pools, id.to_string(), self.inner.delete_pool(id), |_| None).await;
        // User writes racing the delete are pending in their own table and settle to empty entries.
        let seq = self.next_seq();
        self.users.forget_where(seq, |(pool_id, _)| pool_id == id);
        // Clients are keyed by id alone; forgetting them all costs a few reads after a rare call.
        self.clients.forget_where(seq, |_| true);
        r
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        self.inner.count_users(pool_id).await
    }
}

#[async_trait]
impl<S: Store> UserStore for CachedStore<S> {
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()> {
        // A conflict leaves the existing user as it was; the entry is emptied all the same, which
        // only costs the next read a trip to the database.
        let stored = |r: &StoreResult<()>| r.is_ok().then(|| Arc::new(user.clone()));
        self.write(&self.users, user_key(user), self.inner.create_user(user), stored).await
    }

    async fn find_user(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>> {
        Ok(self.find_user_shared(pool_id, key).await?.map(|u| (*u).clone()))
    }

    async fn find_user_shared(&self, pool_id: &str, key: &str) -> StoreResult<Option<Arc<UserRecord>>> {
        let Some(username_key) = username_of(key) else { return Ok(self.inner.find_user(pool_id, key).await?.map(Arc::new)) };
        let cache_key = (pool_id.to_string(), username_key.to_string());
        if let Some(u) = self.users.get(&cache_key) {
            return Ok(Some(u));
        }
        let from = self.read_point();
        let found = self.inner.find_user(pool_id, key).await?.map(Arc::new);
        // Only a user found under its own username key belongs in that entry.
        if let Some(u) = found.as_ref().filter(|u| u.username_key == username_key) {
            self.users.fill(cache_key, u.clone(), from);
        }
        Ok(found)
    }

    async fn update_user(&self, user: &UserRecord) -> StoreResult<()> {
        let stored = |r: &StoreResult<()>| r.is_ok().then(|| Arc::new(user.clone()));
        self.write(&self.users, user_key(user), self.inner.update_user(user), stored).await
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
        let key = (pool_id.to_string(), username_key.to_string());
        self.write(&self.users, key, self.inner.delete_user(pool_id, username_key), |_| None).await
    }

    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>> {
        self.inner.list_users(pool_id, after, limit).await
    }
}

#[async_trait]
impl<S: Store> ClientStore for CachedStore<S> {
    async fn create_client(&self, client: &ClientRecord) -> StoreResult<()> {
        let stored = |r: &StoreResult<()>| r.is_ok().then(|| Arc::new(client.clone()));
        self.write(&self.clients, client.client_id.clone(), self.inner.create_client(client), stored).await
    }
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        Ok(self.get_client_shared(client_id).await?.map(|c| (*c).clone()))
    }
    async fn get_client_shared(&self, client_id: &str) -> StoreResult<Option<Arc<ClientRecord>>> {
        let key = client_id.to_string();
        if let Some(c) = self.clients.get(&key) {
            return Ok(Some(c));
        }
        let from = self.read_point();
        let found = self.inner.get_client(client_id).await?.map(Arc::new);
        if let Some(c) = &found {
            self.clients.fill(key, c.clone(), from);
        }
        Ok(found)
    }
    async fn update_client(&self, client: &ClientRecord) -> StoreResult<()> {
        let stored = |r: &StoreResult<()>| r.is_ok().then(|| Arc::new(client.clone()));
        self.write(&self.clients, client.client_id.clone(), self.inner.update_client(client), stored).await
    }
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>> {
        self.inner.list_clients(pool_id, after, limit).await
    }
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        self.write(&self.clients, client_id.to_string(), self.inner.delete_client(client_id), |_| None).await
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
    async fn claim_session_attempt(&self, id_hash: &str, limit: i64) -> StoreResult<Option<i64>> {
        self.inner.claim_session_attempt(id_hash, limit).await
    }
}

#[async_trait]
impl<S: Store> MaintenanceStore for CachedStore<S> {
    /// Only sign-in state, unconfirmed devices and messages are purged, none of which the cache holds.
    async fn purge_expired(&self, expired_before_ms: i64, messages_before_ms: i64, limit: u32) -> StoreResult<Purged> {
        self.inner.purge_expired(expired_before_ms, messages_before_ms, limit).await
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
    async fn claim_code_attempt(&self, pool_id: &str, username_key: &str, purpose: &str, limit: i64) -> StoreResult<Option<CodeRecord>> {
        self.inner.claim_code_attempt(pool_id, username_key, purpose, limit).await
    }
    async fn claim_window_attempt(&self, key: &AttemptKey, window: &AttemptWindow) -> StoreResult<bool> {
        self.inner.claim_window_attempt(key, window).await
    }
    async fn clear_window(&self, key: &AttemptKey) -> StoreResult<()> {
        self.inner.clear_window(key).await
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

/// Not cached: a device is read once per sign-in on it, and by the device operations.
#[async_trait]
impl<S: Store> DeviceStore for CachedStore<S> {
    async fn create_device(&self, device: &DeviceRecord) -> StoreResult<()> {
        self.inner.create_device(device).await
    }
    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<DeviceRecord>> {
        self.inner.get_device(pool_id, device_key).await
    }
    async fn update_device(&self, device: &DeviceRecord) -> StoreResult<()> {
        self.inner.update_device(device).await
    }
    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool> {
        self.inner.delete_device(pool_id, device_key).await
    }
    async fn list_devices(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<DeviceRecord>> {
        self.inner.list_devices(pool_id, username_key, after, limit).await
    }
}

#[async_trait]
impl<S: Store> HealthStore for CachedStore<S> {
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    async fn close(&self) {
        self.inner.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole write (begin at `started`, settle at `seq`) with nothing overlapping it.
    fn write_alone(t: &Table<String, i32>, k: &str, v: Option<i32>, started: u64, seq: u64) {
        t.begin(&k.to_string());
        t.settle(k.to_string(), v.map(Arc::new), started, seq);
    }

    #[test]
    fn a_read_that_started_before_a_write_is_not_cached() {
        let t: Table<String, i32> = Table::new(100);
        let from = 0;
        // The write lands (seq 1) while the read of the old value is in flight.
        write_alone(&t, "k", Some(2), 0, 1);
        t.fill("k".into(), Arc::new(1), from);
        assert_eq!(t.get(&"k".to_string()).as_deref(), Some(&2));
    }

    #[test]
    fn a_read_during_a_pending_write_is_not_cached() {
        let t: Table<String, i32> = Table::new(100);
        t.begin(&"k".to_string());
        t.fill("k".into(), Arc::new(1), 0);
        assert_eq!(t.get(&"k".to_string()), None);
    }

    #[test]
    fn a_read_after_a_write_is_cached() {
        let t: Table<String, i32> = Table::new(100);
        write_alone(&t, "k", None, 0, 1);
        t.fill("k".into(), Arc::new(3), 1);
        assert_eq!(t.get(&"k".to_string()).as_deref(), Some(&3));
    }

    /// The lost update CI caught: write A commits, B reads A's value from the database, commits and
    /// settles, then A settles late. A's older value must not replace B's.
    #[test]
    fn overlapping_writes_leave_the_entry_empty() {
        let t: Table<String, i32> = Table::new(100);
        let k = "k".to_string();
        t.begin(&k); // A
        t.begin(&k); // B
        t.settle(k.clone(), Some(Arc::new(3)), 0, 1); // B first
        t.settle(k.clone(), Some(Arc::new(2)), 0, 2); // A late
        assert_eq!(t.get(&k), None);
        // Nor may a read that began while they were in flight fill it.
        t.fill(k.clone(), Arc::new(2), 0);
        assert_eq!(t.get(&k), None);
        // A read after both settled may.
        t.fill(k.clone(), Arc::new(3), 2);
        assert_eq!(t.get(&k).as_deref(), Some(&3));
    }

    #[test]
    fn a_write_that_began_after_another_settled_keeps_its_value() {
        let t: Table<String, i32> = Table::new(100);
        write_alone(&t, "k", Some(1), 0, 1);
        write_alone(&t, "k", Some(2), 1, 2);
        assert_eq!(t.get(&"k".to_string()).as_deref(), Some(&2));
    }

    #[test]
    fn forgetting_keeps_pending_entries_so_their_writes_settle_empty() {
        let t: Table<String, i32> = Table::new(100);
        let k = "k".to_string();
        t.begin(&k);
        t.forget_where(1, |_| true);
        t.settle(k.clone(), Some(Arc::new(5)), 0, 2);
        assert_eq!(t.get(&k), None);
    }

    #[test]
    fn eviction_keeps_the_rule_for_evicted_keys() {
        let t: Table<u32, u32> = Table::new(SHARDS);
        for k in 0..(SHARDS as u32 * 8) {
            t.begin(&k);
            t.settle(k, Some(Arc::new(k)), 9, 10);
        }
        // Some keys were evicted after being written at 10: a read begun at 5 must not fill them.
        let evicted: Vec<u32> = (0..(SHARDS as u32 * 8)).filter(|k| t.get(k).is_none()).collect();
        assert!(!evicted.is_empty());
        for k in evicted {
            t.fill(k, Arc::new(0), 5);
            assert!(t.get(&k).is_none());
        }
    }

    #[test]
    fn pending_entries_are_not_evicted() {
        let t: Table<u32, u32> = Table::new(SHARDS);
        for k in 0..(SHARDS as u32 * 8) {
            t.begin(&k);
        }
        for k in 0..(SHARDS as u32 * 8) {
            t.settle(k, Some(Arc::new(k)), 0, 1);
            assert_eq!(t.get(&k).as_deref(), Some(&k));
        }
    }
}
