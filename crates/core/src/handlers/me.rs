//! What a signed-in user does with their own access token: GetUser, ChangePassword,
//! UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute,
//! DeleteUser, GlobalSignOut; and AdminUserGlobalSignOut.

use cognate_wire::shapes::*;

use crate::attempt_windows::{self, limit_exceeded};
use crate::attribute_access::{self, Writer};
use crate::codes_delivery::{Destination, check_code, send_code};
use crate::errors::OrInternal;
use crate::signin::errors::wrong_password;
use crate::signin::lockout;
use crate::signin::policy::mfa::enabled_list;
use crate::tokens::TokenUser;
use crate::users::{check_deletable, delete_attributes, sign_out_everywhere};
use crate::{ApiResult, App, IamCaller, api_error, attribute_updates, attributes, password_policy, users};

pub async fn get_user(_app: &App, me: TokenUser, _input: GetUserRequest) -> ApiResult<GetUserResponse> {
    let u = &me.user;
    Ok(GetUserResponse {
        username: u.username.clone(),
        // Only what the token's app client may read (its ReadAttributes).
        user_attributes: attribute_access::readable(&me.client.settings, attributes::to_wire(&u.sub, &u.data.attributes)),
        mfa_options: users::mfa_options(u),
        preferred_mfa_setting: u.data.mfa.preferred.clone(),
        user_mfa_setting_list: enabled_list(&u.data.mfa),
    })
}

pub async fn change_password(app: &App, me: TokenUser, input: ChangePasswordRequest) -> ApiResult<ChangePasswordResponse> {
    let pool = &me.pool;
    // Claimed before it is checked, like a sign-in's password: a burst of guesses cannot all be
    // checked before the lockout takes hold.
    let user = lockout::claim(app, pool, &me.user).await?;
    let previous_ok = match (&user.data.password, input.previous_password.as_deref()) {
        (Some(record), Some(previous)) => users::password_matches(Some(record), previous).await?,
        // A passwordless user sets a first password without a previous one.
        (None, None) => true,
        _ => false,
    };
    if !previous_ok {
        return Err(wrong_password());
    }
    let user = lockout::record_success(app, pool, user).await?;
    password_policy::check(&password_policy::of(pool), &input.proposed_password)?;
    let record = users::password_record(&pool.id, &user.username, &input.proposed_password, false, app.now_ms()).await?;
    users::modify(app, pool, &user.username, |u| {
        u.data.password = Some(record.clone());
        Ok(())
    })
    .await?;
    Ok(ChangePasswordResponse {})
}

pub async fn update_user_attributes(
    app: &App,
    me: TokenUser,
    input: UpdateUserAttributesRequest,
) -> ApiResult<UpdateUserAttributesResponse> {
    let pool = &me.pool;
    let writes = attribute_updates::check(pool, Writer::Client(&me.client), &input.user_attributes)?;
    let applied = attribute_updates::apply(app, pool, &me.user.username, &writes, |_| Ok(())).await?;
    let sent = applied.sent;
    Ok(UpdateUserAttributesResponse { code_delivery_details_list: (!sent.is_empty()).then_some(sent) })
}

pub async fn delete_user_attributes(
    app: &App,
    me: TokenUser,
    input: DeleteUserAttributesRequest,
) -> ApiResult<DeleteUserAttributesResponse> {
    check_deletable(&me.pool.settings, &input.user_attribute_names)?;
    users::modify(app, &me.pool, &me.user.username, |u| {
        delete_attributes(u, &input.user_attribute_names);
        Ok(())
    })
    .await?;
    Ok(DeleteUserAttributesResponse {})
}

fn verifiable(attribute: &str) -> ApiResult<&'static str> {
    match attribute {
        "email" => Ok("email"),
        "phone_number" => Ok("phone_number"),
        _ => Err(api_error!(InvalidParameterException, "Attribute {attribute} cannot be verified.")),
    }
}

pub async fn get_user_attribute_verification_code(
    app: &App,
    me: TokenUser,
    input: GetUserAttributeVerificationCodeRequest,
) -> ApiResult<GetUserAttributeVerificationCodeResponse> {
    let attr = verifiable(&input.attribute_name)?;
    // A new value waiting for verification is the one to verify.
    let to = attribute_updates::verification_address(&me.user, attr)
        .map(|address| Destination::to(attr, address.to_string()))
        .ok_or_else(|| api_error!(InvalidParameterException, "User does not have a value for the attribute: {attr}"))?;
    let purpose = format!("verify:{attr}");
    attempt_windows::claim(app, &attempt_windows::key(&me.pool.id, &me.user.username_key, &purpose), limit_exceeded).await?;
    send_code(app, &me.pool, &me.user, &to, &purpose, "VerifyAttribute", attribute_updates::VERIFY_CODE_MS).await?;
    Ok(GetUserAttributeVerificationCodeResponse { code_delivery_details: Some(to.details()) })
}

pub async fn verify_user_attribute(app: &App, me: TokenUser, input: VerifyUserAttributeRequest) -> ApiResult<VerifyUserAttributeResponse> {
    let attr = verifiable(&input.attribute_name)?;
    // The code must have gone to the address verified now: one sent before a change is wrong.
    let address = attribute_updates::verification_address(&me.user, attr).unwrap_or_default().to_string();
    check_code(app, &me.pool, &me.user, &format!("verify:{attr}"), &input.code, Some(&address)).await?;
    users::modify(app, &me.pool, &me.user.username, |u| attribute_updates::verify(u, attr, &address)).await?;
    Ok(VerifyUserAttributeResponse {})
}

pub async fn delete_user(app: &App, me: TokenUser, _input: DeleteUserRequest) -> ApiResult<DeleteUserResponse> {
    app.store.delete_user(&me.pool.id, &me.user.username_key).await.or_internal()?;
    Ok(DeleteUserResponse {})
}

pub async fn global_sign_out(app: &App, me: TokenUser, _input: GlobalSignOutRequest) -> ApiResult<GlobalSignOutResponse> {
    sign_out_everywhere(app, &me.pool, &me.user).await?;
    Ok(GlobalSignOutResponse {})
}

pub async fn admin_user_global_sign_out(
    app: &App,
    _caller: &IamCaller,
    input: AdminUserGlobalSignOutRequest,
) -> ApiResult<AdminUserGlobalSignOutResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    sign_out_everywhere(app, &pool, &user).await?;
    Ok(AdminUserGlobalSignOutResponse {})
}
