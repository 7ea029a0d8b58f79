//! USER_AUTH's EMAIL_OTP and SMS_OTP: a one-time code as the first factor. It is a complete
//! sign-in by itself, which is why the codes are only offered to users MFA does not apply to
//! (`policy::first_factors`). The code is 8 digits, not configurable (AWS: "Passwordless sign-in
//! with one-time passwords"), kept hashed in the challenge session, so it lives and dies with it.

use cognate_wire::enums::ChallengeNameType as ChallengeName;

use crate::codes_delivery::{Destination, authentication_code_matches, mask, send_authentication_code};
use crate::delivery::{Channel, purpose};
use crate::signin::errors::code_mismatch;
use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::policy::first_factors::available_challenges;
use crate::signin::policy::user_state::check_after_password;
use crate::signin::subject::Subject;
use crate::signin::{ClientContext, Outcome, session};
use crate::store::PoolRecord;
use crate::store::{AuthSession, ChallengeState};
use crate::{ApiResult, App, api_error, attempt_windows, decoys, users};

const OTP_DIGITS: usize = 8;

fn attribute(factor: ChallengeName) -> &'static str {
    if factor == ChallengeName::EmailOtp { "email" } else { "phone_number" }
}

/// Send the code and issue the challenge (a decoy sends nothing and stores no code).
pub async fn begin(app: &App, ctx: &ClientContext, who: Subject, factor: ChallengeName) -> ApiResult<Outcome> {
    let attribute = attribute(factor);
    // Each code sent counts in the window of sign-in codes, a decoy's too (it fills up alike).
    let window = attempt_windows::key(&ctx.pool.id, &who.username_key(&ctx.pool), attempt_windows::SIGN_IN);
    let (to, code_hash) = match &who {
        Subject::User(user) => {
            // No code goes to a user who could not sign in with it.
            check_after_password(user)?;
            let to = Destination::of(user, attribute)
                .ok_or_else(|| api_error!(InvalidParameterException, "{factor} is not available to this user."))?;
            attempt_windows::claim(app, &window, attempt_windows::sign_in_limit_exceeded).await?;
            let hash = send_authentication_code(app, &ctx.pool, &user.username, &to, OTP_DIGITS, purpose::SIGN_IN).await?;
            (to.address, Some(hash))
        }
        Subject::Unknown(name) => {
            attempt_windows::claim(app, &window, attempt_windows::sign_in_limit_exceeded).await?;
            (decoy_address(app, &ctx.pool, name, attribute).await?, None)
        }
    };
    let medium = if attribute == "email" { Channel::Email } else { Channel::Sms };
    let parameters = Params::from([
        ("CODE_DELIVERY_DELIVERY_MEDIUM".to_string(), medium.as_str().to_string()),
        ("CODE_DELIVERY_DESTINATION".to_string(), mask(&to)),
        ("USER_ID_FOR_SRP".to_string(), who.internal_name(app, &ctx.pool).await?),
    ]);
    let state = ChallengeState::OneTimeCode { factor, code_hash };
    Ok(Outcome::Challenge(Challenge::in_session(factor, &who.username_key(&ctx.pool), state, parameters)))
}

/// An address for a decoy to mask: the typed username when it looks like one, else one derived
/// from it, the same at every attempt (a real user's address does not change between attempts).
async fn decoy_address(app: &App, pool: &PoolRecord, name: &str, attribute: &str) -> ApiResult<String> {
    Ok(match attribute {
        "email" if name.contains('@') => name.to_string(),
        "email" => format!("{name}@example.com"),
        _ if name.starts_with('+') => name.to_string(),
        _ => {
            let bytes = decoys::derive(app, &pool.id, &users::username_key(&pool.settings, name), "phone").await?;
            format!("+1{}", decoys::digits(&bytes, 10))
        }
    })
}

/// The answer: `EMAIL_OTP_CODE` or `SMS_OTP_CODE`.
pub async fn answer(
    app: &App,
    ctx: &ClientContext,
    session: &AuthSession,
    who: Subject,
    factor: ChallengeName,
    code_hash: Option<&str>,
    responses: &Params,
) -> ApiResult<Outcome> {
    let code = params::required(responses, &format!("{factor}_CODE"))?;
    // A decoy has no stored code, so nothing matches it; a code sent to an address the user no
    // longer has matches nothing either.
    let sent_to = match &who {
        Subject::User(user) => user.attribute(attribute(factor)),
        Subject::Unknown(_) => None,
    };
    let matched = || async {
        if code_hash.is_some_and(|stored| authentication_code_matches(stored, sent_to, code)) { Ok(()) } else { Err(code_mismatch()) }
    };
    session::check_code(app, session, matched).await?;
    let Subject::User(user) = who else { return Err(code_mismatch()) };
    session::consume(app, session).await?;
    check_after_password(&user)?;
    // The user's state may have changed since the code was sent (MFA turned on, address removed or
    // unverified): the code only signs in while the factor is still offered.
    if !available_challenges(&ctx.pool, &user).contains(&factor) {
        return Err(code_mismatch());
    }
    Ok(Outcome::SignedIn(*user))
}
