//! A token as it arrives in `AccessToken`, `RefreshToken` or a JWKS-checked call: the unverified
//! header read and the full RS256 verification against a real key (whose kid a token may name).
#![no_main]

use std::sync::OnceLock;

use cognate_crypto::SigningKey;
use cognate_crypto::jwt::{decode_unverified_header, verify};
use libfuzzer_sys::fuzz_target;

static KEY: OnceLock<SigningKey> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let _ = decode_unverified_header(token);
    let key = KEY.get_or_init(|| SigningKey::generate().expect("an RSA key"));
    let _ = verify(token, |kid| (kid == key.kid()).then(|| key.public_key()));
});
