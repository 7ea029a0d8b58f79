//! `base^e mod N` on AWS-LC's bignum, the same library (and the same assembly Montgomery
//! multiplication) that aws-lc-rs uses for RSA.
//!
//! Why not a Rust crate: at 3072 bits, crypto-bigint's and num-bigint's exponentiations are several
//! times slower than AWS-LC's (figures in docs/performance.md), and SRP sign-in is nothing but these
//! exponentiations. aws-lc-rs does not expose its bignum, so this calls `aws-lc-sys` (already linked
//! through aws-lc-rs) directly. Everything unsafe is in this file, behind two safe functions.
//!
//! Exponentiations use `BN_mod_exp_mont_consttime`: its time depends on the exponent's width in
//! 64-bit words, never on its bits, so the secret exponents `b` (server) and `a` (client) do not leak
//! through timing.
//!
//! With our inputs (an odd modulus, a reduced base) AWS-LC can only fail by running out of memory.
//! Rust aborts the process on that everywhere else, and so does this module
//! ([`std::alloc::handle_alloc_error`]) rather than report an allocation failure as, say, a wrong
//! password.

use std::ptr;
use std::sync::LazyLock;

use aws_lc_sys as sys;
use num_bigint::BigUint;

use super::group::N;

/// Bytes of a number mod `N` (3072 bits).
const N_BYTES: usize = 384;

/// An owned `BIGNUM`, freed on drop.
struct Bn(*mut sys::BIGNUM);

impl Bn {
    /// `bytes` (big-endian) as a `BIGNUM`; `None` only if AWS-LC cannot allocate.
    fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        // SAFETY: `bytes` is a valid slice for its length; a null `ret` asks for a new BIGNUM,
        // which we own from here on (null on allocation failure, checked).
        let raw = unsafe { sys::BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut()) };
        (!raw.is_null()).then_some(Bn(raw))
    }

    fn new() -> Option<Self> {
        // SAFETY: plain allocation; null on failure, checked.
        let raw = unsafe { sys::BN_new() };
        (!raw.is_null()).then_some(Bn(raw))
    }

    /// The value, which must be below `N` (true of every exponentiation's result).
    fn to_biguint(&self) -> Option<BigUint> {
        let mut out = [0u8; N_BYTES];
        // SAFETY: `out` has room for `N_BYTES`; the call fails (returns 0) if the value needs more.
        let ok = unsafe { sys::BN_bn2bin_padded(out.as_mut_ptr(), out.len(), self.0) };
        (ok == 1).then(|| BigUint::from_bytes_be(&out))
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: we own the pointer (non-null by construction) and free it exactly once;
        // `BN_clear_free` also wipes it, as it may hold a secret exponent.
        unsafe { sys::BN_clear_free(self.0) }
    }
}

/// A `BN_CTX` (scratch space for one operation), freed on drop.
struct Ctx(*mut sys::BN_CTX);

impl Ctx {
    fn new() -> Option<Self> {
        // SAFETY: plain allocation; null on failure, checked.
        let raw = unsafe { sys::BN_CTX_new() };
        (!raw.is_null()).then_some(Ctx(raw))
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: owned, non-null, freed once.
        unsafe { sys::BN_CTX_free(self.0) }
    }
}

/// `N` and its Montgomery parameters, computed once per process and then only read.
struct Modulus {
    n: Bn,
    mont: *mut sys::BN_MONT_CTX,
}

// SAFETY: after construction neither pointer is written to; AWS-LC only reads `N` and the
// `BN_MONT_CTX` in exponentiations (they are `const` parameters), so sharing them across threads is
// sound.
unsafe impl Send for Modulus {}
// SAFETY: as for `Send`: shared references only ever read.
unsafe impl Sync for Modulus {}

static MODULUS: LazyLock<Option<Modulus>> = LazyLock::new(|| {
    let n = Bn::from_be_bytes(&N.to_bytes_be())?;
    let ctx = Ctx::new()?;
    // SAFETY: `n` and `ctx` are valid; the result is owned by `Modulus` for the life of the process
    // (null on failure, checked).
    let mont = unsafe { sys::BN_MONT_CTX_new_for_modulus(n.0, ctx.0) };
    (!mont.is_null()).then_some(Modulus { n, mont })
});

/// `base^exponent mod N`, with `exponent` given as big-endian bytes, in time independent of the
/// exponent's value.
pub(crate) fn pow_mod_n(base: &BigUint, exponent_be: &[u8]) -> BigUint {
    try_pow_mod_n(base, exponent_be).unwrap_or_else(|| std::alloc::handle_alloc_error(std::alloc::Layout::new::<[u8; N_BYTES]>()))
}

/// [`pow_mod_n`]; `None` when AWS-LC cannot allocate memory.
fn try_pow_mod_n(base: &BigUint, exponent_be: &[u8]) -> Option<BigUint> {
    let modulus = MODULUS.as_ref()?;
    // AWS-LC requires a base already reduced mod N.
    let reduced;
    let base = if base < &*N {
        base
    } else {
        reduced = base % &*N;
        &reduced
    };
    let base = Bn::from_be_bytes(&base.to_bytes_be())?;
    let exponent = Bn::from_be_bytes(exponent_be)?;
    let result = Bn::new()?;
    let ctx = Ctx::new()?;
    // SAFETY: every pointer is a live BIGNUM / BN_CTX / BN_MONT_CTX owned above; `base < N` as
    // required; `result` is a distinct BIGNUM. Returns 1 on success.
    let ok = unsafe { sys::BN_mod_exp_mont_consttime(result.0, base.0, exponent.0, modulus.n.0, ctx.0, modulus.mont) };
    if ok != 1 {
        return None;
    }
    result.to_biguint()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::group::G;

    #[test]
    fn matches_num_bigint() {
        let mut exponents = vec![vec![0u8], vec![1u8], vec![0xff; 32], vec![0xff; 128]];
        exponents.extend((0..6).map(|_| rand::random::<[u8; 32]>().to_vec()));
        let bases = [G.clone(), BigUint::from_bytes_be(&rand::random::<[u8; 64]>()), &*N + 5u32, &*N - 1u32];
        for base in &bases {
            for e in &exponents {
                let expected = base.modpow(&BigUint::from_bytes_be(e), &N);
                assert_eq!(pow_mod_n(base, e), expected);
            }
        }
    }
}
