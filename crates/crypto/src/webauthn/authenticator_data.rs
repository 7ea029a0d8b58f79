//! Authenticator data (WebAuthn §6.1): RP ID hash, flags, signature counter and, at registration,
//! the attested credential data (AAGUID, credential id, COSE public key).

use super::{Expectation, Result, WebAuthnError, malformed};
use crate::primitives::{ct_eq, sha256};

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

pub(super) struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    /// The COSE_Key exactly as the authenticator encoded it.
    pub public_key: Vec<u8>,
}

pub(super) struct AuthenticatorData {
    pub user_verified: bool,
    pub sign_count: u32,
    pub attested: Option<AttestedCredential>,
}

/// Parse `raw` and check it against the expectation: RP ID hash, user presence, and user
/// verification when required.
pub(super) fn parse_and_check(raw: &[u8], expect: &Expectation<'_>) -> Result<AuthenticatorData> {
    if raw.len() < 37 {
        return Err(malformed("authenticator data is too short"));
    }
    let (rp_id_hash, rest) = raw.split_at(32);
    if !ct_eq(rp_id_hash, &sha256(&[expect.rp_id.as_bytes()])) {
        return Err(WebAuthnError::RelyingPartyMismatch);
    }
    let flags = rest[0];
    let sign_count = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]);
    if flags & FLAG_UP == 0 {
        return Err(WebAuthnError::UserNotPresent);
    }
    let user_verified = flags & FLAG_UV != 0;
    if expect.require_user_verification && !user_verified {
        return Err(WebAuthnError::UserNotVerified);
    }
    let mut tail = &rest[5..];
    let attested = if flags & FLAG_AT != 0 { Some(attested_credential(&mut tail)?) } else { None };
    if flags & FLAG_ED != 0 {
        // Extension outputs: one CBOR map; nothing here needs them, but it must be well-formed.
        let _: ciborium::Value = ciborium::from_reader(&mut tail).map_err(|_| malformed("authenticator extensions are not CBOR"))?;
    }
    if !tail.is_empty() {
        return Err(malformed("trailing bytes after authenticator data"));
    }
    Ok(AuthenticatorData { user_verified, sign_count, attested })
}

fn attested_credential(tail: &mut &[u8]) -> Result<AttestedCredential> {
    if tail.len() < 18 {
        return Err(malformed("attested credential data is too short"));
    }
    let mut aaguid = [0u8; 16];
    aaguid.copy_from_slice(&tail[..16]);
    let id_len = u16::from_be_bytes([tail[16], tail[17]]) as usize;
    let rest = &tail[18..];
    if id_len == 0 || id_len > 1023 || rest.len() < id_len {
        return Err(malformed("credential id length"));
    }
    let credential_id = rest[..id_len].to_vec();
    let mut key_bytes = &rest[id_len..];
    let before = key_bytes.len();
    // The COSE key has no length prefix: decode one CBOR item to learn where it ends.
    let _: ciborium::Value = ciborium::from_reader(&mut key_bytes).map_err(|_| malformed("credential public key is not CBOR"))?;
    let used = before - key_bytes.len();
    let public_key = rest[id_len..id_len + used].to_vec();
    *tail = key_bytes;
    Ok(AttestedCredential { aaguid, credential_id, public_key })
}
