//! CORS for browser SDKs (amazon-cognito-identity-js calls the API from web pages). Every answer
//! carries these headers, whichever route produced it.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Response headers a browser script may read: the request id and the error details.
const EXPOSED: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

/// CORS headers for a browser caller: the origin and requested headers are echoed, as the clients
/// README observed of AWS-compatible endpoints; nothing is credentialed (tokens travel in the body).
pub fn cors(headers: &HeaderMap, out: &mut HeaderMap) {
    let origin = headers.get(header::ORIGIN).cloned().unwrap_or_else(|| HeaderValue::from_static("*"));
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
}

/// The answer to a CORS preflight (`OPTIONS`) on any path: allow what the browser asks to send.
pub fn preflight(headers: &HeaderMap) -> Response {
    let mut out = HeaderMap::new();
    cors(headers, &mut out);
    out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, GET, OPTIONS"));
    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        requested.unwrap_or_else(|| HeaderValue::from_static("content-type,x-amz-target,x-amz-user-agent,authorization")),
    );
    out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    (StatusCode::NO_CONTENT, out).into_response()
}
