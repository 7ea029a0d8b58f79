//! GetTokensFromRefreshToken (with rotation when the client enables it) and RevokeToken (AWS:
//! "Refresh tokens", "Revoking tokens").

use cognate_wire::shapes::*;

use crate::codes::token_hash;
use crate::errors::OrInternal;
use crate::signin::ClientContext;
use crate::signin::refresh::{check_client_secret, check_device, check_refresh_allowed, load, revoke_sign_in, rotation};
use crate::tokens::Grant;
use crate::{ApiError, ApiResult, App, api_error};

fn reused() -> ApiError {
    api_error!(RefreshTokenReuseException, "Refresh token has already been used.")
}

pub async fn get_tokens_from_refresh_token(
    app: &App,
    input: GetTokensFromRefreshTokenRequest,
) -> ApiResult<GetTokensFromRefreshTokenResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    let id = ctx.client.client_id.clone();
    check_client_secret(&ctx, input.client_secret.as_deref(), || {
        api_error!(NotAuthorizedException, "Unable to verify secret hash for client {id}")
    })?;
    check_refresh_allowed(&ctx)?;
    let (record, user) = load(app, &ctx, &input.refresh_token, reused).await?;
    check_device(app, &ctx, &record, &user, input.device_key.as_deref()).await?;
    let rotate = rotation(&ctx).is_some();
    if rotate && !app.store.mark_refresh_replaced(&record.id_hash, app.now_ms()).await.or_internal()? {
        // Replaced already: a retry `load` let through within the grace period, or a concurrent
        // request just now. Loading it again decides by the time it was replaced: within the grace
        // period it passes, later it is reuse.
        load(app, &ctx, &input.refresh_token, reused).await?;
    }
    let grant = Grant::refreshing(&record, rotate);
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
    // Access and ID tokens minted from this refresh token are revoked with it.
    revoke_sign_in(app, &ctx.pool, &record).await?;
    Ok(RevokeTokenResponse {})
}
