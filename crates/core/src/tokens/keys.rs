//! Per-pool RS256 signing keys: created on first use, kept in the store so every node signs and
//! verifies with the same keys, cached in memory because a stored key never changes. With a
//! key-encryption key configured (`CoreConfig::signing_key_kek`), the private keys are stored
//! sealed under it (`cognate_crypto::envelope`), bound to their pool, purpose and kid; keys stored
//! before it was configured stay readable in the clear.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cognate_crypto::envelope;
use cognate_crypto::jwt::{PublicKey, SigningKey};
use serde_json::Value;

use crate::errors::{OrInternal, unexpected_error};
use crate::store::SigningKeyRecord;
use crate::{ApiError, ApiResult, App};

pub const ACCESS: &str = "access";
pub const ID: &str = "id";

pub struct PoolKeys {
    pub access: SigningKey,
    pub id: SigningKey,
}

impl PoolKeys {
    pub fn public(&self, kid: &str) -> Option<&PublicKey> {
        [&self.access, &self.id].into_iter().find(|k| k.kid() == kid).map(|k| k.public_key())
    }

    /// The JWKS document: the ID-token key and the access-token key, as on AWS.
    pub fn jwks(&self) -> Value {
        serde_json::json!({ "keys": [self.id.jwk(), self.access.jwk()] })
    }
}

#[derive(Default)]
pub struct KeyCache(RwLock<HashMap<String, Arc<PoolKeys>>>);

#[track_caller]
fn key_error(e: impl std::fmt::Display) -> ApiError {
    unexpected_error("signing key unusable", &e)
}

impl App {
    /// The pool's signing keys, creating them if the pool has none yet.
    pub async fn pool_keys(&self, pool_id: &str) -> ApiResult<Arc<PoolKeys>> {
        if let Ok(cache) = self.keys.0.read()
            && let Some(k) = cache.get(pool_id)
        {
            return Ok(k.clone());
        }
        let mut stored = self.store.signing_keys(pool_id).await.or_internal()?;
        for purpose in [ACCESS, ID] {
            if !stored.iter().any(|k| k.purpose == purpose) {
                let key = tokio::task::spawn_blocking(SigningKey::generate).await.map_err(key_error)?.map_err(key_error)?;
                let private_der = match &self.config.signing_key_kek {
                    Some(kek) => kek.seal(place(pool_id, purpose, key.kid()).as_bytes(), key.private_der()).map_err(key_error)?,
                    None => key.private_der().to_vec(),
                };
                let record = SigningKeyRecord {
                    pool_id: pool_id.to_string(),
                    purpose: purpose.to_string(),
                    kid: key.kid().to_string(),
                    private_der,
                    created_ms: self.now_ms(),
                };
                // Another node may have stored one first: use whichever the store kept.
                stored.push(self.store.add_signing_key_if_absent(&record).await.or_internal()?);
            }
        }
        let load = |purpose: &str| -> ApiResult<SigningKey> {
            let r = stored.iter().find(|k| k.purpose == purpose).ok_or_else(ApiError::internal)?;
            self.open_stored_key(r)
        };
        let keys = Arc::new(PoolKeys { access: load(ACCESS)?, id: load(ID)? });
        if let Ok(mut cache) = self.keys.0.write() {
            cache.insert(pool_id.to_string(), keys.clone());
        }
        Ok(keys)
    }

    /// A stored key, opened. One that cannot be opened (sealed under another key-encryption key, or
    /// with none configured) is a fault to fix, never a reason to mint a new one.
    fn open_stored_key(&self, r: &SigningKeyRecord) -> ApiResult<SigningKey> {
        let der = match (&self.config.signing_key_kek, envelope::is_sealed(&r.private_der)) {
            (Some(kek), true) => kek.open(place(&r.pool_id, &r.purpose, &r.kid).as_bytes(), &r.private_der).map_err(key_error)?,
            (None, true) => return Err(key_error("the signing keys are sealed, and no key-encryption key is configured")),
            (_, false) => r.private_der.clone(),
        };
        SigningKey::from_stored(&r.kid, &der).map_err(key_error)
    }

    /// Open the stored signing keys of up to `pools` pools (creating none): the server checks at
    /// start-up that it can read what it will sign with.
    pub async fn check_stored_keys(&self, pools: usize) -> ApiResult<()> {
        for pool in self.store.list_pools(None, pools).await.or_internal()?.items {
            for record in self.store.signing_keys(&pool.id).await.or_internal()? {
                self.open_stored_key(&record)?;
            }
        }
        Ok(())
    }

    /// Forget a deleted pool's keys.
    pub fn forget_pool_keys(&self, pool_id: &str) {
        if let Ok(mut cache) = self.keys.0.write() {
            cache.remove(pool_id);
        }
    }
}

/// What a sealed key is bound to: its pool, purpose and kid.
fn place(pool_id: &str, purpose: &str, kid: &str) -> String {
    format!("cognate signing key/{pool_id}/{purpose}/{kid}")
}
