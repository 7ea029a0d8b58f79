//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge and AdminRespondToAuthChallenge: the
//! request's client context, then the sign-in flow (`crate::signin::flow`).

use cognate_wire::shapes::*;

use crate::signin::{ClientContext, flow};
use crate::{ApiResult, App, IamCaller};

pub async fn initiate_auth(app: &App, input: InitiateAuthRequest) -> ApiResult<InitiateAuthResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    let step = flow::initiate(app, &ctx, &input.auth_flow, input.auth_parameters.unwrap_or_default(), input.session.as_deref()).await?;
    Ok(step.into())
}

pub async fn admin_initiate_auth(app: &App, _caller: &IamCaller, input: AdminInitiateAuthRequest) -> ApiResult<AdminInitiateAuthResponse> {
    app.pool(&input.user_pool_id).await?;
    let ctx = ClientContext::load(app, Some(&input.user_pool_id), &input.client_id, true).await?;
    let step = flow::initiate(app, &ctx, &input.auth_flow, input.auth_parameters.unwrap_or_default(), input.session.as_deref()).await?;
    Ok(step.into())
}

pub async fn respond_to_auth_challenge(app: &App, input: RespondToAuthChallengeRequest) -> ApiResult<RespondToAuthChallengeResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    let responses = input.challenge_responses.unwrap_or_default();
    Ok(flow::respond(app, &ctx, &input.challenge_name, input.session.as_deref(), responses).await?.into())
}

pub async fn admin_respond_to_auth_challenge(
    app: &App,
    _caller: &IamCaller,
    input: AdminRespondToAuthChallengeRequest,
) -> ApiResult<AdminRespondToAuthChallengeResponse> {
    app.pool(&input.user_pool_id).await?;
    let ctx = ClientContext::load(app, Some(&input.user_pool_id), &input.client_id, true).await?;
    let responses = input.challenge_responses.unwrap_or_default();
    Ok(flow::respond(app, &ctx, &input.challenge_name, input.session.as_deref(), responses).await?.into())
}
