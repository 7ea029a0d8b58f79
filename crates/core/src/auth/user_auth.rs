//! USER_AUTH, choice-based sign-in (spec §3.9): the user picks a first factor, a password (plain or
//! SRP) or a one-time code sent by email or SMS, either up front with PREFERRED_CHALLENGE or from
//! the SELECT_CHALLENGE list.
//!
//! A password continues like any password sign-in (lockout, forced change, then MFA). A one-time
//! code is a complete sign-in by itself, so tokens follow directly; that is why the codes are only
//! offered to users MFA does not apply to. What is offered is exactly GetUserAuthFactors' list
//! (`mfa::factors::available_challenges`), so nothing is offered that cannot be completed.
//!
//! WEB_AUTHN (a passkey) is offered by the same list; its challenge and answer are in
//! `crate::passkeys::sign_in`.

use std::collections::BTreeMap;

use serde_json::json;

use super::{SignIn, Step, check_after_password, check_can_sign_in, check_secret_hash, required_param, session, wrong_password};
use crate::codes_delivery::{Destination, mask, send_authentication_code};
use crate::delivery::{Channel, purpose};
use crate::mfa::factors;
use crate::store::{AuthSession, PoolRecord, UserRecord};
use crate::{ApiResult, App, api_error, codes, ids, users};

pub const SELECT_CHALLENGE: &str = "SELECT_CHALLENGE";
pub const PASSWORD: &str = "PASSWORD";
pub const PASSWORD_SRP: &str = "PASSWORD_SRP";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub const SMS_OTP: &str = "SMS_OTP";
pub const WEB_AUTHN: &str = crate::passkeys::sign_in::WEB_AUTHN;

/// Passwordless sign-in codes are 8 digits, not configurable (spec §3.9 item 5).
const OTP_DIGITS: usize = 8;

/// The model's ChallengeNameType values: a PREFERRED_CHALLENGE outside them is malformed, one inside
/// them that the user cannot use falls back to SELECT_CHALLENGE.
const CHALLENGE_NAMES: &[&str] = &[
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
    "WEB_AUTHN",
    "PASSWORD_SRP",
];

/// Whom a USER_AUTH sign-in names. `Unknown` only exists under PreventUserExistenceErrors=ENABLED:
/// every step then answers as it would for a real user, and none can complete.
enum Who {
    User(Box<UserRecord>),
    Unknown(String),
}

impl Who {
    fn username_key(&self, pool: &PoolRecord) -> String {
        match self {
            Who::User(u) => u.username_key.clone(),
            Who::Unknown(name) => users::username_key(&pool.settings, name),
        }
    }

    /// USER_ID_FOR_SRP: the internal username (a sub-like UUID in pools that sign in with email or
    /// phone number, where a decoy makes one up).
    fn internal_name(&self, pool: &PoolRecord) -> String {
        match self {
            Who::User(u) => u.username.clone(),
            Who::Unknown(_) if pool.settings.username_attributes.as_ref().is_some_and(|a| !a.is_empty()) => ids::uuid(),
            Who::Unknown(name) => name.clone(),
        }
    }

    fn is_decoy(&self) -> bool {
        matches!(self, Who::Unknown(_))
    }
}

/// What a successful ConfirmSignUp's `Session` is stored as: not a challenge (RespondToAuthChallenge
/// cannot answer it), only InitiateAuth USER_AUTH takes it.
pub const SIGN_UP_CONFIRMED: &str = "SIGN_UP_CONFIRMED";

/// InitiateAuth / AdminInitiateAuth with USER_AUTH; `sign_up_session` is the request's `Session`.
pub async fn start(app: &App, s: &SignIn, params: &BTreeMap<String, String>, sign_up_session: Option<&str>) -> ApiResult<Step> {
    if s.pool.settings.user_pool_tier.as_deref() == Some("LITE") {
        return Err(api_error!(
            FeatureUnavailableInTierException,
            "The following features need to be disabled for the LITE pricing tier configured: Choice-based authentication"
        ));
    }
    let username = required_param(params, "USERNAME")?;
    check_secret_hash(&s.client, params.get("SECRET_HASH").map(String::as_str), &[username])?;
    if let Some(token) = sign_up_session.filter(|t| !t.is_empty()) {
        return after_sign_up(app, s, username, token).await;
    }
    let preferred = params.get("PREFERRED_CHALLENGE").map(String::as_str).filter(|p| !p.is_empty());
    if let Some(p) = preferred
        && !CHALLENGE_NAMES.contains(&p)
    {
        return Err(api_error!(InvalidParameterException, "Invalid value for PREFERRED_CHALLENGE: {p} is not a challenge name."));
    }
    let who = match users::find(app, &s.pool, username).await? {
        Some(user) => {
            check_can_sign_in(&user)?;
            Who::User(Box::new(user))
        }
        None if super::prevents_existence_errors(&s.client) => Who::Unknown(username.to_string()),
        None => return Err(users::user_not_found()),
    };
    let available = offered(&s.pool, &who);
    match preferred {
        Some(p) if available.iter().any(|a| a == p) => begin(app, s, who, p, params).await,
        _ => select_challenge(app, s, &who, available).await,
    }
}

/// USER_AUTH with the `Session` of a successful ConfirmSignUp: the confirmation code the user has
/// just entered counts as the first factor (spec §3.9 item 6), once, within the client's
/// AuthSessionValidity, and only for the user who confirmed. MFA, where it applies, still follows.
async fn after_sign_up(app: &App, s: &SignIn, username: &str, token: &str) -> ApiResult<Step> {
    let confirmed = session::load(app, s, Some(token)).await?;
    if confirmed.challenge != SIGN_UP_CONFIRMED {
        return Err(session::invalid_session());
    }
    let user = users::find(app, &s.pool, username)
        .await?
        .filter(|u| u.username_key == confirmed.username_key)
        .ok_or_else(session::invalid_session)?;
    check_can_sign_in(&user)?;
    session::consume(app, &confirmed).await?;
    crate::mfa::challenge::next_step(app, s, &user, app.clock.now_secs()).await
}

/// What `who` may choose from. A decoy offers what a typical user of the pool has.
fn offered(pool: &PoolRecord, who: &Who) -> Vec<String> {
    match who {
        Who::User(user) => factors::available_challenges(pool, user),
        Who::Unknown(_) => {
            let allowed = factors::allowed_first_factors(pool);
            let mut out = vec![PASSWORD.to_string()];
            out.extend([EMAIL_OTP, SMS_OTP].into_iter().filter(|f| allowed.iter().any(|a| a == f)).map(str::to_string));
            factors::expand(out)
        }
    }
}

async fn select_challenge(app: &App, s: &SignIn, who: &Who, available: Vec<String>) -> ApiResult<Step> {
    let state = json!({ "available": available, "decoy": who.is_decoy() });
    let token = session::create_for(app, s, &who.username_key(&s.pool), SELECT_CHALLENGE, state).await?;
    let name = who.internal_name(&s.pool);
    let parameters = BTreeMap::from([("USERNAME".to_string(), name.clone()), ("USER_ID_FOR_SRP".to_string(), name)]);
    let mut step = Step::challenge(SELECT_CHALLENGE, Some(token), parameters);
    step.available_challenges = Some(available);
    Ok(step)
}

/// Start the first factor `challenge` (one of those offered to `who`). `params` are the request's
/// AuthParameters or, after SELECT_CHALLENGE, its ChallengeResponses: PASSWORD and SRP_A finish the
/// choice in the same request.
async fn begin(app: &App, s: &SignIn, who: Who, challenge: &str, params: &BTreeMap<String, String>) -> ApiResult<Step> {
    match challenge {
        PASSWORD => match params.get("PASSWORD").filter(|p| !p.is_empty()) {
            Some(password) => check_password(app, s, who, password).await,
            None => {
                let state = json!({ "decoy": who.is_decoy() });
                let token = session::create_for(app, s, &who.username_key(&s.pool), PASSWORD, state).await?;
                let parameters = BTreeMap::from([("USER_ID_FOR_SRP".to_string(), who.internal_name(&s.pool))]);
                Ok(Step::challenge(PASSWORD, Some(token), parameters))
            }
        },
        PASSWORD_SRP => {
            let srp_a = required_param(params, "SRP_A")?;
            match who {
                Who::User(user) => super::srp::challenge_for(app, s, &user, srp_a).await,
                Who::Unknown(name) => super::srp::decoy(&name, srp_a),
            }
        }
        EMAIL_OTP | SMS_OTP => send_code(app, s, who, challenge).await,
        // Never offered to a decoy (see `offered`), so only real users get here.
        WEB_AUTHN => match who {
            Who::User(user) => crate::passkeys::sign_in::challenge(app, s, &user).await,
            Who::Unknown(_) => Err(api_error!(InvalidParameterException, "WEB_AUTHN is not available to this user.")),
        },
        other => Err(api_error!(InvalidParameterException, "{other} is not available to this user.")),
    }
}

async fn check_password(app: &App, s: &SignIn, who: Who, password: &str) -> ApiResult<Step> {
    match who {
        Who::User(user) => super::password_first_factor(app, s, *user, password).await,
        Who::Unknown(_) => Err(wrong_password()),
    }
}

/// EMAIL_OTP / SMS_OTP as the first factor: an 8-digit code, kept hashed in the challenge session,
/// so it lives as long as the session (AuthSessionValidity) and is used up with it.
async fn send_code(app: &App, s: &SignIn, who: Who, challenge: &str) -> ApiResult<Step> {
    let attribute = if challenge == EMAIL_OTP { "email" } else { "phone_number" };
    let internal_name = who.internal_name(&s.pool);
    let (to, state) = match &who {
        Who::User(user) => {
            // No code goes to a user who could not sign in with it.
            check_after_password(user)?;
            let to = Destination::of(user, attribute)
                .ok_or_else(|| api_error!(InvalidParameterException, "{challenge} is not available to this user."))?;
            let hash = send_authentication_code(app, &s.pool, &user.username, &to, OTP_DIGITS, purpose::SIGN_IN).await?;
            (to.address, json!({ "first_factor": true, "code": hash }))
        }
        // Nothing is sent and no code is stored, so no answer matches.
        Who::Unknown(name) => (decoy_address(name, attribute), json!({ "first_factor": true, "decoy": true })),
    };
    let token = session::create_for(app, s, &who.username_key(&s.pool), challenge, state).await?;
    let medium = if attribute == "email" { Channel::Email } else { Channel::Sms };
    let parameters = BTreeMap::from([
        ("CODE_DELIVERY_DELIVERY_MEDIUM".to_string(), medium.as_str().to_string()),
        ("CODE_DELIVERY_DESTINATION".to_string(), mask(&to)),
        ("USER_ID_FOR_SRP".to_string(), internal_name),
    ]);
    Ok(Step::challenge(challenge, Some(token), parameters))
}

/// An address for a decoy to mask: the typed username when it looks like one.
fn decoy_address(name: &str, attribute: &str) -> String {
    match attribute {
        "email" if name.contains('@') => name.to_string(),
        "email" => format!("{name}@example.com"),
        _ if name.starts_with('+') => name.to_string(),
        _ => format!("+1{}", codes::generate(10)),
    }
}

/// Whether a loaded session belongs to USER_AUTH (its SELECT_CHALLENGE, PASSWORD, or a one-time code
/// sent as the first factor, which shares the name EMAIL_OTP with the MFA challenge).
pub fn handles(session: &AuthSession) -> bool {
    matches!(session.challenge.as_str(), SELECT_CHALLENGE | PASSWORD | SMS_OTP | WEB_AUTHN)
        || session.state["first_factor"].as_bool() == Some(true)
}

/// RespondToAuthChallenge / AdminRespondToAuthChallenge for a USER_AUTH session (loaded, live, and
/// for this challenge name).
pub async fn answer(app: &App, s: &SignIn, session: &AuthSession, responses: &BTreeMap<String, String>) -> ApiResult<Step> {
    let who = if session.state["decoy"].as_bool() == Some(true) {
        let username = required_param(responses, "USERNAME")?;
        check_secret_hash(&s.client, responses.get("SECRET_HASH").map(String::as_str), &[username])?;
        Who::Unknown(username.to_string())
    } else {
        Who::User(Box::new(super::respond::session_user(app, s, session, responses).await?))
    };
    match session.challenge.as_str() {
        SELECT_CHALLENGE => {
            let choice = required_param(responses, "ANSWER")?;
            let available: Vec<String> = serde_json::from_value(session.state["available"].clone()).unwrap_or_default();
            // Offered then and still offered now: a user who turned MFA on in between gets no one-time code.
            if !available.iter().any(|a| a == choice) || !offered(&s.pool, &who).iter().any(|a| a == choice) {
                return Err(api_error!(InvalidParameterException, "Invalid value for ANSWER: {choice} is not one of AvailableChallenges."));
            }
            if choice == PASSWORD_SRP {
                required_param(responses, "SRP_A")?;
            }
            session::consume(app, session).await?;
            begin(app, s, who, choice, responses).await
        }
        PASSWORD => {
            let password = required_param(responses, "PASSWORD")?;
            session::consume(app, session).await?;
            check_password(app, s, who, password).await
        }
        EMAIL_OTP | SMS_OTP => {
            let code = required_param(responses, &format!("{}_CODE", session.challenge))?;
            // A decoy has no stored code, so nothing matches it.
            let stored = session.state["code"].as_str().unwrap_or_default();
            let (Who::User(user), true) = (who, codes::matches(stored, code)) else {
                let mismatch = api_error!(CodeMismatchException, "Invalid code or auth state for the user.");
                return Err(crate::mfa::challenge::wrong_code(app, session, mismatch).await);
            };
            session::consume(app, session).await?;
            check_after_password(&user)?;
            // The user's state may have changed since the code was sent (MFA turned on, address
            // removed or unverified): the code only signs in while the factor is still offered.
            if !factors::available_challenges(&s.pool, &user).contains(&session.challenge) {
                return Err(api_error!(CodeMismatchException, "Invalid code or auth state for the user."));
            }
            crate::mfa::challenge::tokens(app, s, &user, app.clock.now_secs()).await
        }
        WEB_AUTHN => match who {
            Who::User(user) => crate::passkeys::sign_in::answer(app, s, session, *user, responses).await,
            Who::Unknown(_) => Err(super::session::invalid_session()),
        },
        other => Err(api_error!(InvalidParameterException, "Challenge {other} is not supported by Cognate yet.")),
    }
}
