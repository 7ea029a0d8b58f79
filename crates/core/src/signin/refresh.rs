//! Refresh tokens in sign-in: REFRESH_TOKEN_AUTH, and the checks GetTokensFromRefreshToken and
//! RevokeToken share (AWS: "Refresh tokens"; rotation when the client enables it).

use subtle::ConstantTimeEq;

use super::params::{self, Params};
use super::{ClientContext, Step};
use crate::codes::token_hash;
use crate::errors::OrInternal;
use crate::store::{RefreshRecord, UserKey, UserRecord};
use crate::tokens::{Grant, StatusCheck, check_user_state};
use crate::{ApiError, ApiResult, App, api_error, users};

fn invalid() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid Refresh Token")
}

/// A live refresh token of this client, and its user.
pub async fn load(app: &App, ctx: &ClientContext, token: &str) -> ApiResult<(RefreshRecord, UserRecord)> {
    let record = app.store.get_refresh(&token_hash(token)).await.or_internal()?.ok_or_else(invalid)?;
    if record.client_id != ctx.client.client_id || record.pool_id != ctx.pool.id {
        return Err(invalid());
    }
    if record.revoked {
        return Err(api_error!(NotAuthorizedException, "Refresh Token has been revoked"));
    }
    if app.now_ms() > record.expires_ms {
        return Err(api_error!(NotAuthorizedException, "Refresh Token has expired"));
    }
    let user = app
        .store
        .find_user(&ctx.pool.id, &UserKey::username(&record.username_key))
        .await
        .or_internal()?
        .ok_or_else(users::user_not_found)?;
    if user.data.security.revoked_origins.iter().any(|r| r.origin_jti == record.origin_jti) {
        return Err(api_error!(NotAuthorizedException, "Refresh Token has been revoked"));
    }
    check_user_state(&user, StatusCheck::Full)?;
    Ok((record, user))
}

/// InitiateAuth with REFRESH_TOKEN_AUTH: new access and ID tokens, same sign-in.
pub async fn refresh_flow(app: &App, ctx: &ClientContext, request: &Params) -> ApiResult<Step> {
    let token = params::required(request, "REFRESH_TOKEN")?;
    let (record, user) = load(app, ctx, token).await?;
    // The hash is over the user's internal username (often the sub); accept the typed one too.
    let typed = params::optional(request, "USERNAME").unwrap_or(&user.username);
    ctx.check_secret_hash(params::secret_hash(request), &[&user.username, typed, &user.sub])?;
    let grant = Grant { origin_jti: record.origin_jti, auth_time: Some(record.auth_time), with_refresh: false };
    Ok(Step::tokens(app.issue_tokens(&ctx.pool, &ctx.client, &user, grant).await?))
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
