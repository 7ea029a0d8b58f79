//! SMS_MFA and EMAIL_OTP as the second factor: a code sent to the user's phone or email (SMS codes
//! 6 digits; email codes 8, like passwordless ones: docs/mfa.md). A right code also proves the
//! address, which becomes verified.

use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::shapes::AttributeType;

use crate::codes_delivery::{Destination, authentication_code_matches, mask, send_authentication_code};
use crate::delivery::purpose;
use crate::signin::errors::code_mismatch;
use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::{ApiResult, App, api_error, attributes, users};

const SMS_CODE_DIGITS: usize = 6;
const EMAIL_CODE_DIGITS: usize = 8;

fn attribute(factor: ChallengeName) -> &'static str {
    if factor == ChallengeName::SmsMfa { "phone_number" } else { "email" }
}

/// Send a code to the user's phone (SMS_MFA) or email (EMAIL_OTP) and issue the challenge.
pub async fn challenge(app: &App, ctx: &ClientContext, user: &UserRecord, factor: ChallengeName) -> ApiResult<Outcome> {
    let to = Destination::of(user, attribute(factor))
        .ok_or_else(|| api_error!(InvalidParameterException, "User does not have delivery config set to turn on {factor}"))?;
    challenge_to(app, ctx, user, factor, &to, None).await
}

/// Send a fresh code for `factor` to `to` and issue its challenge. `setup_email`: the address is
/// being set up through MFA_SETUP, and becomes the user's email once the code comes back.
pub async fn challenge_to(
    app: &App,
    ctx: &ClientContext,
    user: &UserRecord,
    factor: ChallengeName,
    to: &Destination,
    setup_email: Option<String>,
) -> ApiResult<Outcome> {
    let digits = if factor == ChallengeName::SmsMfa { SMS_CODE_DIGITS } else { EMAIL_CODE_DIGITS };
    // An MFA code goes out only after the password was proven, so sending one is not counted in
    // the user's window of sign-in codes: its answers are (`session::check_code`). A user who signs
    // in again and again without answering is not locked out of sign-in by the codes left unused.
    let code_hash = send_authentication_code(app, &ctx.pool, &user.username, to, digits, purpose::MFA).await?;
    let parameters = params::with_user_id(
        &user.username,
        &[("CODE_DELIVERY_DELIVERY_MEDIUM", to.channel.as_str().into()), ("CODE_DELIVERY_DESTINATION", mask(&to.address))],
    );
    let state = ChallengeState::MfaCode { factor, code_hash, setup_email };
    Ok(Outcome::Challenge(Challenge::in_session(factor, &user.username_key, state, parameters)))
}

/// What the challenge sent (from its [`ChallengeState::MfaCode`]).
pub struct Sent<'a> {
    pub factor: ChallengeName,
    pub code_hash: &'a str,
    pub setup_email: Option<&'a str>,
}

/// The answer: `SMS_MFA_CODE` or `EMAIL_OTP_CODE`.
pub async fn answer(
    app: &App,
    ctx: &ClientContext,
    session: &AuthSession,
    user: UserRecord,
    sent: Sent<'_>,
    responses: &Params,
) -> ApiResult<Outcome> {
    let Sent { factor, code_hash, setup_email } = sent;
    let code = params::required(responses, &format!("{factor}_CODE"))?;
    let attribute = attribute(factor);
    // The code proves the address it went to, which must still be the one it would verify: a code
    // sent before the email or phone number changed is a wrong code.
    let sent_to = setup_email.or(user.attribute(attribute)).map(str::to_string);
    let matched = || async { if authentication_code_matches(code_hash, sent_to.as_deref(), code) { Ok(()) } else { Err(code_mismatch()) } };
    session::check_code(app, session, matched).await?;
    session::consume(app, session).await?;
    let user = users::modify(app, &ctx.pool, &user.username, |u| {
        // Changed between the check and this write: not verified by a code sent elsewhere.
        if setup_email.is_none() && u.attribute(attribute) != sent_to.as_deref() {
            return Err(code_mismatch());
        }
        // An email MFA set up during this sign-in (MFA_SETUP with EMAIL) takes effect now.
        if let Some(address) = setup_email {
            attributes::apply(&mut u.data.attributes, &[AttributeType { name: "email".into(), value: Some(address.into()) }]);
            u.data.mfa.email_enabled = true;
            if u.data.mfa.preferred.is_none() {
                u.data.mfa.preferred = Some(ChallengeName::EmailOtp.as_str().to_string());
            }
        }
        users::set_verified(u, attribute);
        Ok(())
    })
    .await?;
    Ok(Outcome::MfaPassed(user))
}
