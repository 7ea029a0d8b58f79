//! WebAuthn relying-party checks for passkeys (WebAuthn Level 3, §7.1 registration and §7.2
//! authentication), on the JSON shapes Cognito exchanges: `RegistrationResponseJSON` in
//! CompleteWebAuthnRegistration and `AuthenticationResponseJSON` as the `CREDENTIAL` answer.
//!
//! Parsing COSE keys is left to `coset` (Google's COSE library) and signatures to aws-lc-rs, the
//! crate's one crypto backend; this module only walks the ceremony steps. Why not a complete
//! relying-party library: see docs/passkeys.md.
//!
//! Accepted: attestation formats `none` and `packed` self-attestation; algorithms ES256 (-7) and
//! RS256 (-257), the two CredentialCreationOptions offers. Everything else is refused with
//! [`WebAuthnError::Unsupported`].

mod assertion;
mod authenticator_data;
mod client_data;
mod cose;
mod registration;
#[cfg(any(test, feature = "soft-authenticator"))]
pub mod soft_authenticator;
#[cfg(test)]
mod tests;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

pub use assertion::{VerifiedAssertion, assertion_credential_id, verify_assertion};
pub use cose::{ES256, RS256};
pub use registration::{RegisteredCredential, verify_registration};

/// Why a ceremony was refused. The caller maps each to the error its operation answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebAuthnError {
    /// The response is not well-formed (missing member, bad base64url, bad CBOR, ...).
    #[error("malformed WebAuthn response: {0}")]
    Malformed(String),
    /// `clientDataJSON.type` is not the ceremony's (`webauthn.create` / `webauthn.get`).
    #[error("clientDataJSON type is {0:?}")]
    WrongType(String),
    /// `clientDataJSON.challenge` is not the challenge the server issued.
    #[error("challenge mismatch")]
    ChallengeMismatch,
    /// `clientDataJSON.origin` is not one of the allowed origins.
    #[error("origin {0} is not allowed")]
    OriginNotAllowed(String),
    /// The authenticator data was made for another relying party ID.
    #[error("RP ID hash mismatch")]
    RelyingPartyMismatch,
    #[error("user presence flag not set")]
    UserNotPresent,
    #[error("user verification flag not set")]
    UserNotVerified,
    /// An attestation format or key algorithm this relying party does not accept.
    #[error("unsupported credential: {0}")]
    Unsupported(String),
    #[error("signature does not verify")]
    BadSignature,
    /// The signature counter did not increase: a replayed assertion or a cloned authenticator.
    #[error("signature counter did not increase")]
    CounterNotIncreased,
}

pub type Result<T> = std::result::Result<T, WebAuthnError>;

/// What the relying party expects of one ceremony.
pub struct Expectation<'a> {
    /// The challenge bytes the server issued for this ceremony.
    pub challenge: &'a [u8],
    /// The relying party ID (a domain); its SHA-256 must head the authenticator data.
    pub rp_id: &'a str,
    /// Whether `origin` (scheme://host[:port], as clientDataJSON carries it) is allowed.
    pub origin_allowed: &'a (dyn Fn(&str) -> bool + Sync),
    /// Refuse responses without the UV flag (pool UserVerification `required`).
    pub require_user_verification: bool,
}

/// base64url as browsers emit it (no padding), also accepting padded input.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub fn b64url_encode(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    B64URL.decode(s).ok()
}

/// For fuzzing (fuzz/fuzz_targets/webauthn_authdata.rs): the byte parsers a registration runs on
/// an authenticator's output, without the ceremony around them: authenticator data for `rp_id`
/// (flags, counter, attested credential, extensions) and the credential's COSE key, whose algorithm
/// is returned. Any input gives an answer, never a panic.
pub fn parse_authenticator_data(raw: &[u8], rp_id: &str) -> Result<Option<i64>> {
    let expect = Expectation { challenge: &[], rp_id, origin_allowed: &|_| false, require_user_verification: false };
    let data = authenticator_data::parse_and_check(raw, &expect)?;
    data.attested.map(|credential| cose::parse(&credential.public_key).map(|key| key.algorithm())).transpose()
}

fn malformed(what: &str) -> WebAuthnError {
    WebAuthnError::Malformed(what.to_string())
}

/// A base64url member of a JSON object.
fn b64_member(obj: &serde_json::Value, name: &str) -> Result<Vec<u8>> {
    obj.get(name)
        .and_then(|v| v.as_str())
        .and_then(b64url_decode)
        .ok_or_else(|| WebAuthnError::Malformed(format!("{name} is missing or not base64url")))
}

/// The members every PublicKeyCredential JSON has: `rawId` (checked against `id`) and `type`.
fn credential_id(credential: &serde_json::Value) -> Result<Vec<u8>> {
    if credential.get("type").and_then(|t| t.as_str()) != Some("public-key") {
        return Err(malformed("type must be public-key"));
    }
    let raw = b64_member(credential, "rawId")?;
    if let Some(id) = credential.get("id").and_then(|v| v.as_str())
        && b64url_decode(id).as_deref() != Some(raw.as_slice())
    {
        return Err(malformed("id and rawId differ"));
    }
    if raw.is_empty() || raw.len() > 1023 {
        return Err(malformed("credential id length"));
    }
    Ok(raw)
}
