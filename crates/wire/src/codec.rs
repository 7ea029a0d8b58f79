//! AWS JSON 1.1: target header to operation, body to validated input, output and errors to bytes.
//! The single place where errors become bytes (design: "A request's way through", step 5).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::quoted;
use crate::schema::{model_operation, validate};
use crate::{ApiError, ErrorCode, Operation, TARGET_PREFIX};

/// Largest request body accepted. Cognito's largest inputs (a user pool with every template) stay far
/// below this.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Resolve `X-Amz-Target`.
pub fn operation_from_target(target: Option<&str>) -> Result<Operation, ApiError> {
    let Some(target) = target else {
        return Err(ApiError::new(ErrorCode::UnknownOperationException, "Missing X-Amz-Target header."));
    };
    let Some(name) = target.strip_prefix(TARGET_PREFIX) else {
        return Err(ApiError::new(ErrorCode::UnknownOperationException, format!("Unknown operation target: {}", quoted(target))));
    };
    if let Some(op) = Operation::from_name(name) {
        return Ok(op);
    }
    if model_operation(name).is_some() {
        return Err(ApiError::new(
            ErrorCode::UnknownOperationException,
            format!("Operation {name} is part of the Cognito API but Cognate does not implement it yet."),
        ));
    }
    Err(ApiError::new(ErrorCode::UnknownOperationException, format!("Unknown operation: {}", quoted(name))))
}

/// Parse and validate a request body for `op`. An empty body is read as `{}`.
pub fn decode_body(op: Operation, body: &[u8]) -> Result<Value, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let value: Value = if body.iter().all(|b| b.is_ascii_whitespace()) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::new(ErrorCode::SerializationException, format!("Unable to parse the request body as JSON: {e}")))?
    };
    validate(op.model().input, &value)?;
    let mut value = value;
    strip_nulls(&mut value);
    Ok(value)
}

/// A `null` member or map value means absent. Clients send them (amazon-cognito-identity-js sends
/// `"DEVICE_KEY": null` in AuthParameters on every refresh when no device is remembered).
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(strip_nulls);
        }
        _ => {}
    }
}

/// Turn a validated body into the typed request.
pub fn into_input<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::new(ErrorCode::SerializationException, e.to_string()))
}

pub fn too_large() -> ApiError {
    ApiError::new(ErrorCode::RequestEntityTooLargeException, format!("Request body is larger than {MAX_BODY_BYTES} bytes."))
}

pub fn encode_output<T: Serialize>(output: &T) -> Vec<u8> {
    // Serializing plain data structures into a Vec cannot fail.
    serde_json::to_vec(output).unwrap_or_else(|_| b"{}".to_vec())
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "__type")]
    kind: &'a str,
    message: &'a str,
}

/// `{"__type": "...", "message": "..."}`; callers also set `x-amzn-ErrorType: <type>:`.
pub fn encode_error(err: &ApiError) -> Vec<u8> {
    encode_output(&ErrorBody { kind: err.code.name(), message: &err.message })
}

/// The `x-amzn-ErrorType` header value: the type followed by a colon, as the real service sends it.
pub fn error_type_header(err: &ApiError) -> String {
    format!("{}:", err.code.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_error_body() {
        let e = crate::api_error!(NotAuthorizedException, "Incorrect username or password.");
        assert_eq!(
            String::from_utf8(encode_error(&e)).unwrap_or_default(),
            r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#
        );
        assert_eq!(error_type_header(&e), "NotAuthorizedException:");
        assert_eq!(e.status(), 400);
        assert_eq!(ApiError::internal().status(), 500);
    }

    #[test]
    fn targets() {
        assert_eq!(operation_from_target(Some("AWSCognitoIdentityProviderService.ListUserPools")), Ok(Operation::ListUserPools));
        for bad in [None, Some("ListUserPools"), Some("AWSCognitoIdentityProviderService.Nope")] {
            assert_eq!(operation_from_target(bad).map_err(|e| e.code), Err(ErrorCode::UnknownOperationException));
        }
    }

    #[test]
    fn bodies() {
        assert!(decode_body(Operation::ListUserPools, b"").is_err()); // MaxResults is required
        assert_eq!(decode_body(Operation::ListUserPools, b"{").map_err(|e| e.code), Err(ErrorCode::SerializationException));
        assert!(decode_body(Operation::ListUserPools, br#"{"MaxResults": 10}"#).is_ok());
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(decode_body(Operation::ListUserPools, &big).map_err(|e| e.code), Err(ErrorCode::RequestEntityTooLargeException));
    }
}
