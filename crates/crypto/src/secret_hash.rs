//! `SECRET_HASH`: how an app client with a client secret proves it knows the secret on
//! unsigned calls (`InitiateAuth`, `RespondToAuthChallenge`, `SignUp`, …).
//!
//! `SECRET_HASH = base64(HMAC-SHA256(key = client_secret, msg = username || client_id))`
//! (docs/sign-in.md, SECRET_HASH). Which `username` the client used varies by flow (typed
//! name, internal username, `sub`), so the caller may try several candidates with [`verify`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::primitives::{ct_eq, hmac_sha256};

/// The expected `SECRET_HASH` for `username` on app client `client_id`.
pub fn compute(client_secret: &str, username: &str, client_id: &str) -> String {
    STANDARD.encode(mac(client_secret, username, client_id))
}

/// Whether `provided` (as sent by the client) is the right `SECRET_HASH`, compared in
/// constant time on the decoded MAC. Anything that is not base64 is simply wrong.
pub fn verify(client_secret: &str, username: &str, client_id: &str, provided: &str) -> bool {
    let Ok(provided) = STANDARD.decode(provided) else {
        return false;
    };
    ct_eq(&mac(client_secret, username, client_id), &provided)
}

fn mac(client_secret: &str, username: &str, client_id: &str) -> [u8; 32] {
    hmac_sha256(client_secret.as_bytes(), &[username.as_bytes(), client_id.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected value printed by pycognito 2024.5.1:
    //   AWSSRP.get_secret_hash(USER, CLIENT_ID, CLIENT_SECRET)
    const USER: &str = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
    const CLIENT_ID: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
    const CLIENT_SECRET: &str = "1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6";
    const EXPECTED: &str = "4MsNUUwTPnk+Wn8r3s2rKLrIF55FUH0UrgEweFPjhs0=";

    #[test]
    fn matches_pycognito() {
        assert_eq!(compute(CLIENT_SECRET, USER, CLIENT_ID), EXPECTED);
        assert!(verify(CLIENT_SECRET, USER, CLIENT_ID, EXPECTED));
    }

    #[test]
    fn rejects_wrong_inputs() {
        assert!(!verify(CLIENT_SECRET, "alice", CLIENT_ID, EXPECTED));
        assert!(!verify("other-secret", USER, CLIENT_ID, EXPECTED));
        assert!(!verify(CLIENT_SECRET, USER, "other-client", EXPECTED));
        assert!(!verify(CLIENT_SECRET, USER, CLIENT_ID, ""));
        assert!(!verify(CLIENT_SECRET, USER, CLIENT_ID, "not base64 at all!"));
        assert!(!verify(CLIENT_SECRET, USER, CLIENT_ID, &EXPECTED[..20]));
    }
}
