use serde_json::{Value, json};

use super::soft_authenticator::{Attestation, SoftAuthenticator};
use super::*;

const ORIGIN: &str = "https://auth.example.com";
const CHALLENGE: &[u8] = b"0123456789abcdef";

fn allow_example(origin: &str) -> bool {
    origin == ORIGIN
}

fn expect(uv: bool) -> Expectation<'static> {
    Expectation { challenge: CHALLENGE, rp_id: "example.com", origin_allowed: &allow_example, require_user_verification: uv }
}

fn creation_options() -> Value {
    json!({"rp": {"id": "example.com", "name": "example.com"}, "user": {"id": b64url_encode(b"user-1"), "name": "u"},
           "challenge": b64url_encode(CHALLENGE)})
}

fn request_options(challenge: &[u8]) -> Value {
    json!({"rpId": "example.com", "challenge": b64url_encode(challenge)})
}

fn registered(auth: &mut SoftAuthenticator) -> RegisteredCredential {
    verify_registration(&auth.create(&creation_options(), ORIGIN), &expect(true)).expect("registration verifies")
}

#[test]
fn registers_es256_with_none_attestation() {
    let mut auth = SoftAuthenticator::es256();
    let c = registered(&mut auth);
    assert_eq!(c.credential_id, auth.credential_id);
    assert_eq!(c.algorithm, ES256);
    assert_eq!(c.attestation_format, "none");
    assert_eq!(c.transports, vec!["internal", "hybrid"]);
    assert_eq!(c.attachment.as_deref(), Some("platform"));
    assert!(c.user_verified);
}

#[test]
fn registers_rs256_with_packed_self_attestation_and_signs_in() {
    let mut auth = SoftAuthenticator::rs256();
    auth.attestation = Attestation::PackedSelf;
    let c = registered(&mut auth);
    assert_eq!((c.algorithm, c.attestation_format.as_str()), (RS256, "packed"));
    let a = verify_assertion(&auth.get(&request_options(CHALLENGE), ORIGIN), &expect(true), &c.public_key, c.sign_count).unwrap();
    assert_eq!(a.sign_count, 1);
    assert_eq!(a.user_handle.as_deref(), Some(&b"user-1"[..]));
}

#[test]
fn packed_self_attestation_with_a_bad_signature_is_refused() {
    let mut auth = SoftAuthenticator::es256();
    auth.attestation = Attestation::PackedSelf;
    let mut response = auth.create(&creation_options(), ORIGIN);
    // Re-encode the attestation object with the signature of another key.
    let other = SoftAuthenticator::es256();
    let raw = b64url_decode(response["response"]["attestationObject"].as_str().unwrap()).unwrap();
    let mut object: ciborium::Value = ciborium::from_reader(raw.as_slice()).unwrap();
    if let ciborium::Value::Map(m) = &mut object {
        for (k, v) in m.iter_mut() {
            if k.as_text() == Some("attStmt") {
                *v = ciborium::Value::Map(vec![
                    (ciborium::Value::from("alg"), ciborium::Value::from(ES256)),
                    (ciborium::Value::from("sig"), ciborium::Value::Bytes(other.sign(b"x"))),
                ]);
            }
        }
    }
    let mut out = Vec::new();
    ciborium::into_writer(&object, &mut out).unwrap();
    response["response"]["attestationObject"] = json!(b64url_encode(&out));
    assert_eq!(verify_registration(&response, &expect(true)), Err(WebAuthnError::BadSignature));
}

#[test]
fn other_attestation_formats_are_unsupported() {
    let mut auth = SoftAuthenticator::es256();
    auth.attestation = Attestation::Other("fido-u2f".into());
    let err = verify_registration(&auth.create(&creation_options(), ORIGIN), &expect(true)).unwrap_err();
    assert!(matches!(err, WebAuthnError::Unsupported(m) if m.contains("fido-u2f")));
}

#[test]
fn registration_checks_origin_rp_id_challenge_and_user_verification() {
    let mut auth = SoftAuthenticator::es256();
    let response = auth.create(&creation_options(), "https://evil.example.net");
    assert_eq!(verify_registration(&response, &expect(true)), Err(WebAuthnError::OriginNotAllowed("https://evil.example.net".into())));

    auth.rp_id_override = Some("evil.example.net".into());
    assert_eq!(verify_registration(&auth.create(&creation_options(), ORIGIN), &expect(true)), Err(WebAuthnError::RelyingPartyMismatch));
    auth.rp_id_override = None;

    let other = Expectation { challenge: b"another challenge", ..expect(true) };
    assert_eq!(verify_registration(&auth.create(&creation_options(), ORIGIN), &other), Err(WebAuthnError::ChallengeMismatch));

    auth.user_verified = false;
    assert_eq!(verify_registration(&auth.create(&creation_options(), ORIGIN), &expect(true)), Err(WebAuthnError::UserNotVerified));
    assert!(verify_registration(&auth.create(&creation_options(), ORIGIN), &expect(false)).is_ok());
}

#[test]
fn an_assertion_is_not_a_registration() {
    let mut auth = SoftAuthenticator::es256();
    let mut response = auth.create(&creation_options(), ORIGIN);
    let get = auth.get(&request_options(CHALLENGE), ORIGIN);
    response["response"]["clientDataJSON"] = get["response"]["clientDataJSON"].clone();
    assert_eq!(verify_registration(&response, &expect(true)), Err(WebAuthnError::WrongType("webauthn.get".into())));
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    for bad in [
        json!(null),
        json!({}),
        json!({"type": "public-key", "rawId": "!!"}),
        json!({"type": "public-key", "rawId": "AAAA", "response": {}}),
    ] {
        assert!(matches!(verify_registration(&bad, &expect(true)), Err(WebAuthnError::Malformed(_))), "{bad}");
        assert!(matches!(verify_assertion(&bad, &expect(true), &[], 0), Err(WebAuthnError::Malformed(_))), "{bad}");
    }
    let mut auth = SoftAuthenticator::es256();
    let mut response = auth.create(&creation_options(), ORIGIN);
    response["response"]["attestationObject"] = json!(b64url_encode(b"\xa1\x63fmt"));
    assert!(matches!(verify_registration(&response, &expect(true)), Err(WebAuthnError::Malformed(_))));
}

#[test]
fn assertions_check_signature_counter_origin_and_rp_id() {
    let mut auth = SoftAuthenticator::es256();
    let c = registered(&mut auth);
    let options = request_options(CHALLENGE);
    let first = auth.get(&options, ORIGIN);
    let ok = verify_assertion(&first, &expect(true), &c.public_key, c.sign_count).unwrap();
    assert_eq!(ok.sign_count, 1);

    // The same assertion again: the counter did not move.
    assert_eq!(verify_assertion(&first, &expect(true), &c.public_key, ok.sign_count), Err(WebAuthnError::CounterNotIncreased));

    // A clone of the authenticator taken before the last sign-in.
    let mut clone = auth.clone();
    let next = auth.get(&options, ORIGIN);
    let ok2 = verify_assertion(&next, &expect(true), &c.public_key, ok.sign_count).unwrap();
    clone.sign_count = ok.sign_count; // behind the real one
    let stale = clone.get(&options, ORIGIN);
    assert_eq!(verify_assertion(&stale, &expect(true), &c.public_key, ok2.sign_count), Err(WebAuthnError::CounterNotIncreased));

    let mut tampered = auth.get(&options, ORIGIN);
    let mut sig = b64url_decode(tampered["response"]["signature"].as_str().unwrap()).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    tampered["response"]["signature"] = json!(b64url_encode(&sig));
    assert_eq!(verify_assertion(&tampered, &expect(true), &c.public_key, ok2.sign_count), Err(WebAuthnError::BadSignature));

    let other_key = registered(&mut SoftAuthenticator::es256());
    assert_eq!(verify_assertion(&auth.get(&options, ORIGIN), &expect(true), &other_key.public_key, 0), Err(WebAuthnError::BadSignature));

    assert!(matches!(
        verify_assertion(&auth.get(&options, "http://localhost:3000"), &expect(true), &c.public_key, 0),
        Err(WebAuthnError::OriginNotAllowed(_))
    ));
    auth.rp_id_override = Some("other.example".into());
    assert_eq!(verify_assertion(&auth.get(&options, ORIGIN), &expect(true), &c.public_key, 0), Err(WebAuthnError::RelyingPartyMismatch));
}

#[test]
fn zero_counters_are_accepted_for_authenticators_without_one() {
    let mut auth = SoftAuthenticator::es256();
    let c = registered(&mut auth);
    auth.sign_count = u32::MAX; // wraps to 0 on the next get, like an authenticator that keeps no counter
    let response = auth.get(&request_options(CHALLENGE), ORIGIN);
    assert_eq!(verify_assertion(&response, &expect(true), &c.public_key, 0).unwrap().sign_count, 0);
}
