//! USER_AUTH with the `Session` of a successful ConfirmSignUp: the confirmation code the user has
//! just entered counts as the first factor (AWS: ConfirmSignUp's `Session`, for Amplify's
//! autoSignIn), once, within the client's AuthSessionValidity, and only for the user who confirmed.
//! MFA, where it applies, still follows.

use crate::signin::errors::invalid_session;
use crate::signin::policy::user_state::check_can_sign_in;
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{ChallengeState, UserRecord};
use crate::{ApiResult, App, users};

/// The session ConfirmSignUp answers (only to clients that allow USER_AUTH).
pub async fn create(app: &App, ctx: &ClientContext, user: &UserRecord) -> ApiResult<String> {
    session::create(app, ctx, &user.username_key, ChallengeState::SignUpConfirmed).await
}

pub async fn resume(app: &App, ctx: &ClientContext, username: &str, token: &str) -> ApiResult<Outcome> {
    let confirmed = session::load(app, ctx, Some(token)).await?;
    if confirmed.state != ChallengeState::SignUpConfirmed {
        return Err(invalid_session());
    }
    let user =
        users::find(app, &ctx.pool, username).await?.filter(|u| u.username_key == confirmed.username_key).ok_or_else(invalid_session)?;
    check_can_sign_in(&user)?;
    session::consume(app, &confirmed).await?;
    Ok(Outcome::SecondFactorDue(user))
}
