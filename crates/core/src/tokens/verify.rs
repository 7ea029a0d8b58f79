//! The access-token check every token-authorized operation runs, in the order and with the
//! messages of the real service (docs/tokens.md, The access-token check).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::issue::ADMIN_SCOPE;
use crate::errors::OrInternal;
use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::users::{self, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, UNCONFIRMED};
use crate::{ApiError, ApiResult, App, api_error};

/// A caller proven by a valid, unrevoked access token.
#[derive(Debug, Clone)]
pub struct TokenUser {
    /// Shared with the store's cache: read-only here; a handler that changes the user or pool
    /// writes a modified copy through the store.
    pub pool: Arc<PoolRecord>,
    pub user: Arc<UserRecord>,
    /// The app client the token was issued to: its ReadAttributes and WriteAttributes bound what
    /// the user reads and writes of themselves.
    pub client: Arc<ClientRecord>,
    pub client_id: String,
    pub origin_jti: String,
    pub iat: i64,
}

/// How strictly the user's state is checked. AssociateSoftwareToken's error list does not include
/// UserNotConfirmedException, so it uses `NoUnconfirmed`; every other token operation is dispatched
/// with `Full`. (The WebAuthn calls' lists lack it too, but a user holding an access token has signed
/// in, so was confirmed, and cannot be unconfirmed again: the difference cannot show.)
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StatusCheck {
    Full,
    NoUnconfirmed,
}

/// Bounded cache of verified signatures, keyed by the exact token bytes. Safe by construction: a
/// token's bytes fix its claims and signature, and expiry, revocation and the user's state are still
/// checked on every request. Hashed with foldhash (randomly seeded per process): SipHash over a
/// kilobyte of token was a visible share of a cached read.
#[derive(Default)]
pub struct VerifiedCache(Mutex<HashMap<String, Arc<Claims>, foldhash::fast::RandomState>>);

const CACHE_LIMIT: usize = 50_000;

/// The claims of a verified access token that the check reads, taken out of the JSON once per
/// token instead of looked up by name on every request.
#[derive(Debug)]
struct Claims {
    is_access: bool,
    /// The pool id at the end of `iss`.
    pool_id: Option<String>,
    exp: Option<i64>,
    iat: Option<i64>,
    username: Option<String>,
    sub: Option<String>,
    origin_jti: String,
    has_admin_scope: bool,
    client_id: String,
}

impl Claims {
    fn from_json(claims: &Value) -> Self {
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let int = |name: &str| claims.get(name).and_then(Value::as_i64);
        Claims {
            is_access: text("token_use") == Some("access"),
            pool_id: text("iss").and_then(pool_of_issuer).map(str::to_string),
            exp: int("exp"),
            iat: int("iat"),
            username: text("username").map(str::to_string),
            sub: text("sub").map(str::to_string),
            origin_jti: text("origin_jti").unwrap_or_default().to_string(),
            has_admin_scope: text("scope").unwrap_or_default().split(' ').any(|s| s == ADMIN_SCOPE),
            client_id: text("client_id").unwrap_or_default().to_string(),
        }
    }
}

impl VerifiedCache {
    fn get(&self, token: &str) -> Option<Arc<Claims>> {
        self.0.lock().ok().and_then(|m| m.get(token).cloned())
    }

    fn put(&self, token: &str, claims: Arc<Claims>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= CACHE_LIMIT {
                m.clear();
            }
            m.insert(token.to_string(), claims);
        }
    }
}

fn invalid() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid Access Token")
}

/// The pool id at the end of an issuer URL.
fn pool_of_issuer(iss: &str) -> Option<&str> {
    iss.rsplit('/').next().filter(|p| p.contains('_'))
}

impl App {
    /// Verify an access token and load its user.
    pub async fn authenticate(&self, token: &str, check: StatusCheck) -> ApiResult<TokenUser> {
        let claims = match self.verified.get(token) {
            Some(c) => c,
            None => {
                let claims = Arc::new(Claims::from_json(&self.verify_signature(token).await?));
                self.verified.put(token, claims.clone());
                claims
            }
        };
        if !claims.is_access {
            return Err(invalid());
        }
        let pool_id = claims.pool_id.as_deref().ok_or_else(invalid)?;
        let (Some(exp), Some(iat)) = (claims.exp, claims.iat) else { return Err(invalid()) };
        if exp <= self.clock.now_secs() {
            return Err(api_error!(NotAuthorizedException, "Access Token has expired"));
        }
        let pool = match self.store.get_pool_shared(pool_id).await.or_internal()? {
            Some(p) => p,
            None => return Err(invalid()),
        };
        let username = claims.username.as_deref().ok_or_else(invalid)?;
        let user = self
            .store
            .find_user_shared(&pool.id, &crate::store::UserKey::username(&users::username_key(&pool.settings, username)))
            .await
            .or_internal()?
            // A user deleted and created again under the same name is another user.
            .filter(|u| Some(u.sub.as_str()) == claims.sub.as_deref());
        // Deleting an app client ends its users' sessions (AWS, DeleteUserPoolClient: users can no
        // longer sign in to its application): its tokens are revoked with it.
        let client = self.store.get_client_shared(&claims.client_id).await.or_internal()?;
        let client = client.filter(|c| c.pool_id == pool.id);
        let revoked_for_user = user.as_deref().is_some_and(|u| {
            let sec = &u.data.security;
            let signed_out = sec.signed_out_at_s.is_some_and(|t| iat <= t);
            signed_out || sec.revoked_origins.iter().any(|r| r.origin_jti == claims.origin_jti)
        });
        let Some(client) = client.filter(|_| !revoked_for_user) else {
            return Err(api_error!(NotAuthorizedException, "Access Token has been revoked"));
        };
        if !claims.has_admin_scope {
            return Err(api_error!(NotAuthorizedException, "Access Token does not have required scopes"));
        }
        let user = user.ok_or_else(users::user_not_found)?;
        check_user_state(&user, check)?;
        Ok(TokenUser { pool, user, client, client_id: claims.client_id.clone(), origin_jti: claims.origin_jti.clone(), iat })
    }

    async fn verify_signature(&self, token: &str) -> ApiResult<Value> {
        // Which pool's keys to use comes from the (not yet trusted) issuer; the signature then proves it.
        let payload = token.split('.').nth(1).ok_or_else(invalid)?;
        let decoded = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload.trim_end_matches('='))
            .map_err(|_| invalid())?;
        let unverified: Value = serde_json::from_slice(&decoded).map_err(|_| invalid())?;
        let iss = unverified.get("iss").and_then(Value::as_str).ok_or_else(invalid)?;
        let pool_id = pool_of_issuer(iss).ok_or_else(invalid)?;
        if iss != self.issuer(pool_id) {
            return Err(invalid());
        }
        if self.store.get_pool(pool_id).await.or_internal()?.is_none() {
            return Err(invalid());
        }
        let keys = self.pool_keys(pool_id).await?;
        // Only the access key verifies access tokens: an ID token signed with the ID key is refused.
        let claims = cognate_crypto::jwt::verify(token, |kid| (kid == keys.access.kid()).then(|| keys.access.public_key()))
            .map_err(|_| invalid())?;
        Ok(claims)
    }
}

/// Disabled, reset-required and unconfirmed users cannot use their tokens.
pub fn check_user_state(user: &UserRecord, check: StatusCheck) -> ApiResult<()> {
    if !user.data.enabled {
        return Err(api_error!(NotAuthorizedException, "User is disabled."));
    }
    match user.data.status.as_str() {
        RESET_REQUIRED => Err(api_error!(PasswordResetRequiredException, "Password reset required for the user")),
        UNCONFIRMED if check == StatusCheck::Full => Err(api_error!(UserNotConfirmedException, "User is not confirmed.")),
        FORCE_CHANGE_PASSWORD => Ok(()),
        _ => Ok(()),
    }
}
