//! A software authenticator for tests: answers `navigator.credentials.create()` /
//! `.get()` options the way a browser plus a CTAP2 authenticator would, producing the
//! `RegistrationResponseJSON` / `AuthenticationResponseJSON` Cognito's clients send.
//!
//! Compiled only for tests (and for other crates' tests through the `soft-authenticator`
//! feature). Knobs let tests produce the wrong answers a relying party must refuse.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use ciborium::Value as Cbor;
use serde_json::{Value, json};

use super::{ES256, RS256, b64url_decode, b64url_encode};
use crate::primitives::sha256;

#[derive(Clone)]
enum Key {
    Es256(Arc<EcdsaKeyPair>),
    Rs256(Arc<RsaKeyPair>),
}

/// How the authenticator attests a new credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attestation {
    None,
    /// `packed` signed by the credential key itself.
    PackedSelf,
    /// Any other format name, with an empty statement (to test refusal).
    Other(String),
}

/// One credential on a software authenticator. `Clone` copies the key and the counter: a clone
/// is what a relying party's counter check is there to catch.
#[derive(Clone)]
pub struct SoftAuthenticator {
    key: Key,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub sign_count: u32,
    /// Set the UV flag.
    pub user_verified: bool,
    pub attestation: Attestation,
    /// Hash this RP ID into the authenticator data instead of the one in the options.
    pub rp_id_override: Option<String>,
    /// `authenticatorAttachment` to report.
    pub attachment: String,
}

impl SoftAuthenticator {
    /// A fresh ES256 (P-256) credential.
    pub fn es256() -> Self {
        let key = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).expect("P-256 key generation");
        Self::with(Key::Es256(Arc::new(key)))
    }

    /// A fresh RS256 (RSA 2048) credential.
    pub fn rs256() -> Self {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        Self::with(Key::Rs256(Arc::new(key)))
    }

    fn with(key: Key) -> Self {
        let credential_id: [u8; 32] = rand::random();
        SoftAuthenticator {
            key,
            credential_id: credential_id.to_vec(),
            user_handle: Vec::new(),
            sign_count: 0,
            user_verified: true,
            attestation: Attestation::None,
            rp_id_override: None,
            attachment: "platform".into(),
        }
    }

    /// The credential's public key as a COSE_Key.
    pub fn cose_key(&self) -> Vec<u8> {
        let map = match &self.key {
            Key::Es256(k) => {
                let point = k.public_key().as_ref();
                vec![
                    (Cbor::from(1), Cbor::from(2)),
                    (Cbor::from(3), Cbor::from(ES256)),
                    (Cbor::from(-1), Cbor::from(1)),
                    (Cbor::from(-2), Cbor::Bytes(point[1..33].to_vec())),
                    (Cbor::from(-3), Cbor::Bytes(point[33..65].to_vec())),
                ]
            }
            Key::Rs256(k) => {
                let c = PublicKeyComponents::<Vec<u8>>::from(k.public_key());
                vec![
                    (Cbor::from(1), Cbor::from(3)),
                    (Cbor::from(3), Cbor::from(RS256)),
                    (Cbor::from(-1), Cbor::Bytes(c.n)),
                    (Cbor::from(-2), Cbor::Bytes(c.e)),
                ]
            }
        };
        cbor(&Cbor::Map(map))
    }

    fn algorithm(&self) -> i64 {
        match self.key {
            Key::Es256(_) => ES256,
            Key::Rs256(_) => RS256,
        }
    }

    /// Sign `message` with the credential key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.key {
            Key::Es256(k) => k.sign(&rng, message).expect("ECDSA signing").as_ref().to_vec(),
            Key::Rs256(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig).expect("RSA signing");
                sig
            }
        }
    }

    fn auth_data(&self, rp_id: &str, attested: bool) -> Vec<u8> {
        let rp_id = self.rp_id_override.as_deref().unwrap_or(rp_id);
        let mut flags = 0x01;
        if self.user_verified {
            flags |= 0x04;
        }
        if attested {
            flags |= 0x40;
        }
        let mut out = sha256(&[rp_id.as_bytes()]).to_vec();
        out.push(flags);
        out.extend_from_slice(&self.sign_count.to_be_bytes());
        if attested {
            out.extend_from_slice(&[0u8; 16]);
            out.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            out.extend_from_slice(&self.credential_id);
            out.extend_from_slice(&self.cose_key());
        }
        out
    }

    /// Answer CredentialCreationOptions (`rp.id`, `user.id`, `challenge`) from `origin`.
    pub fn create(&mut self, options: &Value, origin: &str) -> Value {
        let rp_id = options["rp"]["id"].as_str().unwrap_or_default().to_string();
        self.user_handle = options["user"]["id"].as_str().and_then(b64url_decode).unwrap_or_default();
        let client_data = client_data("webauthn.create", options["challenge"].as_str().unwrap_or_default(), origin);
        let auth_data = self.auth_data(&rp_id, true);
        let statement = match self.attestation {
            Attestation::PackedSelf => {
                let sig = self.sign(&[auth_data.as_slice(), &sha256(&[&client_data])].concat());
                Cbor::Map(vec![(Cbor::from("alg"), Cbor::from(self.algorithm())), (Cbor::from("sig"), Cbor::Bytes(sig))])
            }
            _ => Cbor::Map(vec![]),
        };
        let fmt = match &self.attestation {
            Attestation::None => "none".to_string(),
            Attestation::PackedSelf => "packed".to_string(),
            Attestation::Other(f) => f.clone(),
        };
        let object = Cbor::Map(vec![
            (Cbor::from("fmt"), Cbor::from(fmt)),
            (Cbor::from("attStmt"), statement),
            (Cbor::from("authData"), Cbor::Bytes(auth_data.clone())),
        ]);
        let id = b64url_encode(&self.credential_id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(&client_data),
                "attestationObject": b64url_encode(&cbor(&object)),
                "transports": ["internal", "hybrid"],
                "publicKeyAlgorithm": self.algorithm(),
                "publicKey": b64url_encode(&self.cose_key()),
                "authenticatorData": b64url_encode(&auth_data),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": self.attachment,
        })
    }

    /// Answer credential request options (`rpId`, `challenge`) from `origin`; the counter goes up.
    pub fn get(&mut self, options: &Value, origin: &str) -> Value {
        self.sign_count = self.sign_count.wrapping_add(1);
        let rp_id = options["rpId"].as_str().unwrap_or_default().to_string();
        let client_data = client_data("webauthn.get", options["challenge"].as_str().unwrap_or_default(), origin);
        let auth_data = self.auth_data(&rp_id, false);
        let sig = self.sign(&[auth_data.as_slice(), &sha256(&[&client_data])].concat());
        let id = b64url_encode(&self.credential_id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(&client_data),
                "authenticatorData": b64url_encode(&auth_data),
                "signature": b64url_encode(&sig),
                "userHandle": b64url_encode(&self.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": self.attachment,
        })
    }
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    // Extra member as Chromium adds it: relying parties must not compare bytes.
    json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false,
           "other_keys_can_be_added_here": "do not compare clientDataJSON against a template"})
    .to_string()
    .into_bytes()
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("CBOR encoding to memory");
    out
}
