//! SOFTWARE_TOKEN_MFA: a code from the user's authenticator app (RFC 6238, `cognate_crypto::totp`).

use cognate_crypto::totp::{self, TotpCheck};
use cognate_wire::enums::ChallengeNameType as ChallengeName;

use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{AuthSession, ChallengeState, PoolRecord, UserRecord};
use crate::{ApiResult, App, api_error, users};

pub fn challenge(user: &UserRecord) -> Outcome {
    let name = user.data.mfa.totp.as_ref().and_then(|t| t.friendly_name.clone()).unwrap_or_default();
    let parameters = params::with_user_id(&user.username, &[("FRIENDLY_DEVICE_NAME", name)]);
    let state = ChallengeState::SoftwareTokenMfa;
    Outcome::Challenge(Challenge::in_session(ChallengeName::SoftwareTokenMfa, &user.username_key, state, parameters))
}

pub async fn answer(app: &App, ctx: &ClientContext, session: &AuthSession, user: UserRecord, responses: &Params) -> ApiResult<Outcome> {
    let code = params::required(responses, "SOFTWARE_TOKEN_MFA_CODE")?;
    session::check_code(app, session, || use_code(app, &ctx.pool, &user, code)).await?;
    session::consume(app, session).await?;
    Ok(Outcome::MfaPassed(user))
}

/// Check a code and mark its time step used, atomically: of two concurrent sign-ins with the same
/// code, one gets `ExpiredCodeException`.
async fn use_code(app: &App, pool: &PoolRecord, user: &UserRecord, code: &str) -> ApiResult<()> {
    let now = app.clock.now_secs().max(0) as u64;
    users::modify(app, pool, &user.username, |u| {
        let Some(device) = &u.data.mfa.totp else {
            return Err(api_error!(SoftwareTokenMFANotFoundException, "Software Token MFA does not exist for the user."));
        };
        match totp::check(&device.secret, code, now, u.data.mfa.totp_last_step) {
            TotpCheck::Accepted { step } => {
                u.data.mfa.totp_last_step = Some(step);
                Ok(())
            }
            TotpCheck::Replayed => Err(api_error!(ExpiredCodeException, "Your software token has already been used once.")),
            TotpCheck::Mismatch => Err(api_error!(CodeMismatchException, "Invalid code received for user")),
        }
    })
    .await?;
    Ok(())
}
