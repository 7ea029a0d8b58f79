//! Storage traits, shaped by the domain rather than by tables. Two implementations (SQLite and
//! PostgreSQL, in the `cognate-store` crate) pass one conformance suite.
//!
//! Everything another node must see at once is a single atomic call here: a conditional update on a
//! record's `version`, a unique key claimed in the same transaction as the user it points to. No
//! process memory is the source of truth.

mod auth;
mod challenge_state;
mod devices;
mod maintenance;
mod outbox;
mod records;

pub use auth::*;
pub use challenge_state::*;
pub use devices::*;
pub use maintenance::*;
pub use outbox::*;
pub use records::*;

use std::sync::Arc;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken: the value is the key that collided (see [`UserRecord::keys`]).
    #[error("conflict on {0}")]
    Conflict(String),
    /// The record changed since it was read (optimistic concurrency); re-read and retry.
    #[error("record changed concurrently")]
    Stale,
    #[error("not found")]
    NotFound,
    /// The database is busy or unreachable; the request may be retried.
    #[error("store busy: {0}")]
    Busy(String),
    #[error("store backend error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page of a listing and the key to continue after, if there is more.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[async_trait]
pub trait PoolStore: Send + Sync {
    async fn create_pool(&self, pool: &PoolRecord) -> StoreResult<()>;
    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>>;
    /// [`Self::get_pool`] for a reader that does not change the record: a cache answers with the
    /// record it holds instead of a copy (a pool record is large; copying it was a tenth of a
    /// token-authorized read).
    async fn get_pool_shared(&self, id: &str) -> StoreResult<Option<Arc<PoolRecord>>> {
        Ok(self.get_pool(id).await?.map(Arc::new))
    }
    /// Write `pool` if its stored version is still `pool.version - 1`.
    async fn update_pool(&self, pool: &PoolRecord) -> StoreResult<()>;
    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRecord>>;
    /// Delete the pool and everything in it (clients, users, groups, ...). False if it did not exist.
    async fn delete_pool(&self, id: &str) -> StoreResult<bool>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn create_client(&self, client: &ClientRecord) -> StoreResult<()>;
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>>;
    /// [`Self::get_client`] without a copy of a cached record (see [`PoolStore::get_pool_shared`]):
    /// the access-token check reads the token's app client on every request.
    async fn get_client_shared(&self, client_id: &str) -> StoreResult<Option<Arc<ClientRecord>>> {
        Ok(self.get_client(client_id).await?.map(Arc::new))
    }
    async fn update_client(&self, client: &ClientRecord) -> StoreResult<()>;
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<ClientRecord>>;
    /// Delete the app client and, in the same transaction, its refresh tokens. False if it did not
    /// exist.
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Insert a user and claim all of its keys atomically; `Conflict(key)` names the key taken.
    async fn create_user(&self, user: &UserRecord) -> StoreResult<()>;
    /// Find a user by one of its keys (`UserRecord::keys`): username, sub, or a sign-in alias.
    async fn find_user(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>>;
    /// [`Self::find_user`] without a copy of a cached record (see [`PoolStore::get_pool_shared`]).
    async fn find_user_shared(&self, pool_id: &str, key: &str) -> StoreResult<Option<Arc<UserRecord>>> {
        Ok(self.find_user(pool_id, key).await?.map(Arc::new))
    }
    /// Write `user` if the stored version is still `user.version - 1`, re-claiming its keys
    /// (`Stale` if it changed, `Conflict(key)` if a new key is taken by another user).
    async fn update_user(&self, user: &UserRecord) -> StoreResult<()>;
    /// Delete the user, its keys and group memberships. False if it did not exist.
    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool>;
    /// Users ordered by `username_key`, starting after `after`.
    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>>;
}

#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn create_group(&self, group: &GroupRecord) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>>;
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>>;
    /// Delete the group and its memberships. False if it did not exist.
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Idempotent.
    async fn add_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()>;
    /// Idempotent.
    async fn remove_member(&self, pool_id: &str, group: &str, username_key: &str) -> StoreResult<()>;
    async fn groups_of_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<GroupRecord>>;
    async fn users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<UserRecord>>;
}

#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Whether the database answers a trivial query (readiness).
    async fn ping(&self) -> StoreResult<()>;
    /// On shutdown, after the last request: finish queued writes and close the database (SQLite
    /// then copies its WAL back into the database file and removes it). Later calls fail.
    async fn close(&self) {}
}

/// Everything Cognate keeps.
pub trait Store:
    PoolStore
    + ClientStore
    + UserStore
    + GroupStore
    + OutboxStore
    + KeyStore
    + SessionStore
    + CodeStore
    + RefreshStore
    + DeviceStore
    + MaintenanceStore
    + HealthStore
{
}

impl<T> Store for T where
    T: PoolStore
        + ClientStore
        + UserStore
        + GroupStore
        + OutboxStore
        + KeyStore
        + SessionStore
        + CodeStore
        + RefreshStore
        + DeviceStore
        + MaintenanceStore
        + HealthStore
{
}
