//! MFA in sign-in: the SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP
//! challenges and their answers (spec §3.7–3.8).

use std::collections::BTreeMap;

use serde_json::json;

use super::{EMAIL_OTP, Next, SMS_MFA, SOFTWARE_TOKEN_MFA};
use crate::auth::{SignIn, Step, session};
use crate::codes_delivery::{Destination, mask, send_authentication_code};
use crate::delivery::{Channel, purpose};
use crate::store::{AuthSession, UserRecord};
use crate::tokens::Grant;
use crate::{ApiError, ApiResult, App, api_error, attributes, codes, users};
use cognate_wire::shapes::AttributeType;

/// Wrong codes allowed on one MFA session; the next one ends it.
const MAX_FAILURES: i64 = 3;
const SMS_CODE_DIGITS: usize = 6;
/// Email MFA codes are 8 digits like passwordless email codes (docs/mfa.md).
const EMAIL_CODE_DIGITS: usize = 8;

fn params(user: &UserRecord, extra: &[(&str, String)]) -> BTreeMap<String, String> {
    let mut p: BTreeMap<String, String> = extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    p.insert("USER_ID_FOR_SRP".into(), user.username.clone());
    p
}

/// After the first factor: MFA if it applies, otherwise tokens.
pub async fn next_step(app: &App, s: &SignIn, user: &UserRecord, auth_time: i64) -> ApiResult<Step> {
    match super::after_first_factor(&s.pool, user) {
        Next::Tokens => tokens(app, s, user, auth_time).await,
        Next::Challenge(factor) => start(app, s, user, factor, auth_time).await,
        Next::Select(factors) => {
            let token = session::create(app, s, user, "SELECT_MFA_TYPE", json!({ "auth_time": auth_time, "choices": factors })).await?;
            let list = serde_json::to_string(&factors).unwrap_or_else(|_| "[]".into());
            Ok(Step::challenge("SELECT_MFA_TYPE", Some(token), params(user, &[("MFAS_CAN_CHOOSE", list)])))
        }
        Next::Setup(factors) => {
            let token = session::create(app, s, user, "MFA_SETUP", json!({ "auth_time": auth_time })).await?;
            let list = serde_json::to_string(&factors).unwrap_or_else(|_| "[]".into());
            Ok(Step::challenge("MFA_SETUP", Some(token), params(user, &[("MFAS_CAN_SETUP", list)])))
        }
    }
}

pub async fn tokens(app: &App, s: &SignIn, user: &UserRecord, auth_time: i64) -> ApiResult<Step> {
    // The sign-in completes now: auth_time is the issuing second (the first factor's time is only
    // used to bound the session).
    let _ = auth_time;
    let grant = Grant::new_sign_in();
    Ok(Step::tokens(app.issue_tokens(&s.pool, &s.client, user, grant).await?))
}

/// Issue the challenge for `factor`, sending a code for SMS and email.
async fn start(app: &App, s: &SignIn, user: &UserRecord, factor: &'static str, auth_time: i64) -> ApiResult<Step> {
    if factor == SOFTWARE_TOKEN_MFA {
        let token = session::create(app, s, user, SOFTWARE_TOKEN_MFA, json!({ "auth_time": auth_time })).await?;
        let name = user.data.mfa.totp.as_ref().and_then(|t| t.friendly_name.clone()).unwrap_or_default();
        return Ok(Step::challenge(SOFTWARE_TOKEN_MFA, Some(token), params(user, &[("FRIENDLY_DEVICE_NAME", name)])));
    }
    let attribute = if factor == SMS_MFA { "phone_number" } else { "email" };
    let to = Destination::of(user, attribute)
        .ok_or_else(|| api_error!(InvalidParameterException, "User does not have delivery config set to turn on {factor}"))?;
    code_challenge(app, s, user, factor, &to, json!({ "auth_time": auth_time })).await
}

/// Send a fresh code for `factor` (SMS_MFA or EMAIL_OTP) to `to` and open its challenge; the
/// session keeps `state` and the code's hash.
async fn code_challenge(
    app: &App,
    s: &SignIn,
    user: &UserRecord,
    factor: &'static str,
    to: &Destination,
    mut state: serde_json::Value,
) -> ApiResult<Step> {
    let digits = if factor == SMS_MFA { SMS_CODE_DIGITS } else { EMAIL_CODE_DIGITS };
    state["code"] = json!(send_authentication_code(app, &s.pool, &user.username, to, digits, purpose::MFA).await?);
    let token = session::create(app, s, user, factor, state).await?;
    let medium = if to.channel == Channel::Sms { "SMS" } else { "EMAIL" };
    Ok(Step::challenge(
        factor,
        Some(token),
        params(user, &[("CODE_DELIVERY_DELIVERY_MEDIUM", medium.into()), ("CODE_DELIVERY_DESTINATION", mask(&to.address))]),
    ))
}

fn auth_time(app: &App, session: &AuthSession) -> i64 {
    session.state["auth_time"].as_i64().unwrap_or_else(|| app.clock.now_secs())
}

/// A wrong code: counted, and the session ends after too many.
pub(crate) async fn wrong_code(app: &App, session: &AuthSession, err: ApiError) -> ApiError {
    if let Ok(n) = app.store.count_session_failure(&session.id_hash).await
        && n >= MAX_FAILURES
    {
        let _ = app.store.consume_session(&session.id_hash).await;
    }
    err
}

/// Answer an MFA challenge. `session` is loaded and belongs to `user`.
pub async fn answer(
    app: &App,
    s: &SignIn,
    session: &AuthSession,
    user: UserRecord,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    match session.challenge.as_str() {
        SMS_MFA | EMAIL_OTP => {
            let (name, attribute) =
                if session.challenge == SMS_MFA { ("SMS_MFA_CODE", "phone_number") } else { ("EMAIL_OTP_CODE", "email") };
            let code = crate::auth::required_param(responses, name)?;
            let stored = session.state["code"].as_str().unwrap_or_default();
            if !codes::matches(stored, code) {
                return Err(wrong_code(app, session, api_error!(CodeMismatchException, "Invalid code or auth state for the user.")).await);
            }
            session::consume(app, session).await?;
            // An email MFA set up during this sign-in (MFA_SETUP with EMAIL) takes effect now.
            let new_email = session.state["setup_email"].as_str();
            // A code received proves the phone number or email.
            let user = users::modify(app, &s.pool, &user.username, |u| {
                if let Some(address) = new_email {
                    attributes::apply(&mut u.data.attributes, &[AttributeType { name: "email".into(), value: Some(address.into()) }]);
                    u.data.mfa.email_enabled = true;
                    if u.data.mfa.preferred.is_none() {
                        u.data.mfa.preferred = Some(EMAIL_OTP.to_string());
                    }
                }
                crate::ops::account::set_verified(u, attribute);
                Ok(())
            })
            .await?;
            tokens(app, s, &user, auth_time(app, session)).await
        }
        SOFTWARE_TOKEN_MFA => {
            let code = crate::auth::required_param(responses, "SOFTWARE_TOKEN_MFA_CODE")?;
            if let Err(e) = super::software_token::check_sign_in_code(app, &s.pool, &user, code).await {
                return Err(if e.code == crate::ErrorCode::CodeMismatchException { wrong_code(app, session, e).await } else { e });
            }
            session::consume(app, session).await?;
            tokens(app, s, &user, auth_time(app, session)).await
        }
        "SELECT_MFA_TYPE" => {
            let answer = crate::auth::required_param(responses, "ANSWER")?;
            // The documentation says EMAIL_MFA; Amplify sends EMAIL_OTP. Both are accepted.
            let answer = if answer == "EMAIL_MFA" { EMAIL_OTP } else { answer };
            let choices: Vec<String> = serde_json::from_value(session.state["choices"].clone()).unwrap_or_default();
            let Some(factor) =
                [SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP].into_iter().find(|f| *f == answer && choices.iter().any(|c| c == f))
            else {
                return Err(api_error!(InvalidParameterException, "Invalid value for ANSWER: {answer} is not one of MFAS_CAN_CHOOSE."));
            };
            session::consume(app, session).await?;
            start(app, s, &user, factor, auth_time(app, session)).await
        }
        "MFA_SETUP" => {
            if let Some(email) = responses.get("EMAIL") {
                return setup_email(app, s, session, &user, email).await;
            }
            if session.state["totp_verified"].as_bool() != Some(true) {
                return Err(api_error!(
                    InvalidParameterException,
                    "Set up an authenticator first (AssociateSoftwareToken and VerifySoftwareToken with this session), or answer with EMAIL."
                ));
            }
            session::consume(app, session).await?;
            let user = users::modify(app, &s.pool, &user.username, |u| {
                u.data.mfa.totp_enabled = true;
                if u.data.mfa.preferred.is_none() {
                    u.data.mfa.preferred = Some(SOFTWARE_TOKEN_MFA.to_string());
                }
                Ok(())
            })
            .await?;
            tokens(app, s, &user, auth_time(app, session)).await
        }
        other => Err(api_error!(InvalidParameterException, "Challenge {other} is not supported by Cognate yet.")),
    }
}

/// MFA_SETUP answered with `EMAIL` (how Amplify sets up email MFA): the address is proved first, by
/// an EMAIL_OTP challenge with a code sent to it. Only once that code comes back does the address
/// become the user's verified email, with email MFA on (and preferred if nothing else is).
async fn setup_email(app: &App, s: &SignIn, session: &AuthSession, user: &UserRecord, email: &str) -> ApiResult<Step> {
    if !super::pool_factors(&s.pool).email {
        return Err(api_error!(InvalidParameterException, "Email MFA is not enabled for this user pool."));
    }
    if !attributes::is_email(email) {
        return Err(api_error!(InvalidParameterException, "Invalid email address format."));
    }
    session::consume(app, session).await?;
    let to = Destination { channel: Channel::Email, attribute: "email", address: email.to_string() };
    code_challenge(app, s, user, EMAIL_OTP, &to, json!({ "auth_time": auth_time(app, session), "setup_email": email })).await
}
