//! Failures the client must not see the details of. Every error a handler answers is built with
//! [`crate::api_error!`]; the exceptions are the unexpected ones here, which are logged with their
//! cause and the line that met them, and answered with `InternalErrorException` and a generic
//! message. Expected store outcomes (a taken username, a record changed concurrently) are mapped
//! explicitly where they can occur, never through here.

use std::panic::Location;

use crate::ApiError;
use crate::store::{StoreError, StoreResult};

/// A store failure, answered as an internal error.
#[track_caller]
pub fn internal(err: StoreError) -> ApiError {
    unexpected(&err, Location::caller())
}

/// Anything else unexpected (a hashing thread gone, a signing failure), logged with its cause.
#[track_caller]
pub fn unexpected_error(what: &'static str, err: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %err, at = %Location::caller(), "{what}");
    ApiError::internal()
}

/// A unique key taken where the record claims none (pools, app clients).
#[track_caller]
pub fn unexpected_conflict(key: &str) -> ApiError {
    unexpected_error("unexpected conflict on a record without unique keys", &key)
}

fn unexpected(err: &StoreError, at: &Location<'_>) -> ApiError {
    tracing::error!(error = %err, %at, "store error");
    ApiError::internal()
}

/// `store_call.await.or_internal()?`: [`internal`] with the caller's line (a function passed to
/// `map_err` would report a line inside the standard library).
pub trait OrInternal<T> {
    fn or_internal(self) -> Result<T, ApiError>;
}

impl<T> OrInternal<T> for StoreResult<T> {
    #[track_caller]
    fn or_internal(self) -> Result<T, ApiError> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(unexpected(&e, Location::caller())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn store_failures_are_generic_internal_errors() {
        let r: StoreResult<()> = Err(StoreError::Backend("disk on fire".into()));
        let e = r.or_internal().unwrap_err();
        assert_eq!(e.code, ErrorCode::InternalErrorException);
        assert!(!e.message.contains("disk"));
    }
}
