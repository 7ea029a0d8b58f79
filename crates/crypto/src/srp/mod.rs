//! Cognito's SRP-6a (`USER_SRP_AUTH` / `PASSWORD_VERIFIER`), server side, plus a client
//! for our own tests and benchmarks.
//!
//! Cognito does not use textbook SRP byte encodings; it uses whatever its JavaScript client
//! does (docs/sign-in.md, SRP). This module reproduces that exactly and is pinned by a
//! known-answer test computed with pycognito's own code.
//!
//! Flow, server side:
//! 1. At sign-up / password set: [`make_verifier`] → store `salt_hex` and `verifier_hex`
//!    (never the password).
//! 2. On `InitiateAuth` with `SRP_A`: [`server_challenge`] → send `big_b_hex` as `SRP_B`;
//!    keep `b_hex` secret (Cognito sends no Session here, so the caller seals it into the
//!    `SECRET_BLOCK` it sends).
//! 3. On `RespondToAuthChallenge`: check the `TIMESTAMP` skew with [`parse_timestamp`], then
//!    [`verify_claim`].
//!
//! Cost: all the time goes into 3072-bit modular exponentiations, in constant time, over exactly
//! 256 exponent bits (`b`, `u` and `x` are all 256 bits). [`server_challenge`] does one `g^b`, from
//! a fixed-base table (64 multiplications, no squarings; `modexp.rs`, crypto-bigint);
//! [`verify_claim`] does two windowed exponentiations (`v^u`, `(A·v^u)^b`) on AWS-LC
//! (`bignum.rs`), plus `g^b` if the caller did not keep `B`. Figures are in docs/performance.md
//! (`cargo test --release -p cognate-crypto srp_timings -- --ignored --nocapture`). The client
//! ([`client`], tests and tools only) uses the same two.

mod bignum;
mod group;
mod modexp;
mod timestamp;

pub mod client;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod timing;

pub use timestamp::{format_timestamp, parse_timestamp};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use num_traits::Zero;

use crate::primitives::ct_eq;
use group::{K, N, claim_signature, compute_u, compute_x, derive_key, is_degenerate, parse_hex, to_hex};
use modexp::{Exponent, pow_g, server_secret};

/// Size of the server's secret exponent `b`. RFC 5054 §2.5.3 asks for at least 256 bits,
/// which matches the ~128-bit strength of the 3072-bit group; longer only costs time.
const B_BYTES: usize = 32;

/// Why an SRP step was refused. Every variant maps to Cognito's
/// `NotAuthorizedException` at the API layer; they are distinct for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// A hex integer (`SRP_A`, `SRP_B`, the stored verifier, salt or `b`) is empty,
    /// too long or not hex.
    #[error("{field} is not a valid hex integer")]
    InvalidHex {
        /// Which value was bad.
        field: &'static str,
    },
    /// `A mod N == 0` (or `B mod N == 0` on the client side): accepting it would make the
    /// shared secret predictable.
    #[error("SRP public value is a multiple of N")]
    DegeneratePublicValue,
    /// `u = H(A, B)` came out as zero; SRP-6a forbids continuing.
    #[error("SRP scrambling parameter u is zero")]
    ZeroScrambler,
    /// `SECRET_BLOCK` is not standard base64.
    #[error("SECRET_BLOCK is not valid base64")]
    InvalidSecretBlock,
    /// The password claim signature does not match (wrong password, tampered block or
    /// timestamp).
    #[error("password claim signature does not match")]
    SignatureMismatch,
}

/// What to store for a user instead of the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    /// 16 random bytes as 32 lower-case hex digits; sent as `SALT`.
    pub salt_hex: String,
    /// `v = g^x mod N`, lower-case hex without leading zeros.
    pub verifier_hex: String,
}

/// The pool name SRP hashes: the part of the pool id after the first `_`
/// (`us-east-1_AbCdEf123` → `AbCdEf123`), as the clients compute it.
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// Builds the verifier for a password with a fresh random salt.
///
/// The salt's first hex digit is never `0`: clients disagree on salts with leading zeros
/// (pycognito pads the hex *string*, amazon-cognito-identity-js pads the *integer*), so we
/// only issue salts on which both compute the same `x`.
pub fn make_verifier(pool_name: &str, user_id_for_srp: &str, password: &str) -> Verifier {
    let salt = loop {
        let bytes: [u8; 16] = rand::random();
        if bytes[0] >= 0x10 {
            break BigUint::from_bytes_be(&bytes);
        }
    };
    verifier_for_salt(&salt, pool_name, user_id_for_srp, password)
}

/// [`make_verifier`] with a given salt (hex), for known-answer tests and imports.
pub fn make_verifier_with_salt(pool_name: &str, user_id_for_srp: &str, password: &str, salt_hex: &str) -> Result<Verifier, SrpError> {
    let salt = parse_hex(salt_hex, "SALT")?;
    Ok(verifier_for_salt(&salt, pool_name, user_id_for_srp, password))
}

fn verifier_for_salt(salt: &BigUint, pool_name: &str, user_id_for_srp: &str, password: &str) -> Verifier {
    let x = compute_x(salt, pool_name, user_id_for_srp, password);
    Verifier { salt_hex: to_hex(salt), verifier_hex: to_hex(&pow_g(Exponent::of_hash(&x))) }
}

/// The server's half of the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStep {
    /// Secret exponent `b` (hex). Must reach [`verify_claim`] intact and unseen by the
    /// client: store it server-side or encrypt it into `SECRET_BLOCK`.
    pub b_hex: String,
    /// `B = (k·v + g^b) mod N` (hex); sent as `SRP_B`.
    pub big_b_hex: String,
}

/// The big-endian unsigned integer `bytes` as lower-case hex without leading zeros: how a device's
/// salt and verifier, sent base64-encoded to ConfirmDevice, are kept and sent back as `SALT`.
pub fn integer_hex(bytes: &[u8]) -> String {
    to_hex(&BigUint::from_bytes_be(bytes))
}

/// Whether a verifier a client chose (a device's, ConfirmDevice) can be used: a hex integer of at
/// most the group's size, not a multiple of `N` (which would make the shared secret 0, provable
/// without the device's password).
pub fn is_usable_verifier(verifier_hex: &str) -> bool {
    parse_hex(verifier_hex, "verifier").is_ok_and(|v| v < *N && !is_degenerate(&v))
}

/// Validates the client's `SRP_A` and picks a fresh `b`.
///
/// Rejecting `A mod N == 0` here (not only in [`verify_claim`]) is what stops the classic
/// "A = 0 / A = N" bypass before any state is created.
pub fn server_challenge(verifier_hex: &str, srp_a_hex: &str) -> Result<ServerStep, SrpError> {
    let big_a = parse_hex(srp_a_hex, "SRP_A")?;
    if is_degenerate(&big_a) {
        return Err(SrpError::DegeneratePublicValue);
    }
    let v = parse_hex(verifier_hex, "verifier")?;
    // A zero `u` or a degenerate `B` has probability ~2^-256; retry rather than fail the
    // sign-in, but never loop forever.
    for _ in 0..8 {
        let bytes = rand::random::<[u8; B_BYTES]>();
        let b = BigUint::from_bytes_be(&bytes);
        if b.is_zero() {
            continue;
        }
        let big_b = compute_big_b(&v, Exponent::from_be_bytes(&bytes));
        if is_degenerate(&big_b) || compute_u(&big_a, &big_b).is_zero() {
            continue;
        }
        return Ok(ServerStep { b_hex: to_hex(&b), big_b_hex: to_hex(&big_b) });
    }
    Err(SrpError::ZeroScrambler)
}

/// `B = (k·v + g^b) mod N`.
fn compute_big_b(v: &BigUint, b: Exponent) -> BigUint {
    (&*K * v + pow_g(b)) % &*N
}

/// Everything [`verify_claim`] needs: what the server kept from [`server_challenge`] and
/// what the client sent back in its `PASSWORD_VERIFIER` answer.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// [`pool_name`] of the pool.
    pub pool_name: &'a str,
    /// The `USER_ID_FOR_SRP` the challenge carried (the internal username).
    pub user_id_for_srp: &'a str,
    /// The stored [`Verifier::verifier_hex`].
    pub verifier_hex: &'a str,
    /// The client's `SRP_A` from `InitiateAuth`.
    pub srp_a_hex: &'a str,
    /// [`ServerStep::b_hex`].
    pub b_hex: &'a str,
    /// [`ServerStep::big_b_hex`] when the server kept it: saves recomputing `g^b`, a quarter of the
    /// server's modular exponentiations per sign-in. `None` recomputes it from `b` and `v`.
    pub big_b_hex: Option<&'a str>,
    /// `PASSWORD_CLAIM_SECRET_BLOCK` (standard base64; it is signed as decoded bytes).
    pub secret_block_b64: &'a str,
    /// `TIMESTAMP`, exactly as sent.
    pub timestamp: &'a str,
    /// `PASSWORD_CLAIM_SIGNATURE` (standard base64).
    pub signature_b64: &'a str,
}

/// Checks a password claim: recomputes `B` from `b` and `v`, then `u`, `S`, the key and the
/// expected signature, and compares it with the claimed one in constant time.
///
/// The salt is not needed: the server side of SRP works from the verifier alone.
/// Clock skew of `timestamp` is the caller's business ([`parse_timestamp`]).
pub fn verify_claim(claim: &Claim<'_>) -> Result<(), SrpError> {
    let big_a = parse_hex(claim.srp_a_hex, "SRP_A")?;
    if is_degenerate(&big_a) {
        return Err(SrpError::DegeneratePublicValue);
    }
    let v = parse_hex(claim.verifier_hex, "verifier")?;
    // Every `b` we issue has B_BYTES bytes; a longer one is not ours.
    let b = Exponent::new(&parse_hex(claim.b_hex, "b")?).ok_or(SrpError::InvalidHex { field: "b" })?;
    let secret_block = STANDARD.decode(claim.secret_block_b64).map_err(|_| SrpError::InvalidSecretBlock)?;

    let big_b = match claim.big_b_hex {
        Some(hex) => parse_hex(hex, "SRP_B")?,
        None => compute_big_b(&v, b),
    };
    let u = compute_u(&big_a, &big_b);
    if u.is_zero() {
        return Err(SrpError::ZeroScrambler);
    }
    let shared_s = server_secret(&big_a, &v, Exponent::of_hash(&u), b);
    let key = derive_key(&shared_s, &u);
    let expected = claim_signature(&key, claim.pool_name, claim.user_id_for_srp, &secret_block, claim.timestamp);
    // An undecodable claimed signature is simply a wrong one.
    let claimed = STANDARD.decode(claim.signature_b64).unwrap_or_default();
    if ct_eq(&expected, &claimed) { Ok(()) } else { Err(SrpError::SignatureMismatch) }
}
