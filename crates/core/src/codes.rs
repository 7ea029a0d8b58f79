//! One-time codes: generated from the OS random source, stored only as salted hashes, compared in
//! constant time.

use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `digits` random decimal digits.
pub fn generate(digits: usize) -> String {
    let mut rng = rand::rng();
    (0..digits).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// `salt$hex(sha256(salt || code))`.
pub fn hash(code: &str) -> String {
    let salt = hex::encode(rand::rng().random::<[u8; 16]>());
    format!("{salt}${}", digest(&salt, code))
}

fn digest(salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `code` is the code `stored` was made from.
pub fn matches(stored: &str, code: &str) -> bool {
    let Some((salt, expected)) = stored.split_once('$') else { return false };
    digest(salt, code).as_bytes().ct_eq(expected.as_bytes()).into()
}

/// SHA-256 hex of an opaque token (session, secret block, refresh token): what the store keys on, so a
/// database leak does not hand out live tokens.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random opaque token: `bytes` random bytes, base64url without padding, never starting with `-`.
/// Why: command-line parsers (the AWS CLI's argparse) read `--session -abc…` as a missing value
/// followed by an option, so one session in 64 could not be passed on a command line.
pub fn opaque_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes.max(1)];
    rand::rng().fill(&mut buf[..]);
    // The first character is the first byte's top six bits; 62 is `-`. Flipping the top bit makes
    // it `e` (30), at a cost of well under a bit of entropy.
    if buf[0] >> 2 == 62 {
        buf[0] ^= 0x80;
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_tokens_never_start_with_a_dash() {
        // 1 in 64 did before; 5,000 draws would all but surely have shown one.
        for _ in 0..5_000 {
            let t = opaque_token(32);
            assert!(!t.starts_with('-'), "{t}");
            assert_eq!(t.len(), 43);
        }
    }

    #[test]
    fn codes_round_trip() {
        let c = generate(6);
        assert_eq!(c.len(), 6);
        assert!(c.chars().all(|c| c.is_ascii_digit()));
        let h = hash(&c);
        assert!(matches(&h, &c));
        assert!(!matches(&h, "x"));
        assert!(!matches("garbage", &c));
        assert_ne!(hash(&c), h, "salted");
    }
}
