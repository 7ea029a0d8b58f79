//! GetUserAuthFactors and AdminGetUserAuthFactors (spec §3.3).

use cognate_wire::shapes::*;

use super::Next;
use crate::store::{PoolRecord, UserRecord};
use crate::tokens::TokenUser;
use crate::users::FORCE_CHANGE_PASSWORD;
use crate::{ApiResult, App, IamCaller, mfa_view, users};

/// The factors a user can sign in with through USER_AUTH, in the model's enum order. USER_AUTH's
/// `AvailableChallenges` is this list with PASSWORD expanded (see [`available_challenges`]), so what
/// GetUserAuthFactors reports is exactly what a sign-in offers.
///
/// Decisions where the spec is open (docs/mfa.md, docs/user-auth.md): EMAIL_OTP and SMS_OTP need
/// the pool to allow them as first factors *and* a verified email / phone number; they are not
/// offered to a user MFA applies to (spec §3.9 item 4: a one-time code is a complete sign-in, so it
/// would skip the second factor), nor to a user who must first replace a temporary password.
/// SOFTWARE_TOKEN is never listed here, because it is not a first factor (it shows in
/// `UserMFASettingList` instead). WEB_AUTHN needs the pool to allow and configure passkeys and the
/// user to have one; when MFA applies to the user, only with passkey MFA (`passkeys::sign_in::available`,
/// docs/passkeys.md).
pub fn configured_factors(pool: &PoolRecord, user: &UserRecord) -> Vec<String> {
    let allowed = allowed_first_factors(pool);
    let allows = |f: &str| allowed.iter().any(|a| a == f);
    let mut out = Vec::new();
    if user.data.password.is_some() {
        out.push("PASSWORD".to_string());
    }
    let one_time_codes = super::after_first_factor(pool, user) == Next::Tokens && user.data.status != FORCE_CHANGE_PASSWORD;
    if one_time_codes && allows("EMAIL_OTP") && user.attribute("email").is_some() && user.attribute_is_true("email_verified") {
        out.push("EMAIL_OTP".to_string());
    }
    if one_time_codes && allows("SMS_OTP") && user.attribute("phone_number").is_some() && user.attribute_is_true("phone_number_verified") {
        out.push("SMS_OTP".to_string());
    }
    if crate::passkeys::sign_in::available(pool, user) {
        out.push("WEB_AUTHN".to_string());
    }
    out
}

/// The pool's `SignInPolicy.AllowedFirstAuthFactors` (`["PASSWORD"]` when it has none).
pub fn allowed_first_factors(pool: &PoolRecord) -> Vec<String> {
    pool.settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.clone())
        .unwrap_or_else(|| vec!["PASSWORD".into()])
}

/// USER_AUTH's `AvailableChallenges` for `user`: [`configured_factors`] with PASSWORD standing for both
/// PASSWORD and PASSWORD_SRP.
pub fn available_challenges(pool: &PoolRecord, user: &UserRecord) -> Vec<String> {
    expand(configured_factors(pool, user))
}

pub fn expand(factors: Vec<String>) -> Vec<String> {
    factors.into_iter().flat_map(|f| if f == "PASSWORD" { vec![f, "PASSWORD_SRP".to_string()] } else { vec![f] }).collect()
}

fn factors_of(pool: &PoolRecord, user: &UserRecord) -> (Option<String>, Option<Vec<String>>, Option<Vec<String>>) {
    let configured = configured_factors(pool, user);
    (user.data.mfa.preferred.clone(), mfa_view::enabled_list(&user.data.mfa), (!configured.is_empty()).then_some(configured))
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "GetUserAuthFactors"))]
pub async fn get_user_auth_factors(_app: &App, me: TokenUser, _input: GetUserAuthFactorsRequest) -> ApiResult<GetUserAuthFactorsResponse> {
    let (preferred, enabled, configured) = factors_of(&me.pool, &me.user);
    Ok(GetUserAuthFactorsResponse {
        username: me.user.username.clone(),
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: enabled,
        configured_user_auth_factors: configured,
    })
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "AdminGetUserAuthFactors"))]
pub async fn admin_get_user_auth_factors(
    app: &App,
    _caller: &IamCaller,
    input: AdminGetUserAuthFactorsRequest,
) -> ApiResult<AdminGetUserAuthFactorsResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    let (preferred, enabled, configured) = factors_of(&pool, &user);
    Ok(AdminGetUserAuthFactorsResponse {
        username: user.username.clone(),
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: enabled,
        configured_user_auth_factors: configured,
    })
}
