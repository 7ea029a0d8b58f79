//! Password hashing for `USER_PASSWORD_AUTH`, `ADMIN_USER_PASSWORD_AUTH` and password
//! changes.
//!
//! Argon2id with the OWASP Password Storage Cheat Sheet's first recommended configuration:
//! **m = 19456 KiB (19 MiB), t = 2 iterations, p = 1 lane**, 16-byte random salt, 32-byte
//! output, stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
//! Argon2id is memory-hard, which makes offline guessing on GPUs expensive; those
//! parameters keep one hash around tens of milliseconds on a small server.
//!
//! (SRP users are separate: for them we store only the SRP verifier, see [`crate::srp`].)

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

/// Memory cost in KiB.
pub const MEMORY_KIB: u32 = 19_456;
/// Number of passes.
pub const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub const PARALLELISM: u32 = 1;

/// Upper bounds on the parameters [`verify`] will run with. A stored hash is trusted data,
/// but a corrupted or planted one must not be able to make a sign-in allocate gigabytes.
const MAX_VERIFY_MEMORY_KIB: u32 = 1 << 20;
const MAX_VERIFY_ITERATIONS: u32 = 16;
const MAX_VERIFY_PARALLELISM: u32 = 16;

/// Hashing failed (practically only if the OS random generator is unavailable).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(|e| PasswordError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with a fresh random salt; returns the PHC string to store.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    hasher()?.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches the stored PHC string. Any malformed, non-argon2id or
/// over-expensive hash simply does not match. The final comparison is constant-time
/// (done by the `password-hash` crate).
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB || params.t_cost() > MAX_VERIFY_ITERATIONS || params.p_cost() > MAX_VERIFY_PARALLELISM {
        return false;
    }
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Whether a stored hash was made with other parameters than today's, so the caller can
/// re-hash the password the next time the user signs in successfully.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != argon2::ARGON2ID_IDENT
        || parsed.version != Some(Version::V0x13 as u32)
        || params.m_cost() != MEMORY_KIB
        || params.t_cost() != ITERATIONS
        || params.p_cost() != PARALLELISM
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!verify("", &phc));
        assert!(!needs_rehash(&phc));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(hash("same").unwrap(), hash("same").unwrap());
    }

    #[test]
    fn malformed_hashes_never_match() {
        for bad in ["", "plaintext", "$argon2id$", "$argon2id$v=19$m=19456,t=2,p=1$", "$bcrypt$2b$10$abcdefghijklmnopqrstuu"] {
            assert!(!verify("x", bad), "{bad:?}");
            assert!(needs_rehash(bad), "{bad:?}");
        }
    }

    #[test]
    fn other_algorithms_and_huge_costs_are_refused() {
        let phc = hash("pw").unwrap();
        let argon2i = phc.replacen("$argon2id$", "$argon2i$", 1);
        assert!(!verify("pw", &argon2i));
        let huge = phc.replacen("m=19456", "m=4194304", 1);
        assert!(!verify("pw", &huge));
    }

    #[test]
    fn known_answer_from_reference_parameters() {
        // A hash with weaker, non-default parameters still verifies (params come from the
        // string) and is flagged for re-hashing.
        let params = Params::new(64, 1, 1, None).unwrap();
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_with_salt(b"pw", b"0123456789abcdef")
            .unwrap()
            .to_string();
        assert!(verify("pw", &phc));
        assert!(needs_rehash(&phc));
    }
}
