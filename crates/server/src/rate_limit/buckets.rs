//! Token buckets by key, in shards so that concurrent requests rarely share a lock. A bucket holds
//! up to one second of its rate and refills continuously. The map is bounded: when a shard is
//! full, buckets that have refilled completely (nobody used them for a second) are dropped, since a
//! fresh bucket is the same thing; a shard full of busy buckets refuses new keys — a flood of
//! source addresses cannot grow memory without end.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;
use std::time::Instant;

const SHARDS: usize = 32;
/// Keys per shard before idle buckets are dropped (about 64k buckets, a few MiB in all).
const KEYS_PER_SHARD: usize = 2048;

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct Buckets<K> {
    shards: Vec<Mutex<HashMap<K, Bucket>>>,
    hasher: RandomState,
}

impl<K: Hash + Eq + Clone> Default for Buckets<K> {
    fn default() -> Self {
        Buckets { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(), hasher: RandomState::new() }
    }
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    /// Takes one token from `key`'s bucket (of `rate` per second) if there is one.
    pub fn take(&self, key: &K, rate: f64, now: Instant) -> bool {
        let shard = &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS];
        let mut map = shard.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(key) && map.len() >= KEYS_PER_SHARD {
            map.retain(|_, b| refilled(b, rate, now) < rate);
            if map.len() >= KEYS_PER_SHARD {
                return false;
            }
        }
        let bucket = map.entry(key.clone()).or_insert(Bucket { tokens: rate, at: now });
        bucket.tokens = refilled(bucket, rate, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn refilled(b: &Bucket, rate: f64, now: Instant) -> f64 {
    (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate).min(rate)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_second_of_burst_then_the_rate() {
        let b = Buckets::default();
        let t0 = Instant::now();
        let taken = (0..20).filter(|_| b.take(&"k", 10.0, t0)).count();
        assert_eq!(taken, 10, "a full bucket holds one second of the rate");
        assert!(!b.take(&"k", 10.0, t0));
        assert!(b.take(&"k", 10.0, t0 + Duration::from_millis(100)), "a tenth of a second refills one token");
        assert!(!b.take(&"k", 10.0, t0 + Duration::from_millis(100)));
        assert!(b.take(&"other", 10.0, t0), "keys are independent");
    }

    #[test]
    fn idle_buckets_make_room_and_busy_ones_do_not() {
        let b = Buckets::default();
        let t0 = Instant::now();
        // Fill every shard with drained buckets.
        for i in 0..SHARDS * KEYS_PER_SHARD * 2 {
            while b.take(&i, 1.0, t0) {}
        }
        let refused = (0..1000u64).map(|i| u64::MAX - i).filter(|k| !b.take(&(*k as usize), 1.0, t0)).count();
        assert!(refused > 0, "with every shard full of busy buckets, new keys are refused");
        // A second later they have all refilled: new keys fit again.
        assert!(b.take(&usize::MAX, 1.0, t0 + Duration::from_secs(2)));
    }
}
