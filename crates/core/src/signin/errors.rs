//! The refusals sign-in shares, in the real service's words.

use crate::{ApiError, api_error};

pub fn wrong_password() -> ApiError {
    api_error!(NotAuthorizedException, "Incorrect username or password.")
}

pub fn invalid_session() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid session for the user.")
}

pub fn session_used() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid session for the user, session can only be used once.")
}

pub fn session_expired() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid session for the user, session is expired.")
}

/// A wrong sign-in code (MFA or a one-time code as the first factor).
pub fn code_mismatch() -> ApiError {
    api_error!(CodeMismatchException, "Invalid code or auth state for the user.")
}

pub fn not_supported(challenge: &str) -> ApiError {
    api_error!(InvalidParameterException, "Challenge {challenge} is not supported by Cognate yet.")
}
