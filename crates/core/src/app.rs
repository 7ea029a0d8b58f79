//! The composition root: configuration, the store, the clock and the message sender, passed to
//! every operation.

use std::sync::Arc;

use crate::clock::Clock;
use crate::delivery::Sender;
use crate::store::{PoolRecord, Store, StoreError};
use crate::{ApiError, ApiResult, api_error};

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Region used for new pool ids when a request carries no SigV4 scope.
    pub default_region: String,
    /// Account id shown in ARNs.
    pub account_id: String,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            default_region: "us-east-1".into(),
            account_id: "000000000000".into(),
        }
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: CoreConfig,
    /// Verification codes, MFA codes and invitations go out here (usually a
    /// [`crate::delivery::Delivery`]).
    pub delivery: Arc<dyn Sender>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: CoreConfig,
        delivery: Arc<dyn Sender>,
    ) -> Self {
        App {
            store,
            clock,
            config,
            delivery,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The pool, or the real service's `ResourceNotFoundException`.
    pub async fn pool(&self, pool_id: &str) -> ApiResult<PoolRecord> {
        self.store
            .get_pool(pool_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| {
                api_error!(
                    ResourceNotFoundException,
                    "User pool {pool_id} does not exist."
                )
            })
    }
}

/// A store failure the client must not see the details of: logged with its cause, answered with
/// `InternalErrorException`. Expected conflicts are mapped explicitly where they can occur.
pub fn internal(err: StoreError) -> ApiError {
    tracing::error!(error = %err, "store error");
    ApiError::internal()
}
