//! A software passkey authenticator for the SDK tests, and the conversions between the AWS SDK's
//! `Document` (CredentialCreationOptions, Credential) and JSON. The authenticator itself is
//! `cognate_crypto::webauthn::soft_authenticator` (feature `soft-authenticator`), so the crypto
//! unit tests and these tests drive the same one.

use std::collections::HashMap;

use aws_smithy_types::{Document, Number};
use serde_json::Value;

pub use cognate_crypto::webauthn::soft_authenticator::{Attestation, SoftAuthenticator};

pub fn to_document(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Object(o) => Document::Object(o.iter().map(|(k, v)| (k.clone(), to_document(v))).collect::<HashMap<_, _>>()),
    }
}

pub fn to_json(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => Value::from(*f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Document::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}
