//! What a signed-in user does with their own access token: GetUser, ChangePassword,
//! UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute,
//! DeleteUser, GlobalSignOut; and AdminUserGlobalSignOut.

use cognate_wire::shapes::*;

use crate::attempt_windows::{self, limit_exceeded};
use crate::codes_delivery::{Destination, check_code, send_code};
use crate::errors::OrInternal;
use crate::signin::errors::wrong_password;
use crate::signin::lockout;
use crate::signin::policy::mfa::enabled_list;
use crate::store::PoolRecord;
use crate::tokens::TokenUser;
use crate::users::{check_deletable, delete_attributes, set_verified, sign_out_everywhere, update_attributes};
use crate::{ApiResult, App, IamCaller, api_error, attributes, password_policy, users};

const VERIFY_CODE_MS: i64 = 24 * 3_600_000;

pub async fn get_user(_app: &App, me: TokenUser, _input: GetUserRequest) -> ApiResult<GetUserResponse> {
    let u = &me.user;
    Ok(GetUserResponse {
        username: u.username.clone(),
        user_attributes: attributes::to_wire(&u.sub, &u.data.attributes),
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

/// Attributes whose change sends a verification code (the pool's auto-verified ones).
fn auto_verified(pool: &PoolRecord, attribute: &str) -> bool {
    pool.settings.auto_verified_attributes.as_deref().unwrap_or_default().iter().any(|a| a == attribute)
}

pub async fn update_user_attributes(
    app: &App,
    me: TokenUser,
    input: UpdateUserAttributesRequest,
) -> ApiResult<UpdateUserAttributesResponse> {
    let pool = &me.pool;
    let writes = attributes::check_writes(&pool.settings, &input.user_attributes, attributes::Write::Update)?;
    if writes.iter().any(|a| a.name.ends_with("_verified")) {
        return Err(api_error!(
            InvalidParameterException,
            "Cannot modify the verification status of an attribute; use VerifyUserAttribute."
        ));
    }
    let updated = users::modify(app, pool, &me.user.username, |u| {
        update_attributes(u, &writes);
        Ok(())
    })
    .await?;
    let mut details = Vec::new();
    for attr in ["email", "phone_number"] {
        let changed = writes.iter().any(|a| a.name == attr && a.value.as_deref() != me.user.attribute(attr));
        if changed
            && auto_verified(pool, attr)
            && let Some(to) = Destination::of(&updated, attr)
        {
            let purpose = format!("verify:{attr}");
            // UpdateUserAttributes documents no LimitExceededException: counted, never refused.
            attempt_windows::record(app, &attempt_windows::key(&pool.id, &updated.username_key, &purpose)).await?;
            send_code(app, pool, &updated, &to, &purpose, "VerifyAttribute", VERIFY_CODE_MS).await?;
            details.push(to.details());
        }
    }
    Ok(UpdateUserAttributesResponse { code_delivery_details_list: (!details.is_empty()).then_some(details) })
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
    let to = Destination::of(&me.user, attr)
        .ok_or_else(|| api_error!(InvalidParameterException, "User does not have a value for the attribute: {attr}"))?;
    let purpose = format!("verify:{attr}");
    attempt_windows::claim(app, &attempt_windows::key(&me.pool.id, &me.user.username_key, &purpose), limit_exceeded).await?;
    send_code(app, &me.pool, &me.user, &to, &purpose, "VerifyAttribute", VERIFY_CODE_MS).await?;
    Ok(GetUserAttributeVerificationCodeResponse { code_delivery_details: Some(to.details()) })
}

pub async fn verify_user_attribute(app: &App, me: TokenUser, input: VerifyUserAttributeRequest) -> ApiResult<VerifyUserAttributeResponse> {
    let attr = verifiable(&input.attribute_name)?;
    check_code(app, &me.pool, &me.user, &format!("verify:{attr}"), &input.code).await?;
    users::modify(app, &me.pool, &me.user.username, |u| {
        set_verified(u, attr);
        Ok(())
    })
    .await?;
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
