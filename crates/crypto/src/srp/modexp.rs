//! The server's modular exponentiations mod `N`, in constant time.
//!
//! num-bigint's `modpow` is neither constant-time nor fast at 3072 bits. Every exponent the server
//! uses is at most 256 bits (`b` is [`super::B_BYTES`] random bytes; `u` and `x` are SHA-256
//! outputs), so the exponentiations run over exactly 256 exponent bits, not 3072.
//!
//! `g^e` (the challenge's `g^b` and the verifier's `g^x`) uses a fixed-base table: with
//! `T[i][j] = g^(j·16^i)`, `g^e` is the product of one entry per 4-bit digit of `e`, 64
//! multiplications and no squarings, in crypto-bigint's Montgomery form (RustCrypto) with
//! constant-time lookups (about 2× faster than AWS-LC's windowed exponentiation, which needs 256
//! squarings). The variable-base exponentiations of the verify step run on AWS-LC
//! ([`super::bignum`]).
//!
//! Only the exponentiations are constant-time. Parsing and printing hex, `pad` (whose output
//! length depends on the value by definition of the protocol) and the `A mod N` check stay on
//! num-bigint.

use std::sync::LazyLock;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{CtAssign, CtEq, Odd, U256, U3072};
use num_bigint::BigUint;

use super::bignum::pow_mod_n;
use super::group::{N, N_HEX};

/// Exponent size every server-side exponentiation runs over.
pub(crate) const EXPONENT_BITS: u32 = 256;

type Monty = FixedMontyForm<{ U3072::LIMBS }>;

/// `N` as a fixed-size odd integer; `from_be_hex` checks length and oddness at compile time.
const N_ODD: Odd<U3072> = Odd::<U3072>::from_be_hex(N_HEX);

/// Montgomery parameters of `N` (`R mod N`, `R² mod N`, `-N⁻¹ mod 2^64`), computed once per process.
static PARAMS: LazyLock<FixedMontyParams<{ U3072::LIMBS }>> = LazyLock::new(|| FixedMontyParams::new(N_ODD));

/// Digits of 4 bits: a 256-bit exponent has 64 of them.
const DIGIT_BITS: u32 = 4;
const DIGITS: usize = (EXPONENT_BITS / DIGIT_BITS) as usize;
const DIGIT_VALUES: usize = 1 << DIGIT_BITS;

/// `G_TABLE[i][j] = g^(j·16^i)` in Montgomery form: 64 × 16 × 384 bytes (384 KiB), built on first use
/// with about 1,000 multiplications (a few milliseconds).
static G_TABLE: LazyLock<Vec<[U3072; DIGIT_VALUES]>> = LazyLock::new(|| {
    let params = &*PARAMS;
    let mut base = Monty::new(&U3072::from_u8(2), params); // g^(16^i)
    (0..DIGITS)
        .map(|_| {
            let mut row = [*Monty::one(params).as_montgomery(); DIGIT_VALUES];
            let mut power = Monty::one(params);
            for entry in row.iter_mut().skip(1) {
                power = power.mul(&base);
                *entry = *power.as_montgomery();
            }
            base = power.mul(&base); // g^(15·16^i) · g^(16^i) = g^(16^(i+1))
            row
        })
        .collect()
});

/// A server-side exponent: at most [`EXPONENT_BITS`] bits.
#[derive(Clone, Copy)]
pub(crate) struct Exponent(U256);

impl Exponent {
    /// `None` when `value` has more than [`EXPONENT_BITS`] bits.
    pub(crate) fn new(value: &BigUint) -> Option<Self> {
        if value.bits() > u64::from(EXPONENT_BITS) {
            return None;
        }
        Some(Self(U256::from_be_slice(&left_pad::<32>(&value.to_bytes_be()))))
    }

    /// A SHA-256 output read as an integer (`u`, `x`), which always fits. Only the low 256 bits are
    /// kept, so a larger value can never slip through unnoticed in release builds either.
    pub(crate) fn of_hash(hash: &BigUint) -> Self {
        debug_assert!(hash.bits() <= u64::from(EXPONENT_BITS));
        Self(U256::from_be_slice(&left_pad::<32>(&hash.to_bytes_be())))
    }

    /// Fresh random bytes (`b`).
    pub(crate) fn from_be_bytes(bytes: &[u8; 32]) -> Self {
        Self(U256::from_be_slice(bytes))
    }
}

/// `g^e mod N` from the fixed-base table.
pub(crate) fn pow_g(e: Exponent) -> BigUint {
    let params = &*PARAMS;
    let digits = e.0.to_be_bytes();
    let digits = digits.as_slice();
    let mut acc = Monty::one(params);
    for (i, row) in G_TABLE.iter().enumerate() {
        // Digit i counts from the least significant end: byte 31 - i/2, low or high half.
        let byte = digits[digits.len() - 1 - i / 2];
        let digit = (byte >> (DIGIT_BITS * (i as u32 % 2))) & 0x0f;
        // Read every entry and keep the wanted one, so the memory access pattern is the same for
        // every digit.
        let mut entry = row[0];
        for (j, candidate) in row.iter().enumerate().skip(1) {
            entry.ct_assign(candidate, (j as u8).ct_eq(&digit));
        }
        acc = acc.mul(&Monty::from_montgomery(entry, params));
    }
    from_uint(&acc.retrieve())
}

/// `S = (A · v^u)^b mod N`, the server's shared secret: two variable-base exponentiations on
/// AWS-LC ([`super::bignum`]), about 2.3× faster than crypto-bigint's at this size.
pub(crate) fn server_secret(big_a: &BigUint, v: &BigUint, u: Exponent, b: Exponent) -> BigUint {
    let v_u = pow_mod_n(v, &u.0.to_be_bytes());
    let base = (big_a % &*N) * v_u % &*N;
    pow_mod_n(&base, &b.0.to_be_bytes())
}

fn from_uint(x: &U3072) -> BigUint {
    BigUint::from_bytes_be(x.to_be_bytes().as_slice())
}

/// `bytes` (at most `LEN` of them, big-endian) with zeros in front up to `LEN`.
fn left_pad<const LEN: usize>(bytes: &[u8]) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    let take = bytes.len().min(LEN);
    out[LEN - take..].copy_from_slice(&bytes[bytes.len() - take..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::group::G;

    fn samples() -> Vec<BigUint> {
        let mut out = vec![BigUint::from(0u32), BigUint::from(1u32), BigUint::from(15u32), BigUint::from(16u32)];
        out.push((BigUint::from(1u32) << 256u32) - 1u32); // every digit 15
        out.push(BigUint::from(1u32) << 255u32);
        out.extend((0..8).map(|_| BigUint::from_bytes_be(&rand::random::<[u8; 32]>())));
        out
    }

    #[test]
    fn n_matches_the_group() {
        assert_eq!(from_uint(N_ODD.as_ref()), *N);
    }

    #[test]
    fn fixed_base_matches_num_bigint() {
        for e in samples() {
            let exponent = Exponent::new(&e).unwrap();
            assert_eq!(pow_g(exponent), G.modpow(&e, &N), "e = {e:x}");
        }
    }

    #[test]
    fn server_secret_matches_num_bigint() {
        let exps = samples();
        for (i, b) in exps.iter().enumerate() {
            let u = &exps[(i + 3) % exps.len()];
            let big_a = BigUint::from_bytes_be(&rand::random::<[u8; 32]>()) * &*N + BigUint::from(7u32 + i as u32); // A ≥ N
            let v = G.modpow(&BigUint::from_bytes_be(&rand::random::<[u8; 32]>()), &N);
            let expected = ((&big_a * v.modpow(u, &N)) % &*N).modpow(b, &N);
            let got = server_secret(&big_a, &v, Exponent::new(u).unwrap(), Exponent::new(b).unwrap());
            assert_eq!(got, expected, "b = {b:x}, u = {u:x}");
        }
    }

    #[test]
    fn exponents_over_256_bits_are_refused() {
        assert!(Exponent::new(&(BigUint::from(1u32) << 256u32)).is_none());
        assert!(Exponent::new(&((BigUint::from(1u32) << 256u32) - 1u32)).is_some());
    }
}
