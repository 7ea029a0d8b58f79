//! Cognate's cryptography, kept apart from HTTP, storage and business rules so each piece
//! can be checked against an independent implementation in isolation.
//!
//! | module | what | why it is here |
//! |---|---|---|
//! | [`srp`] | Cognito's SRP-6a variant (`USER_SRP_AUTH`) | must match the JS/Python clients byte for byte |
//! | [`totp`] | RFC 6238 software tokens | MFA with replay protection per time step |
//! | [`password`] | argon2id password hashes | `USER_PASSWORD_AUTH` and admin password sets |
//! | [`jwt`] | RS256 ID/access tokens and JWKS entries | Cognito's exact header and key ids |
//! | [`secret_hash`] | `SECRET_HASH` of app clients with a secret | constant-time check |
//! | [`sigv4`] | server-side AWS Signature V4 | admin operations are IAM-signed |
//! | [`webauthn`] | passkey registration and assertion checks | StartWebAuthnRegistration, the WEB_AUTHN challenge |
//!
//! Conventions: functions that take request data never panic; they return a `Result`, a
//! `bool` or an outcome enum. Secrets are compared in constant time.

mod primitives;

/// Keyed derivations outside this crate (the existence decoys of `cognate-core`).
pub use primitives::hmac_sha256;

pub mod envelope;
pub mod jwt;
pub mod password;
pub mod secret_hash;
pub mod sigv4;
pub mod srp;
pub mod totp;
pub mod webauthn;

pub use jwt::{JwtError, PublicKey, SigningKey};
pub use password::PasswordError;
pub use sigv4::{SigV4Error, VerifiedCaller};
pub use srp::{ServerStep, SrpError, Verifier};
pub use totp::TotpCheck;
