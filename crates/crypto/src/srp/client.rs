//! The client side of Cognito SRP, as amazon-cognito-identity-js and pycognito do it.
//!
//! Cognate never runs this in production; it exists so our own tests, benchmarks and
//! end-to-end checks can sign in with SRP without a JavaScript or Python runtime.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use num_traits::Zero;

use super::SrpError;
use super::bignum::pow_mod_n;
use super::group::{G, K, N, claim_signature, compute_u, compute_x, derive_key, is_degenerate, parse_hex, to_hex};
use super::modexp::{Exponent, pow_g};

/// The client's secret exponent `a` (with `A = g^a mod N` alongside).
#[derive(Clone)]
pub struct ClientSecret {
    a: BigUint,
    big_a: BigUint,
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret exponent.
        f.debug_struct("ClientSecret").finish_non_exhaustive()
    }
}

impl ClientSecret {
    /// Rebuilds a secret from a fixed `a` (hex); for deterministic tests.
    pub fn from_hex(a_hex: &str) -> Result<Self, SrpError> {
        let a = parse_hex(a_hex, "a")? % &*N;
        let big_a = pow_mod_n(&G, &a.to_bytes_be());
        if is_degenerate(&big_a) {
            return Err(SrpError::DegeneratePublicValue);
        }
        Ok(Self { a, big_a })
    }

    /// `SRP_A`: lower-case hex of `A`, unpadded, as the clients send it.
    pub fn srp_a_hex(&self) -> String {
        to_hex(&self.big_a)
    }
}

/// Starts a sign-in with 256 random bits for `a`, returning the secret and `SRP_A`.
///
/// RFC 5054 asks for at least 256 bits. The reference clients draw 1024 (128 bytes), which makes
/// their two exponentiations about 4× dearer and changes nothing for the server; the benchmark's
/// SRP client runs on the same cores as the server it measures, so it takes the cheaper size.
pub fn start() -> (ClientSecret, String) {
    loop {
        let bytes = rand::random::<[u8; 32]>();
        let a = BigUint::from_bytes_be(&bytes);
        let big_a = pow_g(Exponent::from_be_bytes(&bytes));
        if !a.is_zero() && !is_degenerate(&big_a) {
            let hex = to_hex(&big_a);
            return (ClientSecret { a, big_a }, hex);
        }
    }
}

/// The `PASSWORD_VERIFIER` challenge parameters plus the password.
#[derive(Debug, Clone, Copy)]
pub struct Challenge<'a> {
    /// Pool name (the part of the pool id after `_`).
    pub pool_name: &'a str,
    /// `USER_ID_FOR_SRP` from the challenge.
    pub user_id_for_srp: &'a str,
    /// The user's password.
    pub password: &'a str,
    /// `SALT` (hex).
    pub salt_hex: &'a str,
    /// `SRP_B` (hex).
    pub srp_b_hex: &'a str,
    /// `SECRET_BLOCK` (standard base64).
    pub secret_block_b64: &'a str,
    /// The `TIMESTAMP` that will be sent (see [`super::format_timestamp`]).
    pub timestamp: &'a str,
}

/// Computes `PASSWORD_CLAIM_SIGNATURE` (standard base64).
pub fn respond(secret: &ClientSecret, challenge: &Challenge<'_>) -> Result<String, SrpError> {
    let big_b = parse_hex(challenge.srp_b_hex, "SRP_B")?;
    if is_degenerate(&big_b) {
        return Err(SrpError::DegeneratePublicValue);
    }
    let salt = parse_hex(challenge.salt_hex, "SALT")?;
    let secret_block = STANDARD.decode(challenge.secret_block_b64).map_err(|_| SrpError::InvalidSecretBlock)?;

    let u = compute_u(&secret.big_a, &big_b);
    if u.is_zero() {
        return Err(SrpError::ZeroScrambler);
    }
    let x = compute_x(&salt, challenge.pool_name, challenge.user_id_for_srp, challenge.password);
    // S = (B - k·g^x)^(a + u·x) mod N, kept non-negative.
    let kgx = (&*K * pow_g(Exponent::of_hash(&x))) % &*N;
    let base = ((big_b % &*N) + &*N - kgx) % &*N;
    let shared_s = pow_mod_n(&base, &(&secret.a + &u * &x).to_bytes_be());
    let key = derive_key(&shared_s, &u);
    let signature = claim_signature(&key, challenge.pool_name, challenge.user_id_for_srp, &secret_block, challenge.timestamp);
    Ok(STANDARD.encode(signature))
}
