//! Remembered devices (docs/devices.md): a device key is issued at the end of a sign-in in a pool
//! that tracks devices (`NewDeviceMetadata`), confirmed by ConfirmDevice with the device's SRP
//! verifier, and then remembered or not. Kept in their own table: a user may have many, and every
//! sign-in without a device key issues one.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Page, StoreResult};

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRecord {
    pub pool_id: String,
    /// `<region>_<uuid>`, unique across pools.
    pub device_key: String,
    /// The owner ([`super::UserRecord::username_key`]).
    pub username_key: String,
    pub created_ms: i64,
    /// Set by ConfirmDevice. Only confirmed devices are listed; unconfirmed ones are purged by the
    /// janitor a day after they were issued ([`super::MaintenanceStore::purge_expired`]).
    pub confirmed: bool,
    pub data: DeviceData,
    /// Incremented by every write; see [`DeviceStore::update_device`].
    pub version: i64,
}

/// A device's mutable state, stored as one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceData {
    /// `DeviceGroupKey`: part of the identity the device's SRP verifier is computed over.
    pub group_key: String,
    /// `dev:device_remembered_status`.
    #[serde(default)]
    pub remembered: bool,
    /// ConfirmDevice's DeviceName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The device's SRP salt and verifier (ConfirmDevice's DeviceSecretVerifierConfig), lowercase
    /// hex of the unsigned integers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<String>,
    pub modified_ms: i64,
    /// The last sign-in that proved the device (DEVICE_PASSWORD_VERIFIER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_ms: Option<i64>,
    /// `last_ip_used`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ip: Option<String>,
    /// Whether a sign-in on this device has passed MFA: only then may the device stand in for MFA
    /// (docs/devices.md, Which MFA a device skips).
    #[serde(default)]
    pub mfa_passed: bool,
    /// A sign-in on this device waiting for DEVICE_SRP_AUTH. Kept here, not in a challenge session:
    /// clients answer DEVICE_SRP_AUTH without its `Session` (or with a used one), so the device key
    /// is what finds it. A newer sign-in on the device replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingDeviceAuth>,
}

/// What a sign-in proved before its DEVICE_SRP_AUTH challenge (docs/devices.md, Device SRP).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PendingDeviceAuth {
    /// Random: tells this sign-in's step from a newer one on the same device.
    pub id: String,
    /// The app client the sign-in runs through.
    pub client_id: String,
    pub expires_ms: i64,
    /// The sign-in answered an MFA challenge: once the device is proven, it may skip MFA later.
    pub mfa_answered: bool,
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Insert a new device; `Conflict(device_key)` if the key exists.
    async fn create_device(&self, device: &DeviceRecord) -> StoreResult<()>;
    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<DeviceRecord>>;
    /// Write `device` (its `confirmed` and `data`) if the stored version is still
    /// `device.version - 1`: `Stale` if it changed, `NotFound` if it was deleted.
    async fn update_device(&self, device: &DeviceRecord) -> StoreResult<()>;
    /// False if it did not exist.
    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool>;
    /// A user's confirmed devices, oldest first (by `created_ms`, then `device_key`), starting after
    /// `after` (the `next` of an earlier page, opaque to the caller).
    async fn list_devices(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<DeviceRecord>>;
}
