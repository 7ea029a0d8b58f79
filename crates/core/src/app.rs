//! The composition root: configuration, the store, the clock and the message sender, passed to
//! every operation.

use std::sync::Arc;

use cognate_crypto::envelope::Kek;

use crate::clock::Clock;
use crate::delivery::Sender;
use crate::errors::{OrInternal, unexpected_conflict};
use crate::store::{PoolRecord, Store};
use crate::tokens::{KeyCache, VerifiedCache};
use crate::{ApiError, ApiResult, api_error, modify};

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Region used for new pool ids when a request carries no SigV4 scope.
    pub default_region: String,
    /// Account id shown in ARNs.
    pub account_id: String,
    /// Public base URL of this service (no trailing slash); token issuers are `<base>/<poolId>`.
    pub public_url: String,
    /// Issue tokens with the AWS issuer `https://cognito-idp.<region>.amazonaws.com/<poolId>` instead,
    /// for applications that hard-code that form.
    pub aws_issuer: bool,
    /// Origins allowed in passkey ceremonies; empty means the default of `passkeys::origin_allowed`.
    pub webauthn_origins: Vec<String>,
    /// Encrypts the private signing keys the store keeps (`tokens::keys`); none: stored in the clear.
    pub signing_key_kek: Option<Arc<Kek>>,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            default_region: "us-east-1".into(),
            account_id: "000000000000".into(),
            public_url: "http://127.0.0.1:9229".into(),
            aws_issuer: false,
            webauthn_origins: Vec::new(),
            signing_key_kek: None,
        }
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: CoreConfig,
    pub delivery: Arc<dyn Sender>,
    /// Signing keys by pool (immutable once stored, so caching them is safe).
    pub(crate) keys: KeyCache,
    /// Access tokens whose signature was already verified, by their exact bytes.
    pub(crate) verified: VerifiedCache,
    /// The deployment's decoy secret, once read from the store (`crate::decoys`).
    pub(crate) decoy_secret: tokio::sync::OnceCell<[u8; 32]>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: CoreConfig, delivery: Arc<dyn Sender>) -> Self {
        App {
            store,
            clock,
            config,
            delivery,
            keys: KeyCache::default(),
            verified: VerifiedCache::default(),
            decoy_secret: Default::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// `iss` of the pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> String {
        if self.config.aws_issuer {
            format!("https://cognito-idp.{}.amazonaws.com/{pool_id}", crate::ids::pool_region(pool_id))
        } else {
            format!("{}/{pool_id}", self.config.public_url.trim_end_matches('/'))
        }
    }

    /// The pool, or the real service's `ResourceNotFoundException`.
    pub async fn pool(&self, pool_id: &str) -> ApiResult<PoolRecord> {
        self.store.get_pool(pool_id).await.or_internal()?.ok_or_else(|| pool_not_found(pool_id))
    }

    /// Read-modify-write of a pool ([`modify::retrying`]); `change` may run more than once.
    pub async fn modify_pool(&self, pool_id: &str, mut change: impl FnMut(&mut PoolRecord) -> ApiResult<()>) -> ApiResult<PoolRecord> {
        let errors =
            modify::Errors { kind: "user pool", not_found: &|| pool_not_found(pool_id), conflict: &|key| unexpected_conflict(key) };
        let change = |pool: &mut PoolRecord| {
            change(pool)?;
            pool.modified_ms = self.now_ms();
            pool.version += 1;
            Ok(())
        };
        let save = |pool: PoolRecord| async move {
            let written = self.store.update_pool(&pool).await;
            (pool, written)
        };
        modify::retrying(&errors, || self.pool(pool_id), change, save).await
    }
}

fn pool_not_found(pool_id: &str) -> ApiError {
    api_error!(ResourceNotFoundException, "User pool {pool_id} does not exist.")
}
