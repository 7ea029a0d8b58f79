//! Authentication ceremony (WebAuthn §7.2): verify an `AuthenticationResponseJSON` against a
//! stored credential.

use serde_json::Value;

use super::{
    Expectation, Result, WebAuthnError, authenticator_data, b64_member, b64url_decode, client_data, cose, credential_id, malformed,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The counter to store from now on.
    pub sign_count: u32,
    pub user_verified: bool,
    /// `response.userHandle`, when the authenticator returned one.
    pub user_handle: Option<Vec<u8>>,
}

/// The credential an assertion claims to be from, so the caller can find its stored key.
pub fn assertion_credential_id(credential: &Value) -> Result<Vec<u8>> {
    credential_id(credential)
}

/// Verify `credential` made with the stored `public_key` (COSE) whose last counter was `stored_count`.
pub fn verify_assertion(credential: &Value, expect: &Expectation<'_>, public_key: &[u8], stored_count: u32) -> Result<VerifiedAssertion> {
    credential_id(credential)?;
    let response = credential.get("response").filter(|r| r.is_object()).ok_or_else(|| malformed("response is missing"))?;
    let client_data_json = b64_member(response, "clientDataJSON")?;
    let auth_data = b64_member(response, "authenticatorData")?;
    let signature = b64_member(response, "signature")?;
    let client_hash = client_data::check(&client_data_json, "webauthn.get", expect)?;
    let data = authenticator_data::parse_and_check(&auth_data, expect)?;
    let key = cose::parse(public_key)?;
    key.verify(&[auth_data.as_slice(), client_hash.as_slice()].concat(), &signature)?;
    // §7.2 step 22: when either counter is non-zero the new one must be greater; otherwise the
    // authenticator may have been cloned (or the assertion replayed).
    if (data.sign_count != 0 || stored_count != 0) && data.sign_count <= stored_count {
        return Err(WebAuthnError::CounterNotIncreased);
    }
    let user_handle = match response.get("userHandle") {
        Some(Value::String(s)) if !s.is_empty() => Some(b64url_decode(s).ok_or_else(|| malformed("userHandle is not base64url"))?),
        _ => None,
    };
    Ok(VerifiedAssertion { sign_count: data.sign_count, user_verified: data.user_verified, user_handle })
}
