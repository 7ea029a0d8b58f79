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
    if let Ok(v) = HeaderValue::from_str(capped(&err.message)) {
        h.insert("x-amzn-errormessage", v);
    }
    r
}

/// The longest `x-amzn-ErrorMessage` sent, in bytes. Quoted values are already cut short
/// (`cognate_wire::error::quoted`); this bounds what is left (a message listing many problems), so
/// the header stays far below what HTTP clients accept. The body keeps the whole message.
pub const MAX_ERROR_MESSAGE_HEADER: usize = 2048;

/// `message` cut to [`MAX_ERROR_MESSAGE_HEADER`] bytes, between characters.
fn capped(message: &str) -> &str {
    if message.len() <= MAX_ERROR_MESSAGE_HEADER {
        return message;
    }
    let cut = (0..=MAX_ERROR_MESSAGE_HEADER).rev().find(|i| message.is_char_boundary(*i)).unwrap_or(0);
    &message[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_header_is_capped_between_characters() {
        assert_eq!(capped("short"), "short");
        let long = "é".repeat(MAX_ERROR_MESSAGE_HEADER);
        assert_eq!(capped(&long), "é".repeat(MAX_ERROR_MESSAGE_HEADER / 2));
        let odd = format!("a{long}");
        assert_eq!(capped(&odd).len(), MAX_ERROR_MESSAGE_HEADER - 1);
    }
}
