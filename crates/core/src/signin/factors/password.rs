//! A password as the first factor: USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (the password in
//! AuthParameters), and USER_AUTH's PASSWORD (up front, or as the PASSWORD challenge).

use cognate_wire::enums::ChallengeNameType as ChallengeName;

use crate::signin::errors::wrong_password;
use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::policy::user_state::{check_after_password, check_can_sign_in};
use crate::signin::subject::Subject;
use crate::signin::{ClientContext, Outcome, lockout, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::{ApiResult, App, users};

/// USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH.
pub async fn initiate(app: &App, ctx: &ClientContext, request: &Params) -> ApiResult<Outcome> {
    let username = params::required(request, "USERNAME")?;
    ctx.check_secret_hash(params::secret_hash(request), &[username])?;
    let password = params::required(request, "PASSWORD")?;
    let Some(user) = users::find(app, &ctx.pool, username).await? else {
        // The same work as for a known user (a password hash), whatever the answer.
        users::password_matches(None, password).await?;
        // PreventUserExistenceErrors: an unknown user looks like a wrong password.
        return Err(if ctx.prevents_existence_errors() { wrong_password() } else { users::user_not_found() });
    };
    check(app, ctx, user, password).await
}

/// Check `password` under the lockout rules: the attempt is claimed (counted) before the password
/// is compared, and a right password takes the count back (`lockout`).
pub async fn check(app: &App, ctx: &ClientContext, user: UserRecord, password: &str) -> ApiResult<Outcome> {
    check_can_sign_in(&user)?;
    let user = lockout::claim(app, &ctx.pool, &user).await?;
    if !users::password_matches(user.data.password.as_ref(), password).await? {
        return Err(wrong_password());
    }
    let user = lockout::record_success(app, &ctx.pool, user).await?;
    check_after_password(&user)?;
    Ok(Outcome::FirstFactorPassed { user, satisfies_mfa: false })
}

async fn check_subject(app: &App, ctx: &ClientContext, who: Subject, password: &str) -> ApiResult<Outcome> {
    match who {
        Subject::User(user) => check(app, ctx, *user, password).await,
        Subject::Unknown(_) => {
            users::password_matches(None, password).await?;
            Err(wrong_password())
        }
    }
}

/// USER_AUTH chose PASSWORD: checked now if the request carried it, else the PASSWORD challenge.
pub async fn begin(app: &App, ctx: &ClientContext, who: Subject, answers: &Params) -> ApiResult<Outcome> {
    if let Some(password) = answers.get("PASSWORD").filter(|p| !p.is_empty()) {
        return check_subject(app, ctx, who, password).await;
    }
    let parameters = Params::from([("USER_ID_FOR_SRP".to_string(), who.internal_name(app, &ctx.pool).await?)]);
    let state = ChallengeState::Password { decoy: who.is_decoy() };
    Ok(Outcome::Challenge(Challenge::in_session(ChallengeName::Password, &who.username_key(&ctx.pool), state, parameters)))
}

/// The answer to the PASSWORD challenge.
pub async fn answer(app: &App, ctx: &ClientContext, session: &AuthSession, who: Subject, responses: &Params) -> ApiResult<Outcome> {
    let password = params::required(responses, "PASSWORD")?;
    session::consume(app, session).await?;
    check_subject(app, ctx, who, password).await
}
