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

use super::errors::{invalid_session, not_supported};
use super::factors::{
    choice, mfa_code, mfa_setup, new_password, one_time_code, password, select_mfa, sign_up_session, srp, totp, webauthn,
};
use super::outcome::{Challenge, Pending};
use super::params::Params;
use super::policy::mfa::{self, Next};
use super::policy::{flows, user_state};
use super::subject::{self, Subject};
use super::{ClientContext, Outcome, Step, lockout, refresh, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::tokens::Grant;
use crate::{ApiResult, App, api_error};

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
    advance(app, ctx, outcome).await
}

/// RespondToAuthChallenge / AdminRespondToAuthChallenge.
pub async fn respond(app: &App, ctx: &ClientContext, challenge_name: &str, token: Option<&str>, responses: Params) -> ApiResult<Step> {
    if challenge_name == ChallengeName::PasswordVerifier.as_str() {
        let outcome = srp::answer(app, ctx, &responses).await?;
        return advance(app, ctx, outcome).await;
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
    advance(app, ctx, outcome).await
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
        // PASSWORD_VERIFIER is answered without a session (above); ConfirmSignUp's session is no challenge.
        (S::PasswordVerifier { .. } | S::SignUpConfirmed, Subject::User(_)) => Err(not_supported(&session.challenge)),
    }
}

/// From a factor's outcome to the next challenge or tokens.
async fn advance(app: &App, ctx: &ClientContext, mut outcome: Outcome) -> ApiResult<Step> {
    loop {
        outcome = match outcome {
            Outcome::Challenge(challenge) => return issue(app, ctx, challenge).await,
            Outcome::FirstFactorChosen { who, factor, answers } => begin_first_factor(app, ctx, who, factor, &answers).await?,
            Outcome::FirstFactorPassed { user, satisfies_mfa } => {
                let user = lockout::record_success(app, &ctx.pool, user).await?;
                if satisfies_mfa {
                    Outcome::SignedIn(user)
                } else if user_state::must_change_password(&user) {
                    user_state::check_temporary_password(&ctx.pool, &user, app.now_ms())?;
                    new_password::challenge(ctx, &user)
                } else {
                    Outcome::SecondFactorDue(user)
                }
            }
            Outcome::SecondFactorDue(user) => match mfa::after_first_factor(&ctx.pool, &user) {
                Next::Tokens => Outcome::SignedIn(user),
                Next::Challenge(factor) => begin_second_factor(app, ctx, &user, factor).await?,
                Next::Select(choices) => select_mfa::challenge(&user, choices),
                Next::Setup(can_set_up) => mfa_setup::challenge(&user, can_set_up),
            },
            Outcome::SecondFactorChosen(user, factor) => begin_second_factor(app, ctx, &user, factor).await?,
            Outcome::SignedIn(user) => return tokens(app, ctx, &user).await,
        }
    }
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
    };
    Ok(Step {
        challenge_name: Some(challenge.name.as_str().to_string()),
        session,
        challenge_parameters: challenge.parameters,
        authentication_result: None,
        available_challenges: challenge.available.map(|a| a.iter().map(|c| c.as_str().to_string()).collect()),
    })
}

async fn tokens(app: &App, ctx: &ClientContext, user: &UserRecord) -> ApiResult<Step> {
    Ok(Step::tokens(app.issue_tokens(&ctx.pool, &ctx.client, user, Grant::new_sign_in()).await?))
}
