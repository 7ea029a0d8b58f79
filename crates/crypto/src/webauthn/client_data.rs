//! `clientDataJSON` (WebAuthn §5.8.1): parsed as JSON, never compared as bytes, because browsers
//! may add members (Chromium inserts `other_keys_can_be_added_here`).

use serde_json::Value;

use super::{Expectation, Result, WebAuthnError, b64url_decode, malformed};
use crate::primitives::{ct_eq, sha256};

/// Check the client data of a ceremony of `ceremony` type and return its SHA-256, which the
/// authenticator signed.
pub(super) fn check(raw: &[u8], ceremony: &str, expect: &Expectation<'_>) -> Result<[u8; 32]> {
    let data: Value = serde_json::from_slice(raw).map_err(|_| malformed("clientDataJSON is not JSON"))?;
    let field = |name: &str| {
        data.get(name).and_then(Value::as_str).ok_or_else(|| WebAuthnError::Malformed(format!("clientDataJSON.{name} is missing")))
    };
    let kind = field("type")?;
    if kind != ceremony {
        return Err(WebAuthnError::WrongType(kind.to_string()));
    }
    let challenge = b64url_decode(field("challenge")?).ok_or_else(|| malformed("clientDataJSON.challenge is not base64url"))?;
    if !ct_eq(&challenge, expect.challenge) {
        return Err(WebAuthnError::ChallengeMismatch);
    }
    let origin = field("origin")?;
    if !(expect.origin_allowed)(origin) {
        return Err(WebAuthnError::OriginNotAllowed(origin.to_string()));
    }
    // A credential created inside a cross-origin iframe carries `crossOrigin: true`; Cognito's
    // relying party is the top-level page, so such responses are refused.
    if data.get("crossOrigin").and_then(Value::as_bool) == Some(true) {
        return Err(WebAuthnError::OriginNotAllowed(origin.to_string()));
    }
    Ok(sha256(&[raw]))
}
