//! The device operations (docs/devices.md): ConfirmDevice, GetDevice, ListDevices,
//! UpdateDeviceStatus, ForgetDevice (the signed-in user's own devices) and their Admin forms.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp;
use cognate_wire::shapes::*;

use crate::devices::{self, View};
use crate::errors::OrInternal;
use crate::store::{DeviceRecord, PoolRecord, UserRecord};
use crate::tokens::TokenUser;
use crate::{ApiResult, App, IamCaller, api_error, paging, users};

/// ListDevices' page when Limit is absent or 0: the most the model allows.
const MAX_PAGE: usize = 60;

/// A salt or verifier from DeviceSecretVerifierConfig: base64 of a positive big-endian integer,
/// as lower-case hex. Clients prefix a 0x00 byte when the top bit is set (a two's-complement
/// sign); a value without it would be negative.
fn positive_integer(name: &str, value: Option<&str>) -> ApiResult<String> {
    let bytes = value
        .and_then(|v| STANDARD.decode(v).ok())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| api_error!(InvalidParameterException, "DeviceSecretVerifierConfig.{name} must be a base64-encoded integer."))?;
    if bytes[0] & 0x80 != 0 {
        return Err(api_error!(InvalidParameterException, "Found negative value for salt or password verifier"));
    }
    Ok(srp::integer_hex(&bytes))
}

pub async fn confirm_device(app: &App, me: TokenUser, input: ConfirmDeviceRequest) -> ApiResult<ConfirmDeviceResponse> {
    let tracking = devices::tracking(&me.pool).ok_or_else(devices::not_tracked)?;
    let device = devices::owned(app, &me.pool, &me.user, &input.device_key).await?;
    let config = input.device_secret_verifier_config.unwrap_or_default();
    let salt = positive_integer("Salt", config.salt.as_deref())?;
    let verifier = positive_integer("PasswordVerifier", config.password_verifier.as_deref())?;
    if !srp::is_usable_verifier(&verifier) {
        return Err(api_error!(InvalidParameterException, "DeviceSecretVerifierConfig.PasswordVerifier is not a valid verifier."));
    }
    if device.confirmed {
        return Err(api_error!(DeviceKeyExistsException, "Device {} has already been confirmed.", device.device_key));
    }
    let now = app.now_ms();
    devices::modify(app, &me.pool.id, &device.device_key, |d| {
        // Two ConfirmDevice calls at once: the second finds it confirmed.
        if d.confirmed {
            return Err(api_error!(DeviceKeyExistsException, "Device {} has already been confirmed.", d.device_key));
        }
        d.confirmed = true;
        d.data.salt = Some(salt.clone());
        d.data.verifier = Some(verifier.clone());
        d.data.name = input.device_name.clone();
        d.data.remembered = !tracking.remember_on_prompt;
        d.data.modified_ms = now;
        Ok(())
    })
    .await?;
    Ok(ConfirmDeviceResponse { user_confirmation_necessary: Some(tracking.remember_on_prompt) })
}

pub async fn get_device(app: &App, me: TokenUser, input: GetDeviceRequest) -> ApiResult<GetDeviceResponse> {
    let device = devices::confirmed(app, &me.pool, &me.user, &input.device_key).await?;
    Ok(GetDeviceResponse { device: devices::device_type(app, &me.user, &device, View::Full) })
}

pub async fn list_devices(app: &App, me: TokenUser, input: ListDevicesRequest) -> ApiResult<ListDevicesResponse> {
    let (devices, pagination_token) = page(app, &me.pool, &me.user, input.limit, input.pagination_token.as_deref(), View::Brief).await?;
    Ok(ListDevicesResponse { devices: Some(devices), pagination_token })
}

pub async fn update_device_status(app: &App, me: TokenUser, input: UpdateDeviceStatusRequest) -> ApiResult<UpdateDeviceStatusResponse> {
    set_status(app, &me.pool, &me.user, &input.device_key, input.device_remembered_status.as_deref()).await?;
    Ok(UpdateDeviceStatusResponse {})
}

pub async fn forget_device(app: &App, me: TokenUser, input: ForgetDeviceRequest) -> ApiResult<ForgetDeviceResponse> {
    let device = devices::owned(app, &me.pool, &me.user, &input.device_key).await?;
    devices::forget(app, &device).await?;
    Ok(ForgetDeviceResponse {})
}

/// The pool and user an admin device operation names (`Username` may be an alias or the sub).
async fn pool_and_user(app: &App, pool_id: &str, username: &str) -> ApiResult<(PoolRecord, UserRecord)> {
    let pool = app.pool(pool_id).await?;
    let user = users::get(app, &pool, username).await?;
    Ok((pool, user))
}

pub async fn admin_get_device(app: &App, _caller: &IamCaller, input: AdminGetDeviceRequest) -> ApiResult<AdminGetDeviceResponse> {
    let (pool, user) = pool_and_user(app, &input.user_pool_id, &input.username).await?;
    let device = devices::confirmed(app, &pool, &user, &input.device_key).await?;
    Ok(AdminGetDeviceResponse { device: devices::device_type(app, &user, &device, View::Full) })
}

pub async fn admin_list_devices(app: &App, _caller: &IamCaller, input: AdminListDevicesRequest) -> ApiResult<AdminListDevicesResponse> {
    let (pool, user) = pool_and_user(app, &input.user_pool_id, &input.username).await?;
    let (devices, pagination_token) = page(app, &pool, &user, input.limit, input.pagination_token.as_deref(), View::Full).await?;
    Ok(AdminListDevicesResponse { devices: Some(devices), pagination_token })
}

pub async fn admin_update_device_status(
    app: &App,
    _caller: &IamCaller,
    input: AdminUpdateDeviceStatusRequest,
) -> ApiResult<AdminUpdateDeviceStatusResponse> {
    let (pool, user) = pool_and_user(app, &input.user_pool_id, &input.username).await?;
    set_status(app, &pool, &user, &input.device_key, input.device_remembered_status.as_deref()).await?;
    Ok(AdminUpdateDeviceStatusResponse {})
}

pub async fn admin_forget_device(app: &App, _caller: &IamCaller, input: AdminForgetDeviceRequest) -> ApiResult<AdminForgetDeviceResponse> {
    let (pool, user) = pool_and_user(app, &input.user_pool_id, &input.username).await?;
    let device = devices::owned(app, &pool, &user, &input.device_key).await?;
    devices::forget(app, &device).await?;
    Ok(AdminForgetDeviceResponse {})
}

/// UpdateDeviceStatus: `remembered` or `not_remembered` (the model leaves it optional; a call
/// without it changes nothing, so it is refused).
async fn set_status(app: &App, pool: &PoolRecord, user: &UserRecord, key: &str, status: Option<&str>) -> ApiResult<DeviceRecord> {
    let remembered = match status {
        Some("remembered") => true,
        Some("not_remembered") => false,
        _ => return Err(api_error!(InvalidParameterException, "DeviceRememberedStatus must be remembered or not_remembered.")),
    };
    devices::confirmed(app, pool, user, key).await?;
    let now = app.now_ms();
    devices::modify(app, &pool.id, key, |d| {
        d.data.remembered = remembered;
        d.data.modified_ms = now;
        Ok(())
    })
    .await
}

/// One page of a user's devices, oldest first, and the token for the next.
async fn page(
    app: &App,
    pool: &PoolRecord,
    user: &UserRecord,
    limit: Option<i64>,
    token: Option<&str>,
    view: View,
) -> ApiResult<(Vec<DeviceType>, Option<String>)> {
    let limit = match limit {
        Some(n) if n > 0 => (n as usize).min(MAX_PAGE),
        _ => MAX_PAGE,
    };
    let after = paging::decode_token(token)?;
    let page = app.store.list_devices(&pool.id, &user.username_key, after.as_deref(), limit).await.or_internal()?;
    let devices = page.items.iter().map(|d| devices::device_type(app, user, d, view)).collect();
    Ok((devices, page.next.as_deref().map(paging::encode_token)))
}
