//! The one error type that crosses the wire: an exception name from the model and a message.

use std::borrow::Cow;

pub use crate::generated::errors::ErrorCode;

/// The most characters of a caller's value an error message quotes. Messages are echoed in the
/// `x-amzn-ErrorMessage` header too, and a 70 KB value there makes a header some HTTP clients
/// refuse (Python's http.client stops at 64 KiB); 256 characters still show which value it was.
pub const MAX_QUOTED_CHARS: usize = 256;

/// `value` as an error message quotes it: whole when it is at most [`MAX_QUOTED_CHARS`]
/// characters, else its first ones (cut between characters, never inside one) and `...`.
pub fn quoted(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        None => Cow::Borrowed(value),
        Some((cut, _)) => Cow::Owned(format!("{}...", &value[..cut])),
    }
}

/// An error as the client sees it: `{"__type": code, "message": message}` with the code's HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The generic answer for anything unexpected; the cause is logged, never sent.
    pub fn internal() -> Self {
        ApiError::new(ErrorCode::InternalErrorException, "An internal error occurred.")
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidParameterException, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// `api_error!(NotAuthorizedException, "Incorrect username or password.")`, or with format arguments.
#[macro_export]
macro_rules! api_error {
    ($code:ident, $($msg:tt)+) => {
        $crate::ApiError::new($crate::ErrorCode::$code, format!($($msg)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_cut_between_characters() {
        assert_eq!(quoted("short"), "short");
        let exact = "é".repeat(MAX_QUOTED_CHARS);
        assert_eq!(quoted(&exact), exact);
        let long = "é".repeat(70_000);
        assert_eq!(quoted(&long), format!("{}...", "é".repeat(MAX_QUOTED_CHARS)));
    }
}
