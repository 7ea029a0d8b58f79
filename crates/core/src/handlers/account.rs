//! Self-service account lifecycle through an app client: SignUp, ConfirmSignUp,
//! ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword; and AdminResetUserPassword.

use cognate_wire::shapes::*;

use cognate_wire::enums::AuthFlowType;

use crate::attempt_windows::{self, limit_exceeded};
use crate::attribute_access::{self, Writer};
use crate::attribute_updates::auto_verified;
use crate::codes_delivery::{Destination, check_code, send_code};
use crate::errors::internal;
use crate::signin::ClientContext;
use crate::signin::factors::sign_up_session;
use crate::signin::policy::flows::flow_allowed;
use crate::store::{PoolRecord, StoreError, UserData, UserRecord};
use crate::users::{self, CONFIRMED, RESET_REQUIRED, UNCONFIRMED, set_verified};
use crate::{ApiError, ApiResult, App, IamCaller, api_error, attributes, decoys, ids, password_policy};

const SIGN_UP_CODE_MS: i64 = 24 * 3_600_000;
const RESET_CODE_MS: i64 = 3_600_000;

/// The attributes a sign-up confirmation code may go to, in order: auto-verified phone number,
/// then email.
fn confirmation_attributes(pool: &PoolRecord) -> impl Iterator<Item = &'static str> + '_ {
    ["phone_number", "email"].into_iter().filter(|a| auto_verified(pool, a))
}

/// Where the pool sends a sign-up confirmation code: an auto-verified phone number, else email.
fn confirmation_destination(pool: &PoolRecord, user: &UserRecord) -> Option<Destination> {
    confirmation_attributes(pool).find_map(|a| Destination::of(user, a))
}

/// The `CodeDeliveryDetails` of a code "sent" to an unknown user under PreventUserExistenceErrors
/// (AWS: a response "indicating a code was sent to a simulated destination"): the typed name when
/// it is such an address, else one derived from it, the same at every attempt as a real user's is.
async fn simulated_delivery(app: &App, pool: &PoolRecord, typed: &str, attribute: &'static str) -> ApiResult<CodeDeliveryDetailsType> {
    let address = match attribute {
        "email" if attributes::is_email(typed) => typed.to_string(),
        "phone_number" if attributes::is_phone(typed) => typed.to_string(),
        _ => {
            let b = decoys::derive(app, &pool.id, &users::username_key(&pool.settings, typed), "destination").await?;
            if attribute == "email" {
                format!("{}@{}", decoys::letter(b[0]), decoys::letter(b[1]))
            } else {
                format!("+1{}", decoys::digits(&b, 10))
            }
        }
    };
    Ok(Destination::to(attribute, address).details())
}

/// An unknown user's code check under PreventUserExistenceErrors: counted in the name's window for
/// `purpose`, as a real user's wrong code is, and answered as a wrong code.
async fn unknown_user_code(app: &App, pool: &PoolRecord, typed: &str, purpose: &str) -> ApiError {
    let key = users::username_key(&pool.settings, typed);
    if let Err(refused) = attempt_windows::claim(app, &attempt_windows::key(&pool.id, &key, purpose), limit_exceeded).await {
        return refused;
    }
    api_error!(CodeMismatchException, "Invalid verification code provided, please try again.")
}

pub async fn sign_up(app: &App, input: SignUpRequest) -> ApiResult<SignUpResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    ctx.check_secret_hash(input.secret_hash.as_deref(), &[&input.username])?;
    let pool = &ctx.pool;
    if pool.settings.admin_create_user_config.as_ref().and_then(|c| c.allow_admin_create_user_only) == Some(true) {
        return Err(api_error!(NotAuthorizedException, "SignUp is not permitted for this user pool"));
    }
    let Some(password) = input.password.as_deref() else {
        return Err(api_error!(InvalidParameterException, "Password is required for this user pool."));
    };
    password_policy::check(&password_policy::of(pool), password)?;
    let writes = attributes::check_writes(&pool.settings, input.user_attributes.as_deref().unwrap_or_default(), attributes::Write::Create)?;
    // A new user asserts only what the app client lets its users write: never a verified flag it
    // does not name, never a developer-only attribute.
    attribute_access::check_writer(Writer::Client(&ctx.client), &writes)?;
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
            // A new user's first code: counted, never refused.
            attempt_windows::record(app, &attempt_windows::key(&pool.id, &user.username_key, "signup")).await?;
            send_code(app, pool, &user, &to, "signup", "SignUp", SIGN_UP_CODE_MS).await?;
            Some(to.details())
        }
        None => None,
    };
    Ok(SignUpResponse { user_confirmed: false, code_delivery_details: details, user_sub: sub, session: None })
}

pub async fn confirm_sign_up(app: &App, input: ConfirmSignUpRequest) -> ApiResult<ConfirmSignUpResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    ctx.check_secret_hash(input.secret_hash.as_deref(), &[&input.username])?;
    let Some(user) = users::find(app, &ctx.pool, &input.username).await? else {
        if ctx.prevents_existence_errors() {
            return Err(unknown_user_code(app, &ctx.pool, &input.username, "signup").await);
        }
        return Err(users::user_not_found());
    };
    if user.data.status != UNCONFIRMED {
        return Err(api_error!(NotAuthorizedException, "User cannot be confirmed. Current status is {}", user.data.status));
    }
    // The address the code went to becomes verified, and with it an alias in pools that use it as
    // one: checked before the code is used up, so that the user can try again with
    // ForceAliasCreation, which moves the alias from whoever holds it.
    let verified = confirmation_destination(&ctx.pool, &user).map(|d| d.attribute);
    let contested = match verified.filter(|a| users::verified_alias(&ctx.pool.settings, a)) {
        Some(attr) => users::alias_holder(app, &ctx.pool, attr, user.attribute(attr).unwrap_or_default(), &user).await?.map(|_| attr),
        None => None,
    };
    let force = input.force_alias_creation == Some(true);
    if let (Some(attr), false) = (contested, force) {
        return Err(api_error!(AliasExistsException, "An account with the given {attr} already exists."));
    }
    // The code proves the address it went to, which must still be the user's.
    let sent_to = confirmation_destination(&ctx.pool, &user).map(|d| d.address);
    check_code(app, &ctx.pool, &user, "signup", &input.confirmation_code, sent_to.as_deref()).await?;
    if let Some(attr) = contested {
        users::release_alias(app, &ctx.pool, attr, user.attribute(attr).unwrap_or_default(), &user).await?;
    }
    let user = users::modify(app, &ctx.pool, &user.username, |u| {
        u.data.status = CONFIRMED.into();
        if let Some(attr) = verified {
            set_verified(u, attr);
        }
        Ok(())
    })
    .await?;
    // Signs the user in through InitiateAuth USER_AUTH without a second code (`sign_up_session`),
    // so only clients that may use USER_AUTH get one (Amplify's autoSignIn reads it; the AWS CLI's
    // documented example of a password client prints nothing).
    let session =
        if flow_allowed(&ctx.client, AuthFlowType::UserAuth) { Some(sign_up_session::create(app, &ctx, &user).await?) } else { None };
    Ok(ConfirmSignUpResponse { session })
}

pub async fn resend_confirmation_code(app: &App, input: ResendConfirmationCodeRequest) -> ApiResult<ResendConfirmationCodeResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    ctx.check_secret_hash(input.secret_hash.as_deref(), &[&input.username])?;
    let Some(user) = users::find(app, &ctx.pool, &input.username).await? else {
        if !ctx.prevents_existence_errors() {
            return Err(users::user_not_found());
        }
        // What a real user would be answered: the pool's confirmation channel, the name's window.
        let attribute = confirmation_attributes(&ctx.pool)
            .next()
            .ok_or_else(|| api_error!(InvalidParameterException, "Auto verification not turned on."))?;
        let key = users::username_key(&ctx.pool.settings, &input.username);
        attempt_windows::claim(app, &attempt_windows::key(&ctx.pool.id, &key, "signup"), limit_exceeded).await?;
        let details = simulated_delivery(app, &ctx.pool, &input.username, attribute).await?;
        return Ok(ResendConfirmationCodeResponse { code_delivery_details: Some(details) });
    };
    if user.data.status != UNCONFIRMED {
        return Err(api_error!(InvalidParameterException, "User is already confirmed."));
    }
    let to = confirmation_destination(&ctx.pool, &user)
        .ok_or_else(|| api_error!(InvalidParameterException, "Auto verification not turned on."))?;
    attempt_windows::claim(app, &attempt_windows::key(&ctx.pool.id, &user.username_key, "signup"), limit_exceeded).await?;
    send_code(app, &ctx.pool, &user, &to, "signup", "SignUp", SIGN_UP_CODE_MS).await?;
    Ok(ResendConfirmationCodeResponse { code_delivery_details: Some(to.details()) })
}

/// The channels a password-reset code may go to, in the pool's recovery order (legacy default:
/// phone, then email).
fn recovery_order(pool: &PoolRecord) -> Vec<&'static str> {
    match pool.settings.account_recovery_setting.as_ref().and_then(|r| r.recovery_mechanisms.as_ref()) {
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
    }
}

/// Where a password-reset code goes: the first verified channel of the pool's recovery setting.
fn recovery_destination(pool: &PoolRecord, user: &UserRecord) -> Option<Destination> {
    recovery_order(pool).into_iter().filter(|a| user.attribute_is_true(&format!("{a}_verified"))).find_map(|a| Destination::of(user, a))
}

pub async fn forgot_password(app: &App, input: ForgotPasswordRequest) -> ApiResult<ForgotPasswordResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    ctx.check_secret_hash(input.secret_hash.as_deref(), &[&input.username])?;
    let Some(user) = users::find(app, &ctx.pool, &input.username).await? else {
        if ctx.prevents_existence_errors() {
            // Look the same as a real reset, without telling whether the user exists: the unknown
            // name has a window too, which fills up like a real user's.
            let key = users::username_key(&ctx.pool.settings, &input.username);
            attempt_windows::claim(app, &attempt_windows::key(&ctx.pool.id, &key, "forgot_password"), limit_exceeded).await?;
            // The channel most users of the pool have verified: the first in the recovery order
            // the pool auto-verifies.
            let order = recovery_order(&ctx.pool);
            let attribute = order.iter().copied().find(|a| auto_verified(&ctx.pool, a)).or(order.first().copied()).unwrap_or("email");
            let details = simulated_delivery(app, &ctx.pool, &input.username, attribute).await?;
            return Ok(ForgotPasswordResponse { code_delivery_details: Some(details) });
        }
        return Err(users::user_not_found());
    };
    if !user.data.enabled {
        return Err(api_error!(NotAuthorizedException, "User is disabled."));
    }
    let to = recovery_destination(&ctx.pool, &user).ok_or_else(|| {
        api_error!(InvalidParameterException, "Cannot reset password for the user as there is no registered/verified email or phone_number")
    })?;
    attempt_windows::claim(app, &attempt_windows::key(&ctx.pool.id, &user.username_key, "forgot_password"), limit_exceeded).await?;
    send_code(app, &ctx.pool, &user, &to, "forgot_password", "ForgotPassword", RESET_CODE_MS).await?;
    Ok(ForgotPasswordResponse { code_delivery_details: Some(to.details()) })
}

pub async fn confirm_forgot_password(app: &App, input: ConfirmForgotPasswordRequest) -> ApiResult<ConfirmForgotPasswordResponse> {
    let ctx = ClientContext::load(app, None, &input.client_id, false).await?;
    ctx.check_secret_hash(input.secret_hash.as_deref(), &[&input.username])?;
    let found = users::find(app, &ctx.pool, &input.username).await?;
    if found.is_none() && !ctx.prevents_existence_errors() {
        return Err(users::user_not_found());
    }
    password_policy::check(&password_policy::of(&ctx.pool), &input.password)?;
    let Some(user) = found else {
        return Err(unknown_user_code(app, &ctx.pool, &input.username, "forgot_password").await);
    };
    check_code(app, &ctx.pool, &user, "forgot_password", &input.confirmation_code, None).await?;
    let record = users::password_record(&ctx.pool.id, &user.username, &input.password, false, app.now_ms()).await?;
    users::modify(app, &ctx.pool, &user.username, |u| {
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
    // An administrator's reset is counted, never refused.
    attempt_windows::record(app, &attempt_windows::key(&pool.id, &user.username_key, "forgot_password")).await?;
    send_code(app, &pool, &user, &to, "forgot_password", "ForgotPassword", RESET_CODE_MS).await?;
    Ok(AdminResetUserPasswordResponse {})
}
