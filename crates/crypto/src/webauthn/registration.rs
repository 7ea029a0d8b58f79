//! Registration ceremony (WebAuthn §7.1): verify a `RegistrationResponseJSON` and return the new
//! credential to store.

use ciborium::Value as Cbor;
use serde_json::Value;

use super::{Expectation, Result, WebAuthnError, authenticator_data, b64_member, client_data, cose, credential_id, malformed};

/// A verified new credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredCredential {
    pub credential_id: Vec<u8>,
    /// The COSE_Key as the authenticator encoded it; given back to [`super::verify_assertion`].
    pub public_key: Vec<u8>,
    /// -7 (ES256) or -257 (RS256).
    pub algorithm: i64,
    pub sign_count: u32,
    pub user_verified: bool,
    pub aaguid: [u8; 16],
    /// `none` or `packed`.
    pub attestation_format: String,
    /// `response.transports`, as the client reported them (not authenticated).
    pub transports: Vec<String>,
    /// `authenticatorAttachment` (`platform` / `cross-platform`), as the client reported it.
    pub attachment: Option<String>,
}

fn text_key<'a>(map: &'a [(Cbor, Cbor)], name: &str) -> Option<&'a Cbor> {
    map.iter().find(|(k, _)| k.as_text() == Some(name)).map(|(_, v)| v)
}

pub fn verify_registration(credential: &Value, expect: &Expectation<'_>) -> Result<RegisteredCredential> {
    let raw_id = credential_id(credential)?;
    let response = credential.get("response").filter(|r| r.is_object()).ok_or_else(|| malformed("response is missing"))?;
    let client_data_json = b64_member(response, "clientDataJSON")?;
    let client_hash = client_data::check(&client_data_json, "webauthn.create", expect)?;

    let attestation = b64_member(response, "attestationObject")?;
    let object: Cbor = ciborium::from_reader(attestation.as_slice()).map_err(|_| malformed("attestationObject is not CBOR"))?;
    let map = object.as_map().ok_or_else(|| malformed("attestationObject is not a map"))?;
    let fmt = text_key(map, "fmt").and_then(Cbor::as_text).ok_or_else(|| malformed("attestationObject.fmt"))?;
    let statement = text_key(map, "attStmt").and_then(Cbor::as_map).ok_or_else(|| malformed("attestationObject.attStmt"))?;
    let auth_data = text_key(map, "authData").and_then(Cbor::as_bytes).ok_or_else(|| malformed("attestationObject.authData"))?;

    let data = authenticator_data::parse_and_check(auth_data, expect)?;
    let attested = data.attested.ok_or_else(|| malformed("authenticator data has no attested credential"))?;
    if attested.credential_id != raw_id {
        return Err(malformed("credential id in authenticator data differs from rawId"));
    }
    let key = cose::parse(&attested.public_key)?;

    match fmt {
        "none" => {
            if !statement.is_empty() {
                return Err(malformed("attStmt must be empty for format none"));
            }
        }
        "packed" => {
            if text_key(statement, "x5c").is_some() {
                // Full (certificate) attestation would need X.509 chain checks; the options ask
                // for attestation "none", so browsers do not send it.
                return Err(WebAuthnError::Unsupported("packed attestation with a certificate (x5c) is not supported".into()));
            }
            let alg = text_key(statement, "alg").and_then(Cbor::as_integer).and_then(|i| i64::try_from(i).ok());
            if alg != Some(key.algorithm()) {
                return Err(malformed("packed self-attestation alg differs from the credential's"));
            }
            let sig = text_key(statement, "sig").and_then(Cbor::as_bytes).ok_or_else(|| malformed("attStmt.sig"))?;
            let signed = [auth_data, client_hash.as_slice()].concat();
            key.verify(&signed, sig)?;
        }
        other => return Err(WebAuthnError::Unsupported(format!("attestation format {other} is not supported (only none and packed)"))),
    }

    let transports = response
        .get("transports")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let attachment = credential.get("authenticatorAttachment").and_then(Value::as_str).map(str::to_string);
    Ok(RegisteredCredential {
        credential_id: raw_id,
        algorithm: key.algorithm(),
        public_key: attested.public_key,
        sign_count: data.sign_count,
        user_verified: data.user_verified,
        aaguid: attested.aaguid,
        attestation_format: fmt.to_string(),
        transports,
        attachment,
    })
}
