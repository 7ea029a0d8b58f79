//! Device tracking (docs/devices.md; AWS: "Working with user devices in your user pool"): the
//! pool's DeviceConfiguration, device keys issued at sign-in, the rule for when a remembered device
//! stands in for MFA, and devices as the device operations show them.

use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::shapes::{AttributeType, DeviceType, NewDeviceMetadataType};
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::errors::OrInternal;
use crate::store::{DeviceData, DeviceRecord, PoolRecord, StoreError, UserRecord};
use crate::time::wire_timestamp;
use crate::{ApiError, ApiResult, App, api_error, ids, modify};

/// A pool's DeviceConfiguration, when it tracks devices (any DeviceConfiguration does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracking {
    /// ChallengeRequiredOnNewDevice: a remembered device may stand in for MFA.
    pub remembered_skips_mfa: bool,
    /// DeviceOnlyRememberedOnUserPrompt: ConfirmDevice leaves the device not remembered until the
    /// user says so (UpdateDeviceStatus).
    pub remember_on_prompt: bool,
}

pub fn tracking(pool: &PoolRecord) -> Option<Tracking> {
    pool.settings.device_configuration.as_ref().map(|c| Tracking {
        remembered_skips_mfa: c.challenge_required_on_new_device.unwrap_or(false),
        remember_on_prompt: c.device_only_remembered_on_user_prompt.unwrap_or(false),
    })
}

pub fn not_found() -> ApiError {
    api_error!(ResourceNotFoundException, "Device does not exist.")
}

/// The device operations in a pool that does not track devices.
pub fn not_tracked() -> ApiError {
    api_error!(InvalidUserPoolConfigurationException, "Device tracking is not enabled for this user pool.")
}

/// `<region>_<uuid>`, like `us-east-1_e5aa0983-759e-478c-bf4b-6fa73b2af7a5`.
fn new_device_key(pool_id: &str) -> String {
    format!("{}_{}", ids::pool_region(pool_id), ids::uuid())
}

/// `-` and 8 letters and digits, like `-Vfxs5RNW`; one per device.
fn new_group_key() -> String {
    let suffix: String = rand::rng().sample_iter(&Alphanumeric).take(8).map(char::from).collect();
    format!("-{suffix}")
}

/// Issue a new device to `user` at the end of a sign-in (NewDeviceMetadata). It is usable once
/// ConfirmDevice gives it a verifier; `mfa_answered`: this sign-in passed MFA.
pub async fn issue(app: &App, pool: &PoolRecord, user: &UserRecord, mfa_answered: bool) -> ApiResult<NewDeviceMetadataType> {
    let now = app.now_ms();
    let device = DeviceRecord {
        pool_id: pool.id.clone(),
        device_key: new_device_key(&pool.id),
        username_key: user.username_key.clone(),
        created_ms: now,
        confirmed: false,
        data: DeviceData { group_key: new_group_key(), modified_ms: now, mfa_passed: mfa_answered, ..Default::default() },
        version: 1,
    };
    app.store.create_device(&device).await.or_internal()?;
    Ok(NewDeviceMetadataType { device_key: Some(device.device_key), device_group_key: Some(device.data.group_key) })
}

/// `user`'s device `key`: "Device does not exist." for a key unknown, forgotten, of another pool or
/// of another user.
pub async fn owned(app: &App, pool: &PoolRecord, user: &UserRecord, key: &str) -> ApiResult<DeviceRecord> {
    app.store.get_device(&pool.id, key).await.or_internal()?.filter(|d| d.username_key == user.username_key).ok_or_else(not_found)
}

/// [`owned`], and confirmed: what a sign-in or a device operation may use.
pub async fn confirmed(app: &App, pool: &PoolRecord, user: &UserRecord, key: &str) -> ApiResult<DeviceRecord> {
    Some(owned(app, pool, user, key).await?).filter(|d| d.confirmed).ok_or_else(not_found)
}

/// Whether `device` may stand in for the MFA `factors` a sign-in would answer: the pool lets
/// remembered devices skip MFA, the device is confirmed and remembered, a sign-in on it has passed
/// MFA before (a device remembered before the user had MFA asks once), and the MFA is by SMS or an
/// authenticator app (AWS documents the bypass for those two; email MFA is always asked).
pub fn skips_mfa(tracking: Tracking, device: &DeviceRecord, factors: &[ChallengeName]) -> bool {
    tracking.remembered_skips_mfa
        && device.confirmed
        && device.data.remembered
        && device.data.mfa_passed
        && !factors.is_empty()
        && factors.iter().all(|f| matches!(f, ChallengeName::SmsMfa | ChallengeName::SoftwareTokenMfa))
}

/// Read-modify-write of one device, retried when another request changed it in between. Sets no
/// date: `modified_ms` is the user's changes (a name, a status), not a sign-in's bookkeeping.
pub async fn modify<F>(app: &App, pool_id: &str, key: &str, mut change: F) -> ApiResult<DeviceRecord>
where
    F: FnMut(&mut DeviceRecord) -> ApiResult<()>,
{
    let errors = modify::Errors { kind: "device", not_found: &not_found, conflict: &|_| not_found() };
    let load = || async { app.store.get_device(pool_id, key).await.or_internal()?.ok_or_else(not_found) };
    let change = |device: &mut DeviceRecord| {
        change(device)?;
        device.version += 1;
        Ok(())
    };
    let save = |device: DeviceRecord| async move {
        let written = app.store.update_device(&device).await;
        (device, written)
    };
    modify::retrying(&errors, load, change, save).await
}

/// Forget a device: deleted, so that its key and the refresh tokens bound to it stop working.
pub async fn forget(app: &App, device: &DeviceRecord) -> ApiResult<()> {
    match app.store.delete_device(&device.pool_id, &device.device_key).await {
        Ok(true) => Ok(()),
        Ok(false) | Err(StoreError::NotFound) => Err(not_found()),
        Err(e) => Err(crate::errors::internal(e)),
    }
}

/// How much of a device an operation shows: ListDevices shows its name, status and last address;
/// GetDevice and the admin operations add the `dev:` attributes (as AWS's examples show them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Brief,
    Full,
}

/// A device as the device operations return it.
pub fn device_type(app: &App, user: &UserRecord, device: &DeviceRecord, view: View) -> DeviceType {
    let attribute = |name: &str, value: String| AttributeType { name: name.to_string(), value: Some(value) };
    let d = &device.data;
    let mut attributes = vec![attribute("device_status", "valid".into())];
    if let Some(name) = &d.name {
        attributes.push(attribute("device_name", name.clone()));
    }
    if view == View::Full {
        let owner = format!("{}.{}", user.username, device.pool_id);
        let arn = format!(
            "arn:aws:cognito-idp:{}:{}:owner/{owner}/device/{}",
            ids::pool_region(&device.pool_id),
            app.config.account_id,
            device.device_key
        );
        attributes.push(attribute("dev:device_arn", arn));
        attributes.push(attribute("dev:device_owner", owner));
    }
    if let Some(ip) = &d.last_ip {
        attributes.push(attribute("last_ip_used", ip.clone()));
    }
    if view == View::Full {
        let status = if d.remembered { "remembered" } else { "not_remembered" };
        attributes.push(attribute("dev:device_remembered_status", status.into()));
        attributes.push(attribute("dev:device_sdk", "aws-sdk".into()));
    }
    DeviceType {
        device_key: Some(device.device_key.clone()),
        device_attributes: Some(attributes),
        device_create_date: Some(wire_timestamp(device.created_ms)),
        device_last_modified_date: Some(wire_timestamp(d.modified_ms)),
        // Whole seconds, as AWS shows it.
        device_last_authenticated_date: d.last_authenticated_ms.map(|ms| wire_timestamp(ms).floor()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(remembered: bool, mfa_passed: bool) -> DeviceRecord {
        DeviceRecord {
            pool_id: "us-east-1_p".into(),
            device_key: "us-east-1_k".into(),
            username_key: "alice".into(),
            created_ms: 0,
            confirmed: true,
            data: DeviceData { group_key: "-g".into(), remembered, mfa_passed, ..Default::default() },
            version: 1,
        }
    }

    #[test]
    fn keys_look_like_aws_keys() {
        let key = new_device_key("eu-west-1_AbC");
        let (region, uuid) = key.split_once('_').expect("region_uuid");
        assert_eq!((region, uuid.len()), ("eu-west-1", 36));
        let group = new_group_key();
        assert!(group.starts_with('-') && group.len() == 9, "{group}");
    }

    #[test]
    fn which_devices_skip_which_mfa() {
        use ChallengeName::{EmailOtp, SmsMfa, SoftwareTokenMfa};
        let on = Tracking { remembered_skips_mfa: true, remember_on_prompt: false };
        let off = Tracking { remembered_skips_mfa: false, ..on };
        assert!(skips_mfa(on, &device(true, true), &[SoftwareTokenMfa]));
        assert!(skips_mfa(on, &device(true, true), &[SmsMfa, SoftwareTokenMfa]));
        assert!(!skips_mfa(off, &device(true, true), &[SoftwareTokenMfa]), "the pool does not let devices skip MFA");
        assert!(!skips_mfa(on, &device(false, true), &[SoftwareTokenMfa]), "not remembered");
        assert!(!skips_mfa(on, &device(true, false), &[SoftwareTokenMfa]), "no MFA passed on it yet");
        assert!(!skips_mfa(on, &device(true, true), &[EmailOtp]), "email MFA is always asked");
        assert!(!skips_mfa(on, &device(true, true), &[SmsMfa, EmailOtp]));
        let unconfirmed = DeviceRecord { confirmed: false, ..device(true, true) };
        assert!(!skips_mfa(on, &unconfirmed, &[SoftwareTokenMfa]));
    }
}
