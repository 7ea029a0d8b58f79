//! SigV4 for administrative operations: verified against configured access keys, or, in local mode
//! (loopback, no keys configured), accepted when well formed.

use std::collections::HashMap;

use axum::http::request::Parts;
use cognate_core::IamCaller;
use cognate_crypto::sigv4;
use cognate_wire::{ApiError, ErrorCode};

use crate::config::AdminKey;

pub struct AdminAuth {
    keys: HashMap<String, String>,
}

impl AdminAuth {
    pub fn new(keys: &[AdminKey]) -> Self {
        AdminAuth { keys: keys.iter().map(|k| (k.access_key_id.clone(), k.secret.clone())).collect() }
    }

    /// No keys configured: any well-formed signature is accepted (local development only).
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn verify(&self, parts: &Parts, body: &[u8], now_ms: i64) -> Result<IamCaller, ApiError> {
        let headers: Vec<(&str, &str)> = parts.headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))).collect();
        let request = sigv4::Request {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &headers,
            body,
        };
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        let result = if self.is_open() {
            sigv4::verify_structure_only(&request)
        } else {
            sigv4::verify(&request, |id| self.keys.get(id).cloned(), now)
        };
        match result {
            Ok(v) => Ok(IamCaller { access_key_id: v.access_key_id, region: v.region }),
            Err(e) => Err(ApiError::new(error_code(e.aws_code()), e.message())),
        }
    }
}

fn error_code(name: &str) -> ErrorCode {
    match name {
        "MissingAuthenticationTokenException" => ErrorCode::MissingAuthenticationTokenException,
        "IncompleteSignatureException" => ErrorCode::IncompleteSignatureException,
        "UnrecognizedClientException" => ErrorCode::UnrecognizedClientException,
        _ => ErrorCode::InvalidSignatureException,
    }
}
