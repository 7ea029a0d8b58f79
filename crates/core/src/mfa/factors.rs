//! GetUserAuthFactors and AdminGetUserAuthFactors (spec §3.3).

use cognate_wire::shapes::*;

use crate::store::{PoolRecord, UserRecord};
use crate::tokens::TokenUser;
use crate::{ApiResult, App, IamCaller, mfa_view, users};

/// The factors a user can sign in with through USER_AUTH, in the model's enum order.
///
/// Decisions where the spec is open (docs/mfa.md): EMAIL_OTP and SMS_OTP need the pool to allow
/// them as first factors *and* a verified email / phone number; WEB_AUTHN needs the pool to allow
/// it and a registered passkey; SOFTWARE_TOKEN is never listed here, because it is not a first
/// factor (it shows in `UserMFASettingList` instead).
pub fn configured_factors(pool: &PoolRecord, user: &UserRecord) -> Vec<String> {
    let allowed: Vec<String> = pool
        .settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.clone())
        .unwrap_or_else(|| vec!["PASSWORD".into()]);
    let allows = |f: &str| allowed.iter().any(|a| a == f);
    let mut out = Vec::new();
    if user.data.password.is_some() {
        out.push("PASSWORD".to_string());
    }
    if allows("EMAIL_OTP") && user.attribute("email").is_some() && user.attribute_is_true("email_verified") {
        out.push("EMAIL_OTP".to_string());
    }
    if allows("SMS_OTP") && user.attribute("phone_number").is_some() && user.attribute_is_true("phone_number_verified") {
        out.push("SMS_OTP".to_string());
    }
    if crate::passkeys::allowed_first_factor(pool) && !user.data.passkeys.credentials.is_empty() {
        out.push("WEB_AUTHN".to_string());
    }
    out
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
