//! The one error type that crosses the wire: an exception name from the model and a message.

pub use crate::generated::errors::ErrorCode;

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
