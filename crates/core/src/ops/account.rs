//! Self-service account lifecycle through an app client: SignUp, ConfirmSignUp,
//! ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword; and AdminResetUserPassword.

use cognate_wire::shapes::*;

use crate::app::internal;
use crate::auth::{check_secret_hash, prevents_existence_errors, sign_in};
use crate::codes_delivery::{Destination, check_code, send_code};
use crate::store::{PoolRecord, StoreError, UserData, UserRecord};
use crate::users::{self, CONFIRMED, RESET_REQUIRED, UNCONFIRMED};
use crate::{ApiResult, App, IamCaller, api_error, attributes, ids, password_policy};

const SIGN_UP_CODE_MS: i64 = 24 * 3_600_000;
const RESET_CODE_MS: i64 = 3_600_000;

fn policy(pool: &PoolRecord) -> PasswordPolicyType {
    pool.settings.policies.as_ref().and_then(|p| p.password_policy.clone()).unwrap_or_else(password_policy::default_policy)
}

/// Where the pool sends a sign-up confirmation code: an auto-verified phone number, else email.
fn confirmation_destination(pool: &PoolRecord, user: &UserRecord) -> Option<Destination> {
    let auto = pool.settings.auto_verified_attributes.as_deref().unwrap_or_default();
    ["phone_number", "email"].into_iter().filter(|a| auto.iter().any(|x| x == a)).find_map(|a| Destination::of(user, a))
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "SignUp"))]
pub async fn sign_up(app: &App, input: SignUpRequest) -> ApiResult<SignUpResponse> {
    let s = sign_in(app, None, &input.client_id, false).await?;
    check_secret_hash(&s.client, input.secret_hash.as_deref(), &[&input.username])?;
    let pool = &s.pool;
    if pool.settings.admin_create_user_config.as_ref().and_then(|c| c.allow_admin_create_user_only) == Some(true) {
        return Err(api_error!(NotAuthorizedException, "SignUp is not permitted for this user pool"));
    }
    let Some(password) = input.password.as_deref() else {
        return Err(api_error!(InvalidParameterException, "Password is required for this user pool."));
    };
    password_policy::check(&policy(pool), password)?;
    let writes = input.user_attributes.clone().unwrap_or_default();
    attributes::check_writes(&pool.settings, &writes, attributes::Write::Create)?;
    let sub = ids::uuid();
    let (username, mut attrs) = users::new_identity(&pool.settings, &input.username, &sub)?;
    attributes::apply(&mut attrs, &writes);
    attributes::check_required(&pool.settings, &attrs)?;
    let now = app.now_ms();
    let record = users::password_record(&pool.id, &username, password, false, now).await?;
    let mut user = UserRecord {
        pool_id: pool.id.clone(),
        username_key: users::username_key(&pool.settings, &username),
        username,
        sub: sub.clone(),
        created_ms: now,
        modified_ms: now,
        data: UserData { status: UNCONFIRMED.into(), enabled: true, attributes: attrs, password: Some(record), ..Default::default() },
        keys: Vec::new(),
        version: 1,
    };
    user.keys = users::compute_keys(&pool.settings, &user);
    match app.store.create_user(&user).await {
        Ok(()) => {}
        // SignUp words a taken username differently from AdminCreateUser.
        Err(StoreError::Conflict(key)) if key.starts_with("u:") => return Err(api_error!(UsernameExistsException, "User already exists")),
        Err(StoreError::Conflict(key)) => return Err(users::conflict_error(&pool.settings, &key)),
        Err(e) => return Err(internal(e)),
    }
    let details = match confirmation_destination(pool, &user) {
        Some(to) => {
            send_code(app, pool, &user, &to, "signup", "SignUp", SIGN_UP_CODE_MS).await?;
            Some(to.details())
        }
        None => None,
    };
    Ok(SignUpResponse { user_confirmed: false, code_delivery_details: details, user_sub: sub, session: None })
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "ConfirmSignUp"))]
pub async fn confirm_sign_up(app: &App, input: ConfirmSignUpRequest) -> ApiResult<ConfirmSignUpResponse> {
    let s = sign_in(app, None, &input.client_id, false).await?;
    check_secret_hash(&s.client, input.secret_hash.as_deref(), &[&input.username])?;
    let user = users::get(app, &s.pool, &input.username).await?;
    if user.data.status != UNCONFIRMED {
        return Err(api_error!(NotAuthorizedException, "User cannot be confirmed. Current status is {}", user.data.status));
    }
    check_code(app, &s.pool, &user, "signup", &input.confirmation_code).await?;
    let verified = confirmation_destination(&s.pool, &user).map(|d| d.attribute);
    let user = users::modify(app, &s.pool, &user.username, |u| {
        u.data.status = CONFIRMED.into();
        if let Some(attr) = verified {
            set_verified(u, attr);
        }
        Ok(())
    })
    .await?;
    // Signs the user in through InitiateAuth USER_AUTH without a second code (user_auth::after_sign_up),
    // so only clients that may use USER_AUTH get one (Amplify's autoSignIn reads it; the AWS CLI's
    // documented example of a password client prints nothing).
    let session = if crate::auth::flow_allowed(&s.client, "USER_AUTH") {
        let kind = crate::auth::user_auth::SIGN_UP_CONFIRMED;
        Some(crate::auth::session::create(app, &s, &user, kind, serde_json::json!({})).await?)
    } else {
        None
    };
    Ok(ConfirmSignUpResponse { session })
}

/// Mark `attribute` (email or phone_number) verified.
pub fn set_verified(u: &mut UserRecord, attribute: &str) {
    let flag = format!("{attribute}_verified");
    attributes::apply(&mut u.data.attributes, &[AttributeType { name: flag, value: Some("true".into()) }]);
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "ResendConfirmationCode"))]
pub async fn resend_confirmation_code(app: &App, input: ResendConfirmationCodeRequest) -> ApiResult<ResendConfirmationCodeResponse> {
    let s = sign_in(app, None, &input.client_id, false).await?;
    check_secret_hash(&s.client, input.secret_hash.as_deref(), &[&input.username])?;
    let user = users::get(app, &s.pool, &input.username).await?;
    if user.data.status != UNCONFIRMED {
        return Err(api_error!(InvalidParameterException, "User is already confirmed."));
    }
    let to = confirmation_destination(&s.pool, &user)
        .ok_or_else(|| api_error!(InvalidParameterException, "Auto verification not turned on."))?;
    send_code(app, &s.pool, &user, &to, "signup", "SignUp", SIGN_UP_CODE_MS).await?;
    Ok(ResendConfirmationCodeResponse { code_delivery_details: Some(to.details()) })
}

/// Where a password-reset code goes: the first verified channel of the pool's recovery setting
/// (legacy default: verified phone, then verified email).
fn recovery_destination(pool: &PoolRecord, user: &UserRecord) -> Option<Destination> {
    let order: Vec<&'static str> = match pool.settings.account_recovery_setting.as_ref().and_then(|r| r.recovery_mechanisms.as_ref()) {
        Some(mechanisms) => {
            let mut m = mechanisms.clone();
            m.sort_by_key(|x| x.priority);
            m.iter()
                .filter_map(|x| match x.name.as_str() {
                    "verified_email" => Some("email"),
                    "verified_phone_number" => Some("phone_number"),
                    _ => None,
                })
                .collect()
        }
        None => vec!["phone_number", "email"],
    };
    order.into_iter().filter(|a| user.attribute_is_true(&format!("{a}_verified"))).find_map(|a| Destination::of(user, a))
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "ForgotPassword"))]
pub async fn forgot_password(app: &App, input: ForgotPasswordRequest) -> ApiResult<ForgotPasswordResponse> {
    let s = sign_in(app, None, &input.client_id, false).await?;
    check_secret_hash(&s.client, input.secret_hash.as_deref(), &[&input.username])?;
    let Some(user) = users::find(app, &s.pool, &input.username).await? else {
        if prevents_existence_errors(&s.client) {
            // Look the same as a real reset, without telling whether the user exists.
            let details = CodeDeliveryDetailsType {
                destination: Some("u***@e***".into()),
                delivery_medium: Some("EMAIL".into()),
                attribute_name: Some("email".into()),
            };
            return Ok(ForgotPasswordResponse { code_delivery_details: Some(details) });
        }
        return Err(users::user_not_found());
    };
    if !user.data.enabled {
        return Err(api_error!(NotAuthorizedException, "User is disabled."));
    }
    let to = recovery_destination(&s.pool, &user).ok_or_else(|| {
        api_error!(InvalidParameterException, "Cannot reset password for the user as there is no registered/verified email or phone_number")
    })?;
    send_code(app, &s.pool, &user, &to, "forgot_password", "ForgotPassword", RESET_CODE_MS).await?;
    Ok(ForgotPasswordResponse { code_delivery_details: Some(to.details()) })
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "ConfirmForgotPassword"))]
pub async fn confirm_forgot_password(app: &App, input: ConfirmForgotPasswordRequest) -> ApiResult<ConfirmForgotPasswordResponse> {
    let s = sign_in(app, None, &input.client_id, false).await?;
    check_secret_hash(&s.client, input.secret_hash.as_deref(), &[&input.username])?;
    let user = users::get(app, &s.pool, &input.username).await?;
    password_policy::check(&policy(&s.pool), &input.password)?;
    check_code(app, &s.pool, &user, "forgot_password", &input.confirmation_code).await?;
    let record = users::password_record(&s.pool.id, &user.username, &input.password, false, app.now_ms()).await?;
    users::modify(app, &s.pool, &user.username, |u| {
        u.data.password = Some(record.clone());
        if u.data.status != UNCONFIRMED {
            u.data.status = CONFIRMED.into();
        }
        u.data.security.failed_attempts = 0;
        u.data.security.locked_until_ms = 0;
        Ok(())
    })
    .await?;
    Ok(ConfirmForgotPasswordResponse {})
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "AdminResetUserPassword"))]
pub async fn admin_reset_user_password(
    app: &App,
    _caller: &IamCaller,
    input: AdminResetUserPasswordRequest,
) -> ApiResult<AdminResetUserPasswordResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    let to = recovery_destination(&pool, &user).ok_or_else(|| {
        api_error!(InvalidParameterException, "Cannot reset password for the user as there is no registered/verified email or phone_number")
    })?;
    // The user keeps signing in with nothing until they set a new password with the code.
    users::modify(app, &pool, &input.username, |u| {
        u.data.status = RESET_REQUIRED.into();
        Ok(())
    })
    .await?;
    send_code(app, &pool, &user, &to, "forgot_password", "ForgotPassword", RESET_CODE_MS).await?;
    Ok(AdminResetUserPasswordResponse {})
}
