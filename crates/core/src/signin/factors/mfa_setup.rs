//! MFA_SETUP: MFA is required and the user has no factor yet. They either set up an authenticator
//! (AssociateSoftwareToken and VerifySoftwareToken with this session, then answer), or answer with
//! `EMAIL` (how Amplify sets up email MFA): the address is proved first, by an EMAIL_OTP challenge
//! with a code sent to it.

use cognate_wire::enums::ChallengeNameType as ChallengeName;

use super::mfa_code;
use crate::codes_delivery::Destination;
use crate::delivery::Channel;
use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::policy::mfa;
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::{ApiResult, App, api_error, attributes, users};

pub fn challenge(user: &UserRecord, can_set_up: Vec<ChallengeName>) -> Outcome {
    let list = serde_json::to_string(&can_set_up).unwrap_or_else(|_| "[]".into());
    let parameters = params::with_user_id(&user.username, &[("MFAS_CAN_SETUP", list)]);
    let state = ChallengeState::MfaSetup { totp_verified: false };
    Outcome::Challenge(Challenge::in_session(ChallengeName::MfaSetup, &user.username_key, state, parameters))
}

pub async fn answer(
    app: &App,
    ctx: &ClientContext,
    session: &AuthSession,
    user: UserRecord,
    totp_verified: bool,
    responses: &Params,
) -> ApiResult<Outcome> {
    if let Some(email) = responses.get("EMAIL") {
        return set_up_email(app, ctx, session, &user, email).await;
    }
    if !totp_verified {
        return Err(api_error!(
            InvalidParameterException,
            "Set up an authenticator first (AssociateSoftwareToken and VerifySoftwareToken with this session), or answer with EMAIL."
        ));
    }
    session::consume(app, session).await?;
    let user = users::modify(app, &ctx.pool, &user.username, |u| {
        u.data.mfa.totp_enabled = true;
        if u.data.mfa.preferred.is_none() {
            u.data.mfa.preferred = Some(ChallengeName::SoftwareTokenMfa.as_str().to_string());
        }
        Ok(())
    })
    .await?;
    Ok(Outcome::MfaPassed(user))
}

/// Only once the code sent to `email` comes back does the address become the user's verified
/// email, with email MFA on (and preferred if nothing else is).
async fn set_up_email(app: &App, ctx: &ClientContext, session: &AuthSession, user: &UserRecord, email: &str) -> ApiResult<Outcome> {
    if !mfa::pool_factors(&ctx.pool).email {
        return Err(api_error!(InvalidParameterException, "Email MFA is not enabled for this user pool."));
    }
    if !attributes::is_email(email) {
        return Err(api_error!(InvalidParameterException, "Invalid email address format."));
    }
    session::consume(app, session).await?;
    let to = Destination { channel: Channel::Email, attribute: "email", address: email.to_string() };
    mfa_code::challenge_to(app, ctx, user, ChallengeName::EmailOtp, &to, Some(email.to_string())).await
}
