//! Refresh tokens: REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken (with rotation when the client
//! enables it) and RevokeToken (spec §3.11, §4.4).

use std::collections::BTreeMap;

use cognate_wire::shapes::*;
use subtle::ConstantTimeEq;

use super::{SignIn, Step, check_secret_hash, required_param};
use crate::app::internal;
use crate::codes::token_hash;
use crate::store::{RefreshRecord, RevokedOrigin, UserKey, UserRecord};
use crate::tokens::{Grant, StatusCheck, check_user_state};
use crate::{ApiError, ApiResult, App, api_error, users};

fn invalid() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid Refresh Token")
}

/// A live refresh token of this client, and its user.
async fn load(app: &App, s: &SignIn, token: &str) -> ApiResult<(RefreshRecord, UserRecord)> {
    let record = app.store.get_refresh(&token_hash(token)).await.map_err(internal)?.ok_or_else(invalid)?;
    if record.client_id != s.client.client_id || record.pool_id != s.pool.id {
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
        .find_user(&s.pool.id, &UserKey::username(&record.username_key))
        .await
        .map_err(internal)?
        .ok_or_else(users::user_not_found)?;
    if user.data.security.revoked_origins.iter().any(|r| r.origin_jti == record.origin_jti) {
        return Err(api_error!(NotAuthorizedException, "Refresh Token has been revoked"));
    }
    check_user_state(&user, StatusCheck::Full)?;
    Ok((record, user))
}

/// InitiateAuth with REFRESH_TOKEN_AUTH: new access and ID tokens, same sign-in.
pub async fn refresh_flow(app: &App, s: &SignIn, params: &BTreeMap<String, String>) -> ApiResult<Step> {
    let token = required_param(params, "REFRESH_TOKEN")?;
    let (record, user) = load(app, s, token).await?;
    // The hash is over the user's internal username (often the sub); accept the typed one too.
    let typed = params.get("USERNAME").map(String::as_str).unwrap_or(&user.username);
    check_secret_hash(&s.client, params.get("SECRET_HASH").map(String::as_str), &[&user.username, typed, &user.sub])?;
    let grant = Grant { origin_jti: record.origin_jti, auth_time: Some(record.auth_time), with_refresh: false };
    Ok(Step::tokens(app.issue_tokens(&s.pool, &s.client, &user, grant).await?))
}

fn check_client_secret(s: &SignIn, provided: Option<&str>, on_mismatch: impl Fn() -> ApiError) -> ApiResult<()> {
    match (s.client.settings.client_secret.as_deref(), provided) {
        (None, _) => Ok(()),
        (Some(secret), Some(p)) if bool::from(secret.as_bytes().ct_eq(p.as_bytes())) => Ok(()),
        _ => Err(on_mismatch()),
    }
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "GetTokensFromRefreshToken"))]
pub async fn get_tokens_from_refresh_token(
    app: &App,
    input: GetTokensFromRefreshTokenRequest,
) -> ApiResult<GetTokensFromRefreshTokenResponse> {
    let s = super::sign_in(app, None, &input.client_id, false).await?;
    let id = s.client.client_id.clone();
    check_client_secret(&s, input.client_secret.as_deref(), || {
        api_error!(NotAuthorizedException, "Unable to verify secret hash for client {id}")
    })?;
    let (record, user) = load(app, &s, &input.refresh_token).await?;
    let rotation = s.client.settings.refresh_token_rotation.as_ref().filter(|r| r.feature == "ENABLED");
    let with_refresh = match rotation {
        None => false,
        Some(r) => {
            let grace_ms = r.retry_grace_period_seconds.unwrap_or(0) * 1000;
            let first = app.store.mark_refresh_replaced(&record.id_hash, app.now_ms()).await.map_err(internal)?;
            let within_grace = record.replaced_ms.is_some_and(|t| app.now_ms() <= t + grace_ms);
            if !first && !within_grace {
                return Err(api_error!(RefreshTokenReuseException, "Refresh token has already been used."));
            }
            true
        }
    };
    let grant = Grant { origin_jti: record.origin_jti, auth_time: Some(record.auth_time), with_refresh };
    Ok(GetTokensFromRefreshTokenResponse { authentication_result: Some(app.issue_tokens(&s.pool, &s.client, &user, grant).await?) })
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "RevokeToken"))]
pub async fn revoke_token(app: &App, input: RevokeTokenRequest) -> ApiResult<RevokeTokenResponse> {
    let s = super::sign_in(app, None, &input.client_id, false).await?;
    check_client_secret(&s, input.client_secret.as_deref(), || api_error!(UnauthorizedException, "Invalid client secret."))?;
    if s.client.settings.enable_token_revocation == Some(false) {
        return Err(api_error!(UnsupportedOperationException, "Token revocation is not enabled for this app client."));
    }
    if input.token.split('.').count() == 3 {
        return Err(api_error!(UnsupportedTokenTypeException, "Only refresh tokens can be revoked."));
    }
    let Some(record) = app.store.get_refresh(&token_hash(&input.token)).await.map_err(internal)? else {
        // Revoking an unknown or already revoked token succeeds, as on AWS.
        return Ok(RevokeTokenResponse {});
    };
    if record.client_id != s.client.client_id {
        return Err(api_error!(UnauthorizedException, "The refresh token was not issued to this client."));
    }
    app.store.revoke_refresh_family(&record.pool_id, &record.origin_jti).await.map_err(internal)?;
    // Access and ID tokens minted from this refresh token are revoked with it.
    if let Some(user) = app.store.find_user(&record.pool_id, &UserKey::username(&record.username_key)).await.map_err(internal)? {
        let now = app.now_ms();
        users::modify(app, &s.pool, &user.username, |u| {
            let origins = &mut u.data.security.revoked_origins;
            origins.retain(|r| r.until_ms > now);
            if !origins.iter().any(|r| r.origin_jti == record.origin_jti) {
                origins.push(RevokedOrigin { origin_jti: record.origin_jti.clone(), until_ms: record.expires_ms });
            }
            Ok(())
        })
        .await?;
    }
    Ok(RevokeTokenResponse {})
}
