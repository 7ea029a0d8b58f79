//! The headers every answer carries (`x-amzn-RequestId`) and the shape of an error answer: the
//! encoded `{"__type","message"}` body plus `x-amzn-ErrorType` and `x-amzn-ErrorMessage`, as the
//! AWS SDKs read them.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use cognate_wire::codec::{encode_error, error_type_header};
use cognate_wire::{ApiError, CONTENT_TYPE};

/// `s` as a header value, or `-` when it holds characters a header cannot.
pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    if err.code.status() >= 500 {
        tracing::warn!(code = err.code.name(), "request failed with a server error");
    } else {
        tracing::debug!(code = err.code.name(), message = %err.message, "request refused");
    }
    let mut r = Response::new(Body::from(encode_error(err)));
    *r.status_mut() = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert("x-amzn-requestid", header_value(request_id));
    h.insert("x-amzn-errortype", header_value(&error_type_header(err)));
    // Header values cannot carry every character a message may hold; the body always has it.
    if let Ok(v) = HeaderValue::from_str(&err.message) {
        h.insert("x-amzn-errormessage", v);
    }
    r
}
