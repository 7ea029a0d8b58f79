//! Settings and user state are stored as JSON documents.

use cognate_core::store::{StoreError, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub fn to_text<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(format!("encode: {e}")))
}

pub fn from_text<T: DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Backend(format!("stored document unreadable: {e}")))
}

/// The same from the raw UTF-8 bytes a driver hands out.
pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Backend(format!("stored document unreadable: {e}")))
}
