//! The sign-in flow: the one place that decides what comes next. InitiateAuth starts a flow,
//! RespondToAuthChallenge answers its challenges; each factor returns an [`Outcome`] and
//! [`advance`] turns it into the next challenge or tokens:
//!
//! ```text
//! first factor passed ──> lockout count cleared ──> forced password change? ──> NEW_PASSWORD_REQUIRED
//!                                                        │ no                          │ answered
//!                                                        v                             v
//!                                          second factor due (the MFA table) <─────────┘
//!                     ┌──────────────┬───────────────────┼────────────────────┐
//!                     v              v                   v                    v
//!                  tokens    SMS_MFA / EMAIL_OTP   SELECT_MFA_TYPE        MFA_SETUP
//!                            / SOFTWARE_TOKEN_MFA   (then the chosen)   (TOTP, or EMAIL)
//!                                    │ answered                               │ answered
//!                                    └───────────────> signed in <────────────┘ ──> tokens
//! ```
//!
//! USER_AUTH adds the choice of first factor (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP,
//! WEB_AUTHN); a one-time code, and a user-verified passkey under passkey MFA, are a complete
//! sign-in by themselves. docs/sign-in.md (The flow) has the whole diagram.

use cognate_wire::enums::{AuthFlowType as Flow, ChallengeNameType as ChallengeName};
use cognate_wire::shapes::NewDeviceMetadataType;

use super::errors::{invalid_session, not_supported};
use super::factors::{
    choice, device_srp, mfa_code, mfa_setup, new_password, one_time_code, password, select_mfa, sign_up_session, srp, totp, webauthn,
};
use super::outcome::{Challenge, Pending};
use super::params::Params;
use super::policy::mfa::{self, Next};
use super::policy::{flows, user_state};
use super::subject::{self, Subject};
use super::{ClientContext, Outcome, Step, lockout, refresh, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::tokens::Grant;
use crate::{ApiResult, App, api_error, devices};

/// InitiateAuth / AdminInitiateAuth. `session` is ConfirmSignUp's, which only USER_AUTH takes;
/// other flows ignore it.
pub async fn initiate(app: &App, ctx: &ClientContext, flow_name: &str, request: Params, session: Option<&str>) -> ApiResult<Step> {
    let flow = Flow::parse(flow_name);
    let admin_only = flow.is_some_and(flows::admin_only);
    if admin_only && !ctx.admin {
        return Err(api_error!(InvalidParameterException, "Initiate Auth method not supported"));
    }
    if flow == Some(Flow::CustomAuth) {
        return Err(api_error!(InvalidParameterException, "Custom auth lambda trigger is not configured for the user pool."));
    }
    let Some(flow) = flow.filter(|f| flows::flow_allowed(&ctx.client, *f)) else {
        return Err(if admin_only {
            api_error!(InvalidParameterException, "Auth flow not enabled for this client")
        } else {
            api_error!(InvalidParameterException, "{flow_name} flow not enabled for this client")
        });
    };
    let device_key = device_key_of(&request);
    let outcome = match flow {
        Flow::UserPasswordAuth | Flow::AdminUserPasswordAuth | Flow::AdminNoSrpAuth => password::initiate(app, ctx, &request).await?,
        Flow::UserSrpAuth => srp::initiate(app, ctx, &request).await?,
        Flow::UserAuth => {
            let username = choice::check_request(ctx, &request)?;
            match session.filter(|t| !t.is_empty()) {
                Some(token) => sign_up_session::resume(app, ctx, username, token).await?,
                None => choice::initiate(app, ctx, username, &request).await?,
            }
        }
        Flow::RefreshTokenAuth | Flow::RefreshToken => return refresh::refresh_flow(app, ctx, &request).await,
        Flow::CustomAuth => return Err(not_supported(flow_name)),
    };
    advance(app, ctx, outcome, device_key.as_deref()).await
}

/// The DEVICE_KEY a client on a remembered device sends with every step.
fn device_key_of(params: &Params) -> Option<String> {
    params.get("DEVICE_KEY").filter(|k| !k.is_empty()).cloned()
}

/// RespondToAuthChallenge / AdminRespondToAuthChallenge.
pub async fn respond(app: &App, ctx: &ClientContext, challenge_name: &str, token: Option<&str>, responses: Params) -> ApiResult<Step> {
    let device_key = device_key_of(&responses);
    let device_key = device_key.as_deref();
    // These three are answered without a session: the SECRET_BLOCK, or the device, finds the
    // pending step.
    if challenge_name == ChallengeName::PasswordVerifier.as_str() {
        let outcome = srp::answer(app, ctx, &responses).await?;
        return advance(app, ctx, outcome, device_key).await;
    }
    if challenge_name == ChallengeName::DeviceSrpAuth.as_str() {
        let outcome = device_srp::answer_auth(app, ctx, &responses).await?;
        return advance(app, ctx, outcome, device_key).await;
    }
    if challenge_name == ChallengeName::DevicePasswordVerifier.as_str() {
        let outcome = device_srp::answer_verifier(app, ctx, &responses).await?;
        return advance(app, ctx, outcome, device_key).await;
    }
    if challenge_name == ChallengeName::MfaSetup.as_str() && token.is_none_or(str::is_empty) {
        return Err(api_error!(InvalidParameterException, "Missing required parameter Session"));
    }
    let session = session::load(app, ctx, token).await?;
    if session.challenge != challenge_name {
        return Err(api_error!(
            InvalidParameterException,
            "Invalid challenge name {challenge_name}: the session is for {}.",
            session.challenge
        ));
    }
    let who = subject::of_session(app, ctx, &session, &responses).await?;
    let outcome = answer(app, ctx, &session, who, &responses).await?;
    advance(app, ctx, outcome, device_key).await
}

/// Hand an answer to the factor whose challenge the session is for.
async fn answer(app: &App, ctx: &ClientContext, session: &AuthSession, who: Subject, responses: &Params) -> ApiResult<Outcome> {
    use ChallengeState as S;
    match (&session.state, who) {
        (S::SelectChallenge { available, .. }, who) => choice::answer(app, ctx, session, who, available, responses).await,
        (S::Password { .. }, who) => password::answer(app, ctx, session, who, responses).await,
        (S::OneTimeCode { factor, code_hash }, who) => {
            one_time_code::answer(app, ctx, session, who, *factor, code_hash.as_deref(), responses).await
        }
        (_, Subject::Unknown(_)) => Err(invalid_session()),
        (S::WebAuthn { challenge, rp_id, require_uv }, Subject::User(user)) => {
            let expected = webauthn::Expected { challenge, rp_id, require_uv: *require_uv };
            webauthn::answer(app, ctx, session, *user, expected, responses).await
        }
        (S::NewPasswordRequired, Subject::User(user)) => new_password::answer(app, ctx, session, *user, responses).await,
        (S::MfaCode { factor, code_hash, setup_email }, Subject::User(user)) => {
            let sent = mfa_code::Sent { factor: *factor, code_hash, setup_email: setup_email.as_deref() };
            mfa_code::answer(app, ctx, session, *user, sent, responses).await
        }
        (S::SoftwareTokenMfa, Subject::User(user)) => totp::answer(app, ctx, session, *user, responses).await,
        (S::SelectMfaType { choices }, Subject::User(user)) => select_mfa::answer(app, session, *user, choices, responses).await,
        (S::MfaSetup { totp_verified }, Subject::User(user)) => {
            mfa_setup::answer(app, ctx, session, *user, *totp_verified, responses).await
        }
        // The SRP verifiers are answered without a session (above); ConfirmSignUp's session is no
        // challenge.
        (S::PasswordVerifier { .. } | S::DevicePasswordVerifier { .. } | S::SignUpConfirmed, Subject::User(_)) => {
            Err(not_supported(&session.challenge))
        }
    }
}

/// From a factor's outcome to the next challenge or tokens. `device_key`: the remembered device
/// the client says it is on (docs/devices.md).
async fn advance(app: &App, ctx: &ClientContext, mut outcome: Outcome, device_key: Option<&str>) -> ApiResult<Step> {
    let tracking = devices::tracking(&ctx.pool);
    // A device key is looked at only in pools that track devices.
    let device_key = device_key.filter(|_| tracking.is_some());
    let mut mfa_answered = false;
    loop {
        outcome = match outcome {
            Outcome::Challenge(challenge) => return issue(app, ctx, challenge).await,
            Outcome::FirstFactorChosen { who, factor, answers } => begin_first_factor(app, ctx, who, factor, &answers).await?,
            Outcome::FirstFactorPassed { user, satisfies_mfa } => {
                let user = lockout::record_success(app, &ctx.pool, user).await?;
                // A device that does not exist (any more) is refused before anything else is asked:
                // clients then forget the key and sign in again without it.
                if let Some(key) = device_key {
                    devices::confirmed(app, &ctx.pool, &user, key).await?;
                }
                if satisfies_mfa {
                    Outcome::MfaPassed(user)
                } else if user_state::must_change_password(&user) {
                    user_state::check_temporary_password(&ctx.pool, &user, app.now_ms())?;
                    new_password::challenge(ctx, &user)
                } else {
                    Outcome::SecondFactorDue(user)
                }
            }
            Outcome::SecondFactorDue(user) => {
                let next = mfa::after_first_factor(&ctx.pool, &user);
                let factors = match &next {
                    Next::Challenge(factor) => vec![*factor],
                    Next::Select(choices) => choices.clone(),
                    Next::Tokens | Next::Setup(_) => vec![],
                };
                match (tracking, device_key) {
                    (Some(tracking), Some(key)) if !factors.is_empty() => {
                        let device = devices::confirmed(app, &ctx.pool, &user, key).await?;
                        if devices::skips_mfa(tracking, &device, &factors) {
                            device_srp::challenge(app, ctx, &user, &device, false).await?
                        } else {
                            second_factor(app, ctx, user, next).await?
                        }
                    }
                    _ => second_factor(app, ctx, user, next).await?,
                }
            }
            Outcome::SecondFactorChosen(user, factor) => begin_second_factor(app, ctx, &user, factor).await?,
            Outcome::MfaPassed(user) => {
                mfa_answered = true;
                Outcome::SignedIn(user)
            }
            Outcome::SignedIn(user) => match (tracking, device_key) {
                (None, _) => return tokens(app, ctx, &user, None, None).await,
                // On a known device, the device proves itself before the tokens.
                (Some(_), Some(key)) => {
                    let device = devices::confirmed(app, &ctx.pool, &user, key).await?;
                    device_srp::challenge(app, ctx, &user, &device, mfa_answered).await?
                }
                // Else the tokens come with a new device for the client to confirm.
                (Some(_), None) => {
                    let metadata = devices::issue(app, &ctx.pool, &user, mfa_answered).await?;
                    return tokens(app, ctx, &user, metadata.device_key.clone(), Some(metadata)).await;
                }
            },
            Outcome::DeviceProven { user, device_key } => return tokens(app, ctx, &user, Some(device_key), None).await,
        }
    }
}

/// What the MFA table asks after the first factor, when no device stands in for it.
async fn second_factor(app: &App, ctx: &ClientContext, user: UserRecord, next: Next) -> ApiResult<Outcome> {
    Ok(match next {
        Next::Tokens => Outcome::SignedIn(user),
        Next::Challenge(factor) => begin_second_factor(app, ctx, &user, factor).await?,
        Next::Select(choices) => select_mfa::challenge(&user, choices),
        Next::Setup(can_set_up) => mfa_setup::challenge(&user, can_set_up),
    })
}

/// USER_AUTH: start the first factor the user chose.
async fn begin_first_factor(app: &App, ctx: &ClientContext, who: Subject, factor: ChallengeName, answers: &Params) -> ApiResult<Outcome> {
    match factor {
        ChallengeName::Password => password::begin(app, ctx, who, answers).await,
        ChallengeName::PasswordSrp => srp::begin(app, ctx, who, answers).await,
        ChallengeName::EmailOtp | ChallengeName::SmsOtp => one_time_code::begin(app, ctx, who, factor).await,
        ChallengeName::WebAuthn => webauthn::begin(ctx, who).await,
        other => Err(api_error!(InvalidParameterException, "{other} is not available to this user.")),
    }
}

async fn begin_second_factor(app: &App, ctx: &ClientContext, user: &UserRecord, factor: ChallengeName) -> ApiResult<Outcome> {
    match factor {
        ChallengeName::SoftwareTokenMfa => Ok(totp::challenge(user)),
        _ => mfa_code::challenge(app, ctx, user, factor).await,
    }
}

/// Keep what the answer will be checked against, and answer the challenge.
async fn issue(app: &App, ctx: &ClientContext, challenge: Challenge) -> ApiResult<Step> {
    let session = match challenge.pending {
        Pending::Session { username_key, state } => Some(session::create(app, ctx, &username_key, state).await?),
        Pending::UnderToken { token, username_key, state } => {
            session::store_under(app, ctx, &token, &username_key, state).await?;
            None
        }
        Pending::Nothing => None,
        Pending::Issued { session } => Some(session),
    };
    Ok(Step {
        challenge_name: Some(challenge.name.as_str().to_string()),
        session,
        challenge_parameters: challenge.parameters,
        authentication_result: None,
        available_challenges: challenge.available.map(|a| a.iter().map(|c| c.as_str().to_string()).collect()),
    })
}

/// The tokens of a complete sign-in, on `device_key` (pools that track devices), with the new
/// device's `NewDeviceMetadata` when one was just issued.
async fn tokens(
    app: &App,
    ctx: &ClientContext,
    user: &UserRecord,
    device_key: Option<String>,
    new_device: Option<NewDeviceMetadataType>,
) -> ApiResult<Step> {
    let grant = Grant { device_key, ..Grant::new_sign_in() };
    let mut result = app.issue_tokens(&ctx.pool, &ctx.client, user, grant).await?;
    result.new_device_metadata = new_device;
    Ok(Step::tokens(result))
}
