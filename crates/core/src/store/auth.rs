//! What sign-in keeps between requests: signing keys, challenge sessions, one-time codes and refresh
//! tokens. Every check-and-set here is one atomic store call, so several nodes behave as one.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;

/// An RS256 signing key of a pool. `purpose` is `access` or `id`: the two token kinds use different
/// keys, as on AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKeyRecord {
    pub pool_id: String,
    pub purpose: String,
    pub kid: String,
    /// PKCS#8 DER of the private key.
    pub private_der: Vec<u8>,
    pub created_ms: i64,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Store `key` unless the pool already has one for that purpose; returns the key that is stored
    /// (this one, or the one another node stored first).
    async fn add_signing_key_if_absent(&self, key: &SigningKeyRecord) -> StoreResult<SigningKeyRecord>;
}

/// A pending sign-in step, found by the hash of the opaque `Session` string the client holds (or of
/// the SRP `SECRET_BLOCK`, which stands in for a session on PASSWORD_VERIFIER).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthSession {
    pub id_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub username_key: String,
    /// The challenge this session answers (`PASSWORD_VERIFIER`, `NEW_PASSWORD_REQUIRED`, `SMS_MFA`, ...):
    /// [`super::ChallengeState::record_name`], kept in its own column for reading the table.
    pub challenge: String,
    /// What the answer is checked against.
    pub state: super::ChallengeState,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// Answers claimed so far ([`SessionStore::claim_session_attempt`]): each is counted before it
    /// is compared, so that a burst of answers cannot all be compared before any count lands.
    pub failures: i64,
    pub used: bool,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn put_session(&self, session: &AuthSession) -> StoreResult<()>;
    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<AuthSession>>;
    /// Mark the session used. True only for the one call that did so: sessions are single-use.
    async fn consume_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// Claim one answer to a live session: count it, unless the session is used or already had
    /// `limit` answers. Returns the count with this answer, or `None` when refused. The caller
    /// compares the answer only after a claim: N concurrent answers make at most `limit` comparisons.
    async fn claim_session_attempt(&self, id_hash: &str, limit: i64) -> StoreResult<Option<i64>>;
}

/// A one-time code (sign-up confirmation, password reset, attribute verification), stored hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRecord {
    pub pool_id: String,
    pub username_key: String,
    /// `signup`, `forgot_password`, `verify:<attribute>`.
    pub purpose: String,
    /// `salt$sha256hex`, see `crate::codes`.
    pub code_hash: String,
    pub expires_ms: i64,
    /// Comparisons claimed so far ([`CodeStore::claim_code_attempt`]), wrong or right.
    pub failures: i64,
    pub created_ms: i64,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Store a code, replacing any earlier one for the same user and purpose.
    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()>;
    async fn get_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> StoreResult<Option<CodeRecord>>;
    /// Delete the code if it is still the one with `code_hash`. True only for the call that did so.
    async fn consume_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> StoreResult<bool>;
    /// Claim one comparison with the stored code: count it, unless the code already had `limit`.
    /// Returns the code (with this claim counted) to compare with, or `None` when there is no code
    /// or it is used up. The comparison happens only after the claim, so N concurrent guesses make
    /// at most `limit` comparisons, and a right code after the limit is refused.
    async fn claim_code_attempt(&self, pool_id: &str, username_key: &str, purpose: &str, limit: i64) -> StoreResult<Option<CodeRecord>>;
    /// Count one attempt (a code sent, or a code compared) in the window of `key`, unless the
    /// window already holds `limit`; a window over (it started `window.length_ms` or more before
    /// `window.now_ms`) starts again with this attempt. True if counted. One statement: concurrent
    /// claims on several nodes add up and never pass the limit.
    async fn claim_window_attempt(&self, key: &AttemptKey, window: &AttemptWindow) -> StoreResult<bool>;
    /// Forget the window of `key` (a right code ends the guessing it bounds).
    async fn clear_window(&self, key: &AttemptKey) -> StoreResult<()>;
}

/// Whose attempts a window counts: a user (known or not: an unknown name under
/// PreventUserExistenceErrors counts like a real one) and a purpose (`signup`, `forgot_password`,
/// `verify:<attribute>`, `sign_in`).
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptKey {
    pub pool_id: String,
    pub username_key: String,
    pub purpose: String,
}

/// The window an attempt is claimed in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptWindow {
    pub now_ms: i64,
    pub length_ms: i64,
    /// Attempts a window allows; `i64::MAX` counts without ever refusing.
    pub limit: i64,
}

/// A refresh token, found by the hash of the opaque string the client holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshRecord {
    pub id_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub username_key: String,
    /// Identifies the sign-in this token descends from; kept by every token refreshed from it.
    pub origin_jti: String,
    pub auth_time: i64,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked: bool,
    /// Set when rotation replaced this token (GetTokensFromRefreshToken with rotation on).
    pub replaced_ms: Option<i64>,
    /// The device the sign-in was on, in pools that track devices: the token refreshes only with
    /// that device's key, and dies with the device (ForgetDevice).
    pub device_key: Option<String>,
}

#[async_trait]
pub trait RefreshStore: Send + Sync {
    async fn put_refresh(&self, token: &RefreshRecord) -> StoreResult<()>;
    async fn get_refresh(&self, id_hash: &str) -> StoreResult<Option<RefreshRecord>>;
    /// Revoke every refresh token of one sign-in (RevokeToken).
    async fn revoke_refresh_family(&self, pool_id: &str, origin_jti: &str) -> StoreResult<()>;
    /// Revoke every refresh token of a user (GlobalSignOut).
    async fn revoke_user_refresh(&self, pool_id: &str, username_key: &str) -> StoreResult<()>;
    /// Mark a token replaced by rotation. True only for the call that did so.
    async fn mark_refresh_replaced(&self, id_hash: &str, now_ms: i64) -> StoreResult<bool>;
}
