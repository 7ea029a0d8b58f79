//! GetUserAuthFactors and AdminGetUserAuthFactors: the user's MFA settings and the first factors
//! they can sign in with (`signin::policy::first_factors`, the same list USER_AUTH offers).

use cognate_wire::shapes::*;

use crate::signin::policy::first_factors::configured_factors;
use crate::signin::policy::mfa::enabled_list;
use crate::store::{PoolRecord, UserRecord};
use crate::tokens::TokenUser;
use crate::{ApiResult, App, IamCaller, users};

fn factors_of(pool: &PoolRecord, user: &UserRecord) -> (Option<String>, Option<Vec<String>>, Option<Vec<String>>) {
    let configured: Vec<String> = configured_factors(pool, user).iter().map(|f| f.as_str().to_string()).collect();
    (user.data.mfa.preferred.clone(), enabled_list(&user.data.mfa), (!configured.is_empty()).then_some(configured))
}

pub async fn get_user_auth_factors(_app: &App, me: TokenUser, _input: GetUserAuthFactorsRequest) -> ApiResult<GetUserAuthFactorsResponse> {
    let (preferred, enabled, configured) = factors_of(&me.pool, &me.user);
    Ok(GetUserAuthFactorsResponse {
        username: me.user.username.clone(),
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: enabled,
        configured_user_auth_factors: configured,
    })
}

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
