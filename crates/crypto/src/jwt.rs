//! RS256 ID and access tokens, shaped like Cognito's (docs/tokens.md, Format).
//!
//! Signing and verification are done here directly on aws-lc-rs rather than through the
//! `jsonwebtoken` crate, for two reasons:
//! * Cognito's header is exactly `{"kid":"…","alg":"RS256"}`: no `typ`, `kid` first.
//!   `jsonwebtoken::Header` can drop `typ` but always serialises `alg` before `kid`.
//! * Verification must refuse everything but RS256 with a distinct reason per failure
//!   (so the API layer can log it), and must leave `exp`/`iss`/`aud` to the caller, who
//!   owes clients Cognito's exact messages ("Access Token has expired", …).
//!
//! `jsonwebtoken` is still used in the tests as an independent verifier of our tokens
//! and JWKS entries.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde_json::{Value, json};

use crate::primitives::sha256;

/// Why a token was refused or could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts, header or payload not a JSON object, `crit` present…
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than RS256 (`none`, `HS256`, `RS512`, …).
    #[error("algorithm {0:?} is not allowed")]
    AlgorithmNotAllowed(String),
    /// No `kid`, or a `kid` that is not one of our keys.
    #[error("unknown signing key")]
    UnknownKid,
    /// The RS256 signature does not verify under the key named by `kid`.
    #[error("invalid signature")]
    InvalidSignature,
    /// A stored or supplied key could not be parsed.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Key generation, signing or claim serialisation failed.
    #[error("token signing failed: {0}")]
    Signing(String),
}

/// An RSA-2048 key that signs tokens for one purpose (Cognito uses different keys for ID
/// and access tokens).
pub struct SigningKey {
    kid: String,
    private_der: Vec<u8>,
    key_pair: RsaKeyPair,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key must never reach a log line.
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key. Its `kid` is Cognito-shaped: standard base64 of
    /// the SHA-256 of the public key's SubjectPublicKeyInfo DER (44 characters).
    pub fn generate() -> Result<Self, JwtError> {
        let key_pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| JwtError::Signing(e.to_string()))?;
        let private_der = key_pair.as_der().map_err(|e| JwtError::Signing(e.to_string()))?.as_ref().to_vec();
        let spki = key_pair.public_key().as_der().map_err(|e| JwtError::Signing(e.to_string()))?;
        let kid = STANDARD.encode(sha256(&[spki.as_ref()]));
        Self::assemble(kid, private_der, key_pair)
    }

    /// Reloads a key saved as [`SigningKey::kid`] + [`SigningKey::private_der`]
    /// (PKCS#8; PKCS#1 `RSAPrivateKey` DER is accepted too).
    pub fn from_stored(kid: &str, private_der: &[u8]) -> Result<Self, JwtError> {
        if kid.is_empty() {
            return Err(JwtError::InvalidKey("empty kid".into()));
        }
        let key_pair = RsaKeyPair::from_pkcs8(private_der)
            .or_else(|_| RsaKeyPair::from_der(private_der))
            .map_err(|e| JwtError::InvalidKey(e.to_string()))?;
        Self::assemble(kid.to_owned(), private_der.to_vec(), key_pair)
    }

    fn assemble(kid: String, private_der: Vec<u8>, key_pair: RsaKeyPair) -> Result<Self, JwtError> {
        let components: RsaPublicKeyComponents<Vec<u8>> = key_pair.public_key().into();
        let public = PublicKey::from_raw(&kid, components.n, components.e)?;
        Ok(Self { kid, private_der, key_pair, public })
    }

    /// The key id placed in token headers and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key as PKCS#8 DER: what to persist (encrypted at rest, ideally).
    pub fn private_der(&self) -> &[u8] {
        &self.private_der
    }

    /// Modulus, base64url without padding (the JWK `n`).
    pub fn n(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.public.n)
    }

    /// Public exponent, base64url without padding (the JWK `e`, normally `AQAB`).
    pub fn e(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.public.e)
    }

    /// The verifying half, for [`verify`].
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// This key's JWKS entry, members in Cognito's order:
    /// `{"alg":"RS256","e":"AQAB","kid":…,"kty":"RSA","n":…,"use":"sig"}`.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": self.e(),
            "kid": self.kid,
            "kty": "RSA",
            "n": self.n(),
            "use": "sig",
        })
    }

    /// Signs `claims` as a compact JWS with header `{"kid":"…","alg":"RS256"}`.
    /// Claims are serialised in their own field order (Cognito's order is set by the
    /// caller's struct).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, JwtError> {
        let kid_json = serde_json::to_string(&self.kid).map_err(|e| JwtError::Signing(e.to_string()))?;
        let header = format!(r#"{{"kid":{kid_json},"alg":"RS256"}}"#);
        let payload = serde_json::to_vec(claims).map_err(|e| JwtError::Signing(e.to_string()))?;
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
        let mut signature = vec![0u8; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .map_err(|e| JwtError::Signing(e.to_string()))?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// An RSA public key that tokens may be verified against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl PublicKey {
    /// From base64url `n` and `e`, as found in a JWK.
    pub fn from_components(kid: &str, n_b64url: &str, e_b64url: &str) -> Result<Self, JwtError> {
        let n = URL_SAFE_NO_PAD.decode(n_b64url).map_err(|_| JwtError::InvalidKey("n is not base64url".into()))?;
        let e = URL_SAFE_NO_PAD.decode(e_b64url).map_err(|_| JwtError::InvalidKey("e is not base64url".into()))?;
        Self::from_raw(kid, n, e)
    }

    /// From a JWKS entry (`kty` must be `RSA`; `alg`, if present, `RS256`).
    pub fn from_jwk(jwk: &Value) -> Result<Self, JwtError> {
        let field = |name: &str| jwk.get(name).and_then(Value::as_str);
        if field("kty") != Some("RSA") || field("alg").is_some_and(|alg| alg != "RS256") {
            return Err(JwtError::InvalidKey("not an RS256 RSA key".into()));
        }
        match (field("kid"), field("n"), field("e")) {
            (Some(kid), Some(n), Some(e)) => Self::from_components(kid, n, e),
            _ => Err(JwtError::InvalidKey("kid, n or e missing".into())),
        }
    }

    fn from_raw(kid: &str, mut n: Vec<u8>, mut e: Vec<u8>) -> Result<Self, JwtError> {
        // aws-lc-rs wants big-endian integers without leading zero bytes.
        strip_leading_zeros(&mut n);
        strip_leading_zeros(&mut e);
        if n.len() < 256 || e.is_empty() {
            return Err(JwtError::InvalidKey("RSA modulus shorter than 2048 bits".into()));
        }
        Ok(Self { kid: kid.to_owned(), n, e })
    }

    /// The key id this key answers to.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

fn strip_leading_zeros(bytes: &mut Vec<u8>) {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
}

/// The parts of a JOSE header callers may want before verification (e.g. to pick a key
/// set, or to log what was presented).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg`, verbatim.
    pub alg: String,
    /// `kid`, if any.
    pub kid: Option<String>,
}

/// Parses the header of a compact JWS without checking anything else. Never trust what
/// it returns; it is for routing and logging.
pub fn decode_unverified_header(token: &str) -> Result<Header, JwtError> {
    let (header_b64, _, _) = split(token)?;
    let header = decode_json_object(header_b64)?;
    let alg = header.get("alg").and_then(Value::as_str).ok_or(JwtError::Malformed)?.to_owned();
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    Ok(Header { alg, kid })
}

/// Verifies an RS256 compact JWS and returns its claims.
///
/// `keys` maps a `kid` to one of our public keys. Checks, in order: shape, header
/// (`alg` must be exactly `RS256`, no `crit`), `kid` known, signature, payload is a JSON
/// object. Does **not** look at `exp`, `iat`, `iss`, `aud`, `client_id` or `token_use`.
pub fn verify<'k, F>(token: &str, keys: F) -> Result<Value, JwtError>
where
    F: Fn(&str) -> Option<&'k PublicKey>,
{
    let (header_b64, payload_b64, signature_b64) = split(token)?;
    let header = decode_json_object(header_b64)?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(alg)) => return Err(JwtError::AlgorithmNotAllowed(alg.clone())),
        _ => return Err(JwtError::Malformed),
    }
    // RFC 7515 §4.1.11: extensions we do not understand must make us refuse the token.
    if header.get("crit").is_some() {
        return Err(JwtError::Malformed);
    }
    let kid = header.get("kid").and_then(Value::as_str).ok_or(JwtError::UnknownKid)?;
    let key = keys(kid).ok_or(JwtError::UnknownKid)?;

    let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| JwtError::Malformed)?;
    // The signing input is the first two parts exactly as received.
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    let signing_input = token.get(..signing_input_len).ok_or(JwtError::Malformed)?;
    RsaPublicKeyComponents { n: key.n.as_slice(), e: key.e.as_slice() }
        .verify(&RSA_PKCS1_2048_8192_SHA256, signing_input.as_bytes(), &signature)
        .map_err(|_| JwtError::InvalidSignature)?;

    decode_json_object(payload_b64)
}

/// Splits `h.p.s`; all three parts must be non-empty.
fn split(token: &str) -> Result<(&str, &str, &str), JwtError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() && !s.is_empty() => Ok((h, p, s)),
        _ => Err(JwtError::Malformed),
    }
}

fn decode_json_object(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(JwtError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;
    use crate::primitives::hmac_sha256;

    // RSA key generation is the slow part; share two keys across tests.
    static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());
    static OTHER: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());

    fn lookup(kid: &str) -> Option<&'static PublicKey> {
        [&*KEY, &*OTHER].into_iter().find(|k| k.kid() == kid).map(|k| k.public_key())
    }

    fn claims() -> Value {
        json!({
            "sub": "04b55387-3231-4228-8635-c60bf2eda867",
            "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Gn7D77zmw",
            "client_id": "2kchqmpoto6k06ak9v9368j48j",
            "token_use": "access",
            "exp": 1_670_486_302,
            "iat": 1_670_482_702,
        })
    }

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn round_trip() {
        let token = KEY.sign(&claims()).unwrap();
        assert_eq!(verify(&token, lookup).unwrap(), claims());
    }

    #[test]
    fn header_is_exactly_kid_then_alg() {
        let token = KEY.sign(&claims()).unwrap();
        let header_b64 = token.split('.').next().unwrap();
        let header = String::from_utf8(URL_SAFE_NO_PAD.decode(header_b64).unwrap()).unwrap();
        assert_eq!(header, format!(r#"{{"kid":"{}","alg":"RS256"}}"#, KEY.kid()));
        assert_eq!(decode_unverified_header(&token).unwrap(), Header { alg: "RS256".into(), kid: Some(KEY.kid().into()) });
    }

    #[test]
    fn kid_is_44_char_standard_base64() {
        let kid = KEY.kid();
        assert_eq!(kid.len(), 44);
        assert!(kid.ends_with('='));
        assert_eq!(STANDARD.decode(kid).unwrap().len(), 32);
        assert_ne!(KEY.kid(), OTHER.kid());
    }

    #[test]
    fn jwk_has_cognito_shape() {
        let jwk = KEY.jwk();
        let text = serde_json::to_string(&jwk).unwrap();
        assert!(text.starts_with(&format!(r#"{{"alg":"RS256","e":"AQAB","kid":"{}","kty":"RSA","n":""#, KEY.kid())), "{text}");
        assert!(text.ends_with(r#"","use":"sig"}"#), "{text}");
        assert_eq!(URL_SAFE_NO_PAD.decode(KEY.n()).unwrap().len(), 256);
        assert_eq!(PublicKey::from_jwk(&jwk).unwrap(), *KEY.public_key());
    }

    #[test]
    fn stored_key_reloads_and_verifies_old_tokens() {
        let token = KEY.sign(&claims()).unwrap();
        let reloaded = SigningKey::from_stored(KEY.kid(), KEY.private_der()).unwrap();
        assert_eq!(reloaded.jwk(), KEY.jwk());
        let again = reloaded.sign(&claims()).unwrap();
        // RSA PKCS#1 v1.5 is deterministic: same key, same input, same token.
        assert_eq!(again, token);
        assert!(SigningKey::from_stored(KEY.kid(), b"garbage").is_err());
        assert!(SigningKey::from_stored("", KEY.private_der()).is_err());
    }

    #[test]
    fn tampered_payload_is_rejected() {
        let token = KEY.sign(&claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut forged = claims();
        forged["sub"] = json!("someone-else");
        let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap()), parts[2]);
        assert_eq!(verify(&tampered, lookup), Err(JwtError::InvalidSignature));
    }

    #[test]
    fn signature_from_another_key_is_rejected() {
        let token = OTHER.sign(&claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let header = b64(&format!(r#"{{"kid":"{}","alg":"RS256"}}"#, KEY.kid()));
        let swapped = format!("{header}.{}.{}", parts[1], parts[2]);
        assert_eq!(verify(&swapped, lookup), Err(JwtError::InvalidSignature));
    }

    #[test]
    fn alg_none_is_rejected() {
        let payload = b64(&claims().to_string());
        for header in [format!(r#"{{"kid":"{}","alg":"none"}}"#, KEY.kid()), r#"{"alg":"none"}"#.to_owned()] {
            let token = format!("{}.{payload}.", b64(&header));
            // An empty signature part is already malformed; with a dummy one, alg decides.
            assert_eq!(verify(&token, lookup), Err(JwtError::Malformed));
            let token = format!("{}.{payload}.AAAA", b64(&header));
            assert_eq!(verify(&token, lookup), Err(JwtError::AlgorithmNotAllowed("none".into())));
        }
    }

    #[test]
    fn hs256_with_the_public_key_as_secret_is_rejected() {
        // The classic key-confusion forgery: HMAC keyed with the public modulus.
        let header = b64(&format!(r#"{{"kid":"{}","alg":"HS256"}}"#, KEY.kid()));
        let payload = b64(&claims().to_string());
        let input = format!("{header}.{payload}");
        let n = URL_SAFE_NO_PAD.decode(KEY.n()).unwrap();
        let mac = hmac_sha256(&n, &[input.as_bytes()]);
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac));
        assert_eq!(verify(&token, lookup), Err(JwtError::AlgorithmNotAllowed("HS256".into())));
    }

    #[test]
    fn unknown_or_missing_kid_is_rejected() {
        let token = KEY.sign(&claims()).unwrap();
        assert_eq!(verify(&token, |_| None), Err(JwtError::UnknownKid));
        let payload = b64(&claims().to_string());
        let token = format!("{}.{payload}.AAAA", b64(r#"{"alg":"RS256"}"#));
        assert_eq!(verify(&token, lookup), Err(JwtError::UnknownKid));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let good = KEY.sign(&claims()).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let crit = b64(&format!(r#"{{"kid":"{}","alg":"RS256","crit":["x"]}}"#, KEY.kid()));
        for bad in [
            String::new(),
            "abc".into(),
            "a.b".into(),
            format!("{good}.extra"),
            format!("{}.{}", parts[0], parts[1]),
            format!("!!.{}.{}", parts[1], parts[2]),
            format!("{}.{}.{}", b64("[1,2]"), parts[1], parts[2]),
            format!("{}.{}.{}", b64("not json"), parts[1], parts[2]),
            format!("{}.{}.{}", b64(r#"{"alg":5}"#), parts[1], parts[2]),
            format!("{}.{}.%%%", parts[0], parts[1]),
            format!("{crit}.{}.{}", parts[1], parts[2]),
        ] {
            assert_eq!(verify(&bad, lookup), Err(JwtError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn signed_non_object_payload_is_malformed() {
        let token = KEY.sign(&json!([1, 2, 3])).unwrap();
        assert_eq!(verify(&token, lookup), Err(JwtError::Malformed));
    }

    #[test]
    fn jsonwebtoken_accepts_our_token_with_our_jwk() {
        // Independent check: a widely used verifier, given only the JWKS entry.
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(KEY.jwk()).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let token = KEY.sign(&claims()).unwrap();
        let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
        assert_eq!(data.claims, claims());
        assert_eq!(data.header.kid.as_deref(), Some(KEY.kid()));
        assert_eq!(data.header.typ, None);

        let other_jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(OTHER.jwk()).unwrap();
        let other = jsonwebtoken::DecodingKey::from_jwk(&other_jwk).unwrap();
        assert!(jsonwebtoken::decode::<Value>(&token, &other, &validation).is_err());
    }
}
