//! Encryption at rest under a key-encryption key (KEK) the operator keeps outside the database:
//! AES-256-GCM (aws-lc-rs), a fresh 96-bit nonce per seal, and associated data that binds the
//! sealed bytes to where they belong (a pool's signing key cannot be swapped for another's).
//!
//! Sealed form: `CKE1` ‖ nonce (12 bytes) ‖ ciphertext and tag. Anything without the prefix is
//! stored in the clear (written before a KEK was configured).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

const MAGIC: &[u8; 4] = b"CKE1";

/// A 256-bit key-encryption key. Its `Debug` never shows it.
pub struct Kek(LessSafeKey);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("a key-encryption key is 32 bytes, not {0}")]
    KeyLength(usize),
    #[error("the sealed bytes are damaged, or were sealed under another key-encryption key or for another place")]
    Open,
    #[error("the system random source failed")]
    Random,
}

impl Kek {
    pub fn new(key: &[u8]) -> Result<Kek, EnvelopeError> {
        let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| EnvelopeError::KeyLength(key.len()))?;
        Ok(Kek(LessSafeKey::new(unbound)))
    }

    /// Encrypt `plaintext` for the place `aad` names.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| EnvelopeError::Random)?;
        let mut sealed = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut sealed)
            .map_err(|_| EnvelopeError::Random)?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypt what [`Kek::seal`] made for `aad`.
    pub fn open(&self, aad: &[u8], stored: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        let body = stored.strip_prefix(MAGIC.as_slice()).ok_or(EnvelopeError::Open)?;
        if body.len() < NONCE_LEN {
            return Err(EnvelopeError::Open);
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| EnvelopeError::Open)?;
        let mut buf = sealed.to_vec();
        let plain = self.0.open_in_place(nonce, Aad::from(aad), &mut buf).map_err(|_| EnvelopeError::Open)?;
        Ok(plain.to_vec())
    }
}

/// Whether `stored` was sealed (as opposed to written in the clear).
pub fn is_sealed(stored: &[u8]) -> bool {
    stored.starts_with(MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_for_the_same_key_and_place() {
        let kek = Kek::new(&[7u8; 32]).unwrap();
        let sealed = kek.seal(b"pool/access", b"private key").unwrap();
        assert!(is_sealed(&sealed) && !sealed.windows(11).any(|w| w == b"private key"), "ciphertext, not the key");
        assert_eq!(kek.open(b"pool/access", &sealed).unwrap(), b"private key");
        assert_ne!(kek.seal(b"pool/access", b"private key").unwrap(), sealed, "a fresh nonce each time");
        assert_eq!(kek.open(b"pool/id", &sealed), Err(EnvelopeError::Open), "bound to its place");
        assert_eq!(Kek::new(&[8u8; 32]).unwrap().open(b"pool/access", &sealed), Err(EnvelopeError::Open), "bound to its key");
        let mut damaged = sealed.clone();
        if let Some(last) = damaged.last_mut() {
            *last ^= 1;
        }
        assert_eq!(kek.open(b"pool/access", &damaged), Err(EnvelopeError::Open));
        assert_eq!(kek.open(b"pool/access", b"CKE1short"), Err(EnvelopeError::Open));
        assert!(!is_sealed(b"\x30\x82 plain DER"));
        assert_eq!(Kek::new(&[0u8; 16]).err(), Some(EnvelopeError::KeyLength(16)));
        assert_eq!(format!("{kek:?}"), "Kek(<redacted>)");
    }
}
