//! The SRP group and the byte encodings Cognito's clients use.
//!
//! Everything here must match amazon-cognito-identity-js (`AuthenticationHelper.js`) and
//! pycognito (`aws_srp.py`) bit for bit: a one-byte difference in how an integer is turned
//! into bytes before hashing gives a different `u`, key and signature, and sign-in fails.

use std::sync::LazyLock;

use num_bigint::BigUint;
use num_traits::Zero;

use super::SrpError;
use crate::primitives::{hmac_sha256, sha256};

/// RFC 3526 3072-bit MODP group prime, as hard-coded by every Cognito client.
pub(crate) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The group prime `N`, parsed once.
pub(crate) static N: LazyLock<BigUint> = LazyLock::new(|| {
    // A compile-time constant, never request data; the `n_is_the_3072_bit_prime` test
    // exercises this on every run.
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N_HEX is valid hex")
});

/// The generator `g = 2`, kept as a static so the hot path does not rebuild it.
pub(crate) static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));

/// The multiplier `k = H(PAD(N) || PAD(g))`, computed once per process.
/// Its value is `538282c4…9ee6` (docs/sign-in.md, SRP); a test pins it.
pub(crate) static K: LazyLock<BigUint> = LazyLock::new(|| BigUint::from_bytes_be(&sha256(&[&pad(&N), &pad(&G)])));

/// Longest hex string accepted for any SRP integer. Legitimate values are below `N`
/// (768 hex digits); the margin allows leading zeros while bounding the work an attacker
/// can make us do with a huge `SRP_A`.
const MAX_HEX_LEN: usize = 1024;

/// The clients' `padHex`: the integer's minimal big-endian bytes, with a `00` byte in front
/// when the top bit is set (so the value reads as positive in two's complement).
///
/// Leading zero bytes of the original value are *not* kept. This is why the same integer
/// must always be passed through here, never a caller-supplied byte string.
pub(crate) fn pad(value: &BigUint) -> Vec<u8> {
    let bytes = value.to_bytes_be();
    match bytes.first() {
        Some(&first) if first >= 0x80 => {
            let mut padded = Vec::with_capacity(bytes.len() + 1);
            padded.push(0);
            padded.extend_from_slice(&bytes);
            padded
        }
        _ => bytes,
    }
}

/// Parses a hex integer from a request or from storage without panicking.
pub(crate) fn parse_hex(hex: &str, field: &'static str) -> Result<BigUint, SrpError> {
    if hex.is_empty() || hex.len() > MAX_HEX_LEN || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SrpError::InvalidHex { field });
    }
    BigUint::parse_bytes(hex.as_bytes(), 16).ok_or(SrpError::InvalidHex { field })
}

/// Lower-case hex without leading zeros, as the clients print and parse SRP integers.
pub(crate) fn to_hex(value: &BigUint) -> String {
    value.to_str_radix(16)
}

/// A public value (`A` from the client, `B` from the server) is unusable if it is a multiple
/// of `N`: it would force the shared secret to 0, letting anyone sign in without a password.
pub(crate) fn is_degenerate(public: &BigUint) -> bool {
    (public % &*N).is_zero()
}

/// `x = H(PAD(salt) || H(poolName || userIdForSrp || ":" || password))`.
pub(crate) fn compute_x(salt: &BigUint, pool_name: &str, user_id_for_srp: &str, password: &str) -> BigUint {
    let inner = sha256(&[pool_name.as_bytes(), user_id_for_srp.as_bytes(), b":", password.as_bytes()]);
    BigUint::from_bytes_be(&sha256(&[&pad(salt), &inner]))
}

/// `u = H(PAD(A) || PAD(B))`, binding the key to both public values.
pub(crate) fn compute_u(big_a: &BigUint, big_b: &BigUint) -> BigUint {
    BigUint::from_bytes_be(&sha256(&[&pad(big_a), &pad(big_b)]))
}

/// Cognito's one-block HKDF-SHA256 with info `Caldera Derived Key`, truncated to 16 bytes:
/// `PRK = HMAC(PAD(u), PAD(S))`, `K = HMAC(PRK, info || 0x01)[..16]`.
pub(crate) fn derive_key(shared_s: &BigUint, u: &BigUint) -> [u8; 16] {
    let prk = hmac_sha256(&pad(u), &[&pad(shared_s)]);
    let okm = hmac_sha256(&prk, &[b"Caldera Derived Key", &[1u8]]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// `HMAC-SHA256(K, poolName || userIdForSrp || secretBlock || timestamp)`, the value sent
/// (base64) as `PASSWORD_CLAIM_SIGNATURE`.
pub(crate) fn claim_signature(key: &[u8; 16], pool_name: &str, user_id_for_srp: &str, secret_block: &[u8], timestamp: &str) -> [u8; 32] {
    hmac_sha256(key, &[pool_name.as_bytes(), user_id_for_srp.as_bytes(), secret_block, timestamp.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_is_the_3072_bit_prime() {
        assert_eq!(N.bits(), 3072);
        assert_eq!(to_hex(&N).len(), 768);
    }

    // The value amazon-cognito-identity-js and pycognito compute (docs/sign-in.md, SRP).
    #[test]
    fn k_matches_the_spec() {
        assert_eq!(to_hex(&K), "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6");
    }

    #[test]
    fn pad_follows_pad_hex() {
        assert_eq!(pad(&BigUint::from(2u32)), vec![0x02]);
        assert_eq!(pad(&BigUint::from(0x7fu32)), vec![0x7f]);
        assert_eq!(pad(&BigUint::from(0x80u32)), vec![0x00, 0x80]);
        assert_eq!(pad(&BigUint::from(0x0abcu32)), vec![0x0a, 0xbc]);
        assert_eq!(pad(&BigUint::zero()), vec![0x00]);
        // Leading zeros of a hex string are dropped: the integer is what gets padded.
        let from_hex = parse_hex("00ff", "test").unwrap();
        assert_eq!(pad(&from_hex), vec![0x00, 0xff]);
    }

    #[test]
    fn parse_hex_rejects_garbage() {
        for bad in ["", "xyz", "12 34", "+12", "1_0", &"f".repeat(MAX_HEX_LEN + 1)] {
            assert!(parse_hex(bad, "SRP_A").is_err(), "{bad:?}");
        }
        assert_eq!(parse_hex("ABcd", "SRP_A").unwrap(), BigUint::from(0xabcdu32));
    }
}
