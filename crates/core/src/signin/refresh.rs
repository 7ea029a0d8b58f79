//! Refresh tokens in sign-in: REFRESH_TOKEN_AUTH, and the checks GetTokensFromRefreshToken and
//! RevokeToken share (AWS: "Refresh tokens"; rotation when the client enables it).
//!
//! A token replaced by rotation is dead on every path once the client's grace period is over, and
//! using it again then is reuse: a sign-in whose refresh token was copied, so the whole sign-in
//! (every token with its `origin_jti`) is revoked (docs/security.md, Guessing, lockout and refresh
//! tokens).

use cognate_wire::enums::AuthFlowType as Flow;
use cognate_wire::shapes::RefreshTokenRotationType;
use subtle::ConstantTimeEq;

use super::params::{self, Params};
use super::policy::flows::flow_allowed;
use super::{ClientContext, Step};
use crate::codes::token_hash;
use crate::errors::OrInternal;
use crate::store::{PoolRecord, RefreshRecord, UserKey, UserRecord};
use crate::tokens::{Grant, StatusCheck, check_user_state};
use crate::{ApiError, ApiResult, App, api_error, devices, users};

fn invalid() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid Refresh Token")
}

fn revoked() -> ApiError {
    api_error!(NotAuthorizedException, "Refresh Token has been revoked")
}

/// The client's refresh-token rotation, when it is on.
pub fn rotation(ctx: &ClientContext) -> Option<&RefreshTokenRotationType> {
    ctx.client.settings.refresh_token_rotation.as_ref().filter(|r| r.feature == "ENABLED")
}

/// Whether a token replaced at `replaced_ms` may still be used at `now_ms`: a client's retry within
/// its RetryGracePeriodSeconds (none when 0 or when rotation is off).
fn within_grace(ctx: &ClientContext, replaced_ms: i64, now_ms: i64) -> bool {
    let grace_ms = rotation(ctx).and_then(|r| r.retry_grace_period_seconds).unwrap_or(0) * 1000;
    grace_ms > 0 && now_ms <= replaced_ms + grace_ms
}

/// Refresh is allowed for the client: ALLOW_REFRESH_TOKEN_AUTH (or the legacy flows) governs
/// GetTokensFromRefreshToken as it does REFRESH_TOKEN_AUTH; InitiateAuth's answer for a flow not
/// enabled.
pub fn check_refresh_allowed(ctx: &ClientContext) -> ApiResult<()> {
    if flow_allowed(&ctx.client, Flow::RefreshTokenAuth) {
        Ok(())
    } else {
        Err(api_error!(InvalidParameterException, "REFRESH_TOKEN_AUTH flow not enabled for this client"))
    }
}

/// A live refresh token of this client, and its user. A token replaced by rotation, used again
/// after the grace period, revokes its sign-in and answers `on_reuse()`.
pub async fn load(app: &App, ctx: &ClientContext, token: &str, on_reuse: fn() -> ApiError) -> ApiResult<(RefreshRecord, UserRecord)> {
    let record = app.store.get_refresh(&token_hash(token)).await.or_internal()?.ok_or_else(invalid)?;
    if record.client_id != ctx.client.client_id || record.pool_id != ctx.pool.id {
        return Err(invalid());
    }
    if record.revoked {
        return Err(revoked());
    }
    if app.now_ms() > record.expires_ms {
        return Err(api_error!(NotAuthorizedException, "Refresh Token has expired"));
    }
    if let Some(replaced_ms) = record.replaced_ms
        && !within_grace(ctx, replaced_ms, app.now_ms())
    {
        revoke_sign_in(app, &ctx.pool, &record).await?;
        return Err(on_reuse());
    }
    let user = app
        .store
        .find_user(&ctx.pool.id, &UserKey::username(&record.username_key))
        .await
        .or_internal()?
        .ok_or_else(users::user_not_found)?;
    if user.data.security.revoked_origins.iter().any(|r| r.origin_jti == record.origin_jti) {
        return Err(revoked());
    }
    check_user_state(&user, StatusCheck::Full)?;
    Ok((record, user))
}

/// InitiateAuth with REFRESH_TOKEN_AUTH: new access and ID tokens, same sign-in. Not for clients
/// that rotate refresh tokens, which must use GetTokensFromRefreshToken (AWS, Refresh tokens: "You
/// can't authenticate with REFRESH_TOKEN_AUTH in app clients with refresh token rotation enabled").
pub async fn refresh_flow(app: &App, ctx: &ClientContext, request: &Params) -> ApiResult<Step> {
    if rotation(ctx).is_some() {
        return Err(api_error!(
            InvalidParameterException,
            "REFRESH_TOKEN_AUTH flow not enabled for this client: it rotates refresh tokens; use GetTokensFromRefreshToken."
        ));
    }
    let token = params::required(request, "REFRESH_TOKEN")?;
    // InitiateAuth documents no RefreshTokenReuseException: a reused token is a revoked one.
    let (record, user) = load(app, ctx, token, revoked).await?;
    check_device(app, ctx, &record, &user, params::optional(request, "DEVICE_KEY")).await?;
    // The hash is over the user's internal username (often the sub); accept the typed one too.
    let typed = params::optional(request, "USERNAME").unwrap_or(&user.username);
    ctx.check_secret_hash(params::secret_hash(request), &[&user.username, typed, &user.sub])?;
    Ok(Step::tokens(app.issue_tokens(&ctx.pool, &ctx.client, &user, Grant::refreshing(&record, false)).await?))
}

/// In a pool that tracks devices, a refresh token issued on a device refreshes only with that
/// device's key, and only while the device exists (confirmed, not forgotten: ForgetDevice is how a
/// lost device's sign-in is ended). Tokens issued without a device (before the pool tracked
/// devices) refresh as before.
pub async fn check_device(app: &App, ctx: &ClientContext, record: &RefreshRecord, user: &UserRecord, given: Option<&str>) -> ApiResult<()> {
    let (Some(_), Some(bound)) = (devices::tracking(&ctx.pool), record.device_key.as_deref()) else { return Ok(()) };
    if given != Some(bound) {
        return Err(invalid());
    }
    devices::confirmed(app, &ctx.pool, user, bound).await.map_err(|_| invalid())?;
    Ok(())
}

/// Revoke one sign-in: every refresh token of its family, and the access and ID tokens minted from
/// them (their `origin_jti`, kept on the user until the refresh token would have expired).
/// RevokeToken, and the reuse of a replaced refresh token.
pub async fn revoke_sign_in(app: &App, pool: &PoolRecord, record: &RefreshRecord) -> ApiResult<()> {
    app.store.revoke_refresh_family(&record.pool_id, &record.origin_jti).await.or_internal()?;
    let Some(user) = app.store.find_user(&record.pool_id, &UserKey::username(&record.username_key)).await.or_internal()? else {
        return Ok(());
    };
    let now = app.now_ms();
    users::modify(app, pool, &user.username, |u| {
        users::remember_revoked(u, &record.origin_jti, record.expires_ms, now);
        Ok(())
    })
    .await?;
    Ok(())
}

/// The ClientSecret GetTokensFromRefreshToken and RevokeToken take (not a SECRET_HASH), compared in
/// constant time; `on_mismatch` is each operation's own refusal.
pub fn check_client_secret(ctx: &ClientContext, provided: Option<&str>, on_mismatch: impl Fn() -> ApiError) -> ApiResult<()> {
    match (ctx.client.settings.client_secret.as_deref(), provided) {
        (None, _) => Ok(()),
        (Some(secret), Some(p)) if bool::from(secret.as_bytes().ct_eq(p.as_bytes())) => Ok(()),
        _ => Err(on_mismatch()),
    }
}
