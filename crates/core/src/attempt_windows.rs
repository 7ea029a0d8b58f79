//! How often a user may ask for a one-time code and try one: per user and purpose, codes sent and
//! codes compared share one window of [`LIMIT`] attempts per [`WINDOW_MS`] (docs/security.md,
//! Guessing, lockout and refresh tokens). Each code also has its own attempt limit; without the
//! window, asking again for a code would buy a fresh set of guesses each time, without end.
//!
//! AWS keeps such a window for password-reset codes and does not publish its exact numbers: "In a
//! given hour, we allow between 5 and 20 attempts for a user to request or enter a password reset
//! code" (Recovering user accounts, Forgot password behavior). Cognate's are fixed: ten an hour,
//! for every kind of code.

use crate::errors::OrInternal;
use crate::store::{AttemptKey, AttemptWindow};
use crate::{ApiError, ApiResult, App, api_error};

/// How long a window lasts, from its first attempt.
pub const WINDOW_MS: i64 = 3_600_000;
/// Codes sent and codes compared in one window.
pub const LIMIT: i64 = 10;

/// The purpose sign-in codes share: one-time codes as the first factor (EMAIL_OTP, SMS_OTP) and
/// MFA codes (SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA).
pub const SIGN_IN: &str = "sign_in";

/// The window of `username_key`'s attempts at `purpose` codes in `pool_id` (`signup`,
/// `forgot_password`, `verify:<attribute>`, [`SIGN_IN`]).
pub fn key(pool_id: &str, username_key: &str, purpose: &str) -> AttemptKey {
    AttemptKey { pool_id: pool_id.to_string(), username_key: username_key.to_string(), purpose: purpose.to_string() }
}

/// The refusal once the window is full, in the real service's words, for the operations that
/// document `LimitExceededException` (ForgotPassword, ConfirmSignUp, VerifyUserAttribute, ...).
pub fn limit_exceeded() -> ApiError {
    api_error!(LimitExceededException, "Attempt limit exceeded, please try after some time.")
}

/// The same refusal in sign-in: InitiateAuth and RespondToAuthChallenge document no
/// `LimitExceededException`, so it is their `NotAuthorizedException`, with the same words.
pub fn sign_in_limit_exceeded() -> ApiError {
    api_error!(NotAuthorizedException, "Attempt limit exceeded, please try after some time.")
}

/// Count an attempt; `refusal()` when the window is already full.
pub async fn claim(app: &App, key: &AttemptKey, refusal: fn() -> ApiError) -> ApiResult<()> {
    let window = AttemptWindow { now_ms: app.now_ms(), length_ms: WINDOW_MS, limit: LIMIT };
    if app.store.claim_window_attempt(key, &window).await.or_internal()? { Ok(()) } else { Err(refusal()) }
}

/// Count a code sent by an operation that cannot refuse it (SignUp's first code, the code
/// UpdateUserAttributes or an administrator's call sends): it still uses up the window.
pub async fn record(app: &App, key: &AttemptKey) -> ApiResult<()> {
    let window = AttemptWindow { now_ms: app.now_ms(), length_ms: WINDOW_MS, limit: i64::MAX };
    app.store.claim_window_attempt(key, &window).await.or_internal().map(drop)
}

/// A right code ends the guessing the window bounds: the next code starts a new one.
pub async fn clear(app: &App, key: &AttemptKey) -> ApiResult<()> {
    app.store.clear_window(key).await.or_internal()
}
