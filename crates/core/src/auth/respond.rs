//! RespondToAuthChallenge and AdminRespondToAuthChallenge, and the NEW_PASSWORD_REQUIRED step.

use std::collections::BTreeMap;

use cognate_wire::shapes::*;
use serde_json::json;

use super::{SignIn, Step, check_secret_hash, required_param, session};
use crate::store::{AuthSession, UserRecord};
use crate::users::{self, CONFIRMED};
use crate::{ApiResult, App, IamCaller, api_error, attributes, password_policy};

#[tracing::instrument(level = "debug", skip_all, fields(op = "RespondToAuthChallenge"))]
pub async fn respond_to_auth_challenge(app: &App, input: RespondToAuthChallengeRequest) -> ApiResult<RespondToAuthChallengeResponse> {
    let s = super::sign_in(app, None, &input.client_id, false).await?;
    Ok(answer(app, &s, &input.challenge_name, input.session.as_deref(), input.challenge_responses.unwrap_or_default()).await?.into())
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "AdminRespondToAuthChallenge"))]
pub async fn admin_respond_to_auth_challenge(
    app: &App,
    _caller: &IamCaller,
    input: AdminRespondToAuthChallengeRequest,
) -> ApiResult<AdminRespondToAuthChallengeResponse> {
    app.pool(&input.user_pool_id).await?;
    let s = super::sign_in(app, Some(&input.user_pool_id), &input.client_id, true).await?;
    Ok(answer(app, &s, &input.challenge_name, input.session.as_deref(), input.challenge_responses.unwrap_or_default()).await?.into())
}

async fn answer(
    app: &App,
    s: &SignIn,
    challenge: &str,
    session_token: Option<&str>,
    responses: BTreeMap<String, String>,
) -> ApiResult<Step> {
    if challenge == "PASSWORD_VERIFIER" {
        return super::srp::answer(app, s, &responses).await;
    }
    if challenge == "MFA_SETUP" && session_token.is_none_or(str::is_empty) {
        return Err(api_error!(InvalidParameterException, "Missing required parameter Session"));
    }
    let session = session::load(app, s, session_token).await?;
    if session.challenge != challenge {
        return Err(api_error!(InvalidParameterException, "Invalid challenge name {challenge}: the session is for {}.", session.challenge));
    }
    if super::user_auth::handles(&session) {
        return super::user_auth::answer(app, s, &session, &responses).await;
    }
    let user = session_user(app, s, &session, &responses).await?;
    match challenge {
        "NEW_PASSWORD_REQUIRED" => new_password(app, s, &session, user, &responses).await,
        "SMS_MFA" | "EMAIL_OTP" | "SOFTWARE_TOKEN_MFA" | "SELECT_MFA_TYPE" | "MFA_SETUP" => {
            crate::mfa::challenge::answer(app, s, &session, user, &responses).await
        }
        other => Err(api_error!(InvalidParameterException, "Challenge {other} is not supported by Cognate yet.")),
    }
}

/// The session's user, checked against the USERNAME the client sent (and its SECRET_HASH).
pub async fn session_user(app: &App, s: &SignIn, session: &AuthSession, responses: &BTreeMap<String, String>) -> ApiResult<UserRecord> {
    let username = required_param(responses, "USERNAME")?;
    let user = users::find(app, &s.pool, &session.username_key).await?.ok_or_else(session::invalid_session)?;
    check_secret_hash(&s.client, responses.get("SECRET_HASH").map(String::as_str), &[username, &user.username])?;
    if !super::srp::names_user(app, s, &user, username).await? {
        return Err(session::invalid_session());
    }
    Ok(user)
}

/// The challenge an administrator-created user meets at first sign-in.
pub async fn new_password_required(app: &App, s: &SignIn, user: &UserRecord) -> ApiResult<Step> {
    let token = session::create(app, s, user, "NEW_PASSWORD_REQUIRED", json!({ "auth_time": app.clock.now_secs() })).await?;
    let current: serde_json::Map<String, serde_json::Value> =
        user.data.attributes.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    let required: Vec<String> = s
        .pool
        .settings
        .schema_attributes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|a| a.required == Some(true))
        .filter_map(|a| a.name.clone())
        .filter(|n| n != "sub" && user.attribute(n).is_none())
        .map(|n| format!("userAttributes.{n}"))
        .collect();
    let params = BTreeMap::from([
        ("USER_ID_FOR_SRP".to_string(), user.username.clone()),
        ("requiredAttributes".to_string(), serde_json::to_string(&required).unwrap_or_else(|_| "[]".into())),
        ("userAttributes".to_string(), serde_json::Value::Object(current).to_string()),
    ]);
    Ok(Step::challenge("NEW_PASSWORD_REQUIRED", Some(token), params))
}

async fn new_password(
    app: &App,
    s: &SignIn,
    session: &AuthSession,
    user: UserRecord,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    let new_password = required_param(responses, "NEW_PASSWORD")?;
    let policy = s.pool.settings.policies.as_ref().and_then(|p| p.password_policy.clone()).unwrap_or_else(password_policy::default_policy);
    password_policy::check(&policy, new_password)?;
    let writes: Vec<AttributeType> = responses
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|name| AttributeType { name: name.to_string(), value: Some(v.clone()) }))
        .collect();
    attributes::check_writes(&s.pool.settings, &writes, attributes::Write::Update)?;
    let mut attrs = user.data.attributes.clone();
    attributes::apply(&mut attrs, &writes);
    attributes::check_required(&s.pool.settings, &attrs)?;
    session::consume(app, session).await?;
    let record = users::password_record(&s.pool.id, &user.username, new_password, false, app.now_ms()).await?;
    let updated = users::modify(app, &s.pool, &user.username, |u| {
        attributes::apply(&mut u.data.attributes, &writes);
        u.data.password = Some(record.clone());
        u.data.status = CONFIRMED.into();
        Ok(())
    })
    .await?;
    let auth_time = session.state["auth_time"].as_i64().unwrap_or_else(|| app.clock.now_secs());
    super::finish(app, s, &updated, auth_time).await
}
