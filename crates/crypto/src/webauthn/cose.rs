//! Credential public keys (COSE_Key, RFC 9052/9053) and signature checks.
//!
//! `coset` decodes the key; aws-lc-rs verifies: ES256 is ECDSA P-256 with SHA-256 and an ASN.1 DER
//! signature (WebAuthn §6.5.5), RS256 is RSASSA-PKCS1-v1_5 with SHA-256.

use aws_lc_rs::signature::{self, UnparsedPublicKey};
use coset::iana::{self, EnumI64};
use coset::{CborSerializable, CoseKey, KeyType, Label, RegisteredLabelWithPrivate};

use super::{Result, WebAuthnError, malformed};

/// COSE algorithm identifiers CredentialCreationOptions offers.
pub const ES256: i64 = -7;
pub const RS256: i64 = -257;

/// A usable credential public key.
pub(super) enum PublicKey {
    Es256 { sec1: Vec<u8> },
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

impl PublicKey {
    pub fn algorithm(&self) -> i64 {
        match self {
            PublicKey::Es256 { .. } => ES256,
            PublicKey::Rs256 { .. } => RS256,
        }
    }

    /// Verify `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let ok = match self {
            PublicKey::Es256 { sec1 } => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, sec1).verify(message, signature).is_ok()
            }
            PublicKey::Rs256 { n, e } => {
                signature::RsaPublicKeyComponents { n, e }.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature).is_ok()
            }
        };
        if ok { Ok(()) } else { Err(WebAuthnError::BadSignature) }
    }
}

fn param(key: &CoseKey, label: i64) -> Option<&ciborium::Value> {
    key.params.iter().find(|(l, _)| *l == Label::Int(label)).map(|(_, v)| v)
}

fn bytes_param(key: &CoseKey, label: i64) -> Result<Vec<u8>> {
    param(key, label).and_then(|v| v.as_bytes()).cloned().ok_or_else(|| malformed("COSE key parameter is missing"))
}

/// Decode a COSE_Key and accept only ES256 on P-256 and RS256 (2048 bits or more).
pub(super) fn parse(cose: &[u8]) -> Result<PublicKey> {
    let key = CoseKey::from_slice(cose).map_err(|_| malformed("credential public key is not a COSE_Key"))?;
    let alg = match &key.alg {
        Some(RegisteredLabelWithPrivate::Assigned(a)) => a.to_i64(),
        Some(RegisteredLabelWithPrivate::PrivateUse(a)) => *a,
        _ => return Err(WebAuthnError::Unsupported("the credential public key names no algorithm".into())),
    };
    match (alg, &key.kty) {
        (ES256, KeyType::Assigned(iana::KeyType::EC2)) => {
            let curve = param(&key, iana::Ec2KeyParameter::Crv.to_i64()).and_then(|v| v.as_integer()).and_then(|i| i64::try_from(i).ok());
            if curve != Some(iana::EllipticCurve::P_256.to_i64()) {
                return Err(WebAuthnError::Unsupported("ES256 keys must be on P-256".into()));
            }
            let sec1 = key.to_sec1_octet_string().map_err(|_| malformed("EC2 key coordinates"))?;
            if sec1.len() != 65 {
                return Err(malformed("EC2 key must be an uncompressed P-256 point"));
            }
            Ok(PublicKey::Es256 { sec1 })
        }
        (RS256, KeyType::Assigned(iana::KeyType::RSA)) => {
            let n = bytes_param(&key, iana::RsaKeyParameter::N.to_i64())?;
            let e = bytes_param(&key, iana::RsaKeyParameter::E.to_i64())?;
            let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < 2048 {
                return Err(WebAuthnError::Unsupported("RSA keys must have at least 2048 bits".into()));
            }
            Ok(PublicKey::Rs256 { n, e })
        }
        (other, _) => Err(WebAuthnError::Unsupported(format!("COSE algorithm {other} is not supported (only -7 ES256 and -257 RS256)"))),
    }
}
