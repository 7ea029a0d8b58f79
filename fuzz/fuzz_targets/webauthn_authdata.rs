//! What a passkey authenticator returns: authenticator data (under the right RP ID hash, so the
//! flags, counter, attested credential, COSE key and extensions are reached, or as given), or a
//! CBOR attestation object inside a registration response. The first byte picks which.
#![no_main]

use cognate_crypto::webauthn::{Expectation, b64url_encode, parse_authenticator_data, verify_registration};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use sha2::{Digest, Sha256};

const RP_ID: &str = "localhost";
const ORIGIN: &str = "http://localhost";
const CHALLENGE: &[u8] = b"fuzzing-challenge";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            let mut raw = Sha256::digest(RP_ID.as_bytes()).to_vec();
            raw.extend_from_slice(rest);
            let _ = parse_authenticator_data(&raw, RP_ID);
        }
        1 => {
            let _ = parse_authenticator_data(rest, RP_ID);
        }
        _ => {
            let client_data = json!({ "type": "webauthn.create", "challenge": b64url_encode(CHALLENGE), "origin": ORIGIN }).to_string();
            let credential = json!({
                "type": "public-key",
                "id": "AAAA",
                "rawId": "AAAA",
                "response": { "clientDataJSON": b64url_encode(client_data.as_bytes()), "attestationObject": b64url_encode(rest) },
            });
            let allowed = |origin: &str| origin == ORIGIN;
            let expect = Expectation { challenge: CHALLENGE, rp_id: RP_ID, origin_allowed: &allowed, require_user_verification: false };
            let _ = verify_registration(&credential, &expect);
        }
    }
});
