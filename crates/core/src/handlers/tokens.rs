//! GetTokensFromRefreshToken (with rotation when the client enables it) and RevokeToken (AWS:
//! "Refresh tokens", "Revoking tokens").

use cognate_wire::shapes::*;

use crate::codes::token_hash;
use crate::errors::OrInternal;
use crate::signin::ClientContext;
use crate::signin::refresh::{check_client_secret, load};
use crate::store::UserKey;
use crate::tokens::Grant;
use crate::{ApiResult, App, api_error, users};

pub async fn get_tokens_from_refresh_token(
    app: &App,
    input: GetTokensFromRefreshTokenRequest,
) -> ApiResult<GetTokensFromRefreshTokenResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    let id = ctx.client.client_id.clone();
    check_client_secret(&ctx, input.client_secret.as_deref(), || {
        api_error!(NotAuthorizedException, "Unable to verify secret hash for client {id}")
    })?;
    let (record, user) = load(app, &ctx, &input.refresh_token).await?;
    let rotation = ctx.client.settings.refresh_token_rotation.as_ref().filter(|r| r.feature == "ENABLED");
    let with_refresh = match rotation {
        None => false,
        Some(r) => {
            let grace_ms = r.retry_grace_period_seconds.unwrap_or(0) * 1000;
            let first = app.store.mark_refresh_replaced(&record.id_hash, app.now_ms()).await.or_internal()?;
            let within_grace = record.replaced_ms.is_some_and(|t| app.now_ms() <= t + grace_ms);
            if !first && !within_grace {
                return Err(api_error!(RefreshTokenReuseException, "Refresh token has already been used."));
            }
            true
        }
    };
    let grant = Grant { origin_jti: record.origin_jti, auth_time: Some(record.auth_time), with_refresh };
    Ok(GetTokensFromRefreshTokenResponse { authentication_result: Some(app.issue_tokens(&ctx.pool, &ctx.client, &user, grant).await?) })
}

pub async fn revoke_token(app: &App, input: RevokeTokenRequest) -> ApiResult<RevokeTokenResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    check_client_secret(&ctx, input.client_secret.as_deref(), || api_error!(UnauthorizedException, "Invalid client secret."))?;
    if ctx.client.settings.enable_token_revocation == Some(false) {
        return Err(api_error!(UnsupportedOperationException, "Token revocation is not enabled for this app client."));
    }
    if input.token.split('.').count() == 3 {
        return Err(api_error!(UnsupportedTokenTypeException, "Only refresh tokens can be revoked."));
    }
    let Some(record) = app.store.get_refresh(&token_hash(&input.token)).await.or_internal()? else {
        // Revoking an unknown or already revoked token succeeds, as on AWS.
        return Ok(RevokeTokenResponse {});
    };
    if record.client_id != ctx.client.client_id {
        return Err(api_error!(UnauthorizedException, "The refresh token was not issued to this client."));
    }
    app.store.revoke_refresh_family(&record.pool_id, &record.origin_jti).await.or_internal()?;
    // Access and ID tokens minted from this refresh token are revoked with it.
    if let Some(user) = app.store.find_user(&record.pool_id, &UserKey::username(&record.username_key)).await.or_internal()? {
        let now = app.now_ms();
        users::modify(app, &ctx.pool, &user.username, |u| {
            users::remember_revoked(u, &record.origin_jti, record.expires_ms, now);
            Ok(())
        })
        .await?;
    }
    Ok(RevokeTokenResponse {})
}
