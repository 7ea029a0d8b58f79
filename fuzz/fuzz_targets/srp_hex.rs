//! SRP input as clients send it: `SRP_A`, a stored `b`, a salt (hex) and a `TIMESTAMP`, the input's
//! lines, through the challenge, the claim check, verifier making and the timestamp parser.
#![no_main]

use std::sync::OnceLock;

use cognate_crypto::srp::{Claim, Verifier, make_verifier, make_verifier_with_salt, parse_timestamp, server_challenge, verify_claim};
use libfuzzer_sys::fuzz_target;

static VERIFIER: OnceLock<Verifier> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(4, '\n');
    let mut next = || lines.next().unwrap_or("");
    let (srp_a, b, salt, timestamp) = (next(), next(), next(), next());
    let verifier = VERIFIER.get_or_init(|| make_verifier("AbCdEf123", "user", "Password1!"));
    let _ = parse_timestamp(timestamp);
    let _ = make_verifier_with_salt("AbCdEf123", "user", "Password1!", salt);
    let _ = server_challenge(&verifier.verifier_hex, srp_a);
    let _ = verify_claim(&Claim {
        pool_name: "AbCdEf123",
        user_id_for_srp: "user",
        verifier_hex: &verifier.verifier_hex,
        srp_a_hex: srp_a,
        b_hex: b,
        big_b_hex: None,
        secret_block_b64: "AAAA",
        timestamp,
        signature_b64: "AAAA",
    });
});
