//! InitiateAuth and AdminInitiateAuth.

use std::collections::BTreeMap;

use cognate_wire::shapes::*;

use super::{SignIn, Step, check_secret_hash, find_user, flow_allowed, required_param};
use crate::{ApiResult, App, IamCaller, api_error};

#[tracing::instrument(level = "debug", skip_all, fields(op = "InitiateAuth"))]
pub async fn initiate_auth(app: &App, input: InitiateAuthRequest) -> ApiResult<InitiateAuthResponse> {
    let s = super::sign_in(app, None, &input.client_id, false).await?;
    Ok(start(app, &s, &input.auth_flow, input.auth_parameters.unwrap_or_default(), input.session.as_deref()).await?.into())
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "AdminInitiateAuth"))]
pub async fn admin_initiate_auth(app: &App, _caller: &IamCaller, input: AdminInitiateAuthRequest) -> ApiResult<AdminInitiateAuthResponse> {
    app.pool(&input.user_pool_id).await?;
    let s = super::sign_in(app, Some(&input.user_pool_id), &input.client_id, true).await?;
    Ok(start(app, &s, &input.auth_flow, input.auth_parameters.unwrap_or_default(), input.session.as_deref()).await?.into())
}

/// `session` is ConfirmSignUp's, which only USER_AUTH takes (spec §3.9 item 6); other flows ignore it.
async fn start(app: &App, s: &SignIn, flow: &str, params: BTreeMap<String, String>, session: Option<&str>) -> ApiResult<Step> {
    let admin_only = matches!(flow, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH");
    if admin_only && !s.admin {
        return Err(api_error!(InvalidParameterException, "Initiate Auth method not supported"));
    }
    if flow == "CUSTOM_AUTH" {
        return Err(api_error!(InvalidParameterException, "Custom auth lambda trigger is not configured for the user pool."));
    }
    if !flow_allowed(&s.client, flow) {
        return Err(if admin_only {
            api_error!(InvalidParameterException, "Auth flow not enabled for this client")
        } else {
            api_error!(InvalidParameterException, "{flow} flow not enabled for this client")
        });
    }
    match flow {
        "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => password(app, s, &params).await,
        "USER_SRP_AUTH" => super::srp::start(app, s, &params).await,
        "USER_AUTH" => super::user_auth::start(app, s, &params, session).await,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => super::refresh::refresh_flow(app, s, &params).await,
        _ => Err(api_error!(InvalidParameterException, "{flow} flow is not supported by Cognate yet.")),
    }
}

/// USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password in the request.
async fn password(app: &App, s: &SignIn, params: &BTreeMap<String, String>) -> ApiResult<Step> {
    let username = required_param(params, "USERNAME")?;
    check_secret_hash(&s.client, params.get("SECRET_HASH").map(String::as_str), &[username])?;
    let password = required_param(params, "PASSWORD")?;
    let user = find_user(app, s, username).await?;
    super::password_first_factor(app, s, user, password).await
}
