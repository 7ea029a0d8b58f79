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

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

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

/// Bytes of salt in the hashes we make.
const SALT_BYTES: usize = 16;
/// Bytes of output in the hashes we make.
const OUTPUT_BYTES: usize = 32;

/// argon2id's working memory (19 MiB at our parameters), kept between hashes by a thread that
/// hashes many passwords. A fresh 19 MiB block per hash costs thousands of page faults and
/// zero-fills, a large share of the hash's time, and freed blocks are what allocators are worst at
/// giving back to the system. argon2 overwrites every block it uses, so reuse leaks nothing from
/// one hash into the next.
#[derive(Default)]
pub struct Workspace {
    blocks: Vec<Block>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace").field("blocks", &self.blocks.len()).finish()
    }
}

impl Workspace {
    /// `count` blocks: the kept ones when there are enough, else fresh ones kept from now on when
    /// `count` is what our own parameters need (a stored hash with a larger cost, at most
    /// [`MAX_VERIFY_MEMORY_KIB`], gets a one-off allocation instead).
    fn run<T>(&mut self, count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        if count <= self.blocks.len() {
            return f(&mut self.blocks[..count]);
        }
        let mut fresh = vec![Block::default(); count];
        let out = f(&mut fresh);
        if count <= MEMORY_KIB as usize {
            self.blocks = fresh;
        }
        out
    }
}

/// Hashes `password` with a fresh random salt; returns the PHC string to store.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    hash_in(&mut Workspace::default(), password)
}

/// [`hash`], with argon2id's memory taken from (and left in) `workspace`.
pub fn hash_in(workspace: &mut Workspace, password: &str) -> Result<String, PasswordError> {
    let argon2 = hasher()?;
    let salt: [u8; SALT_BYTES] = rand::random();
    let mut out = [0u8; OUTPUT_BYTES];
    let error = |e: &dyn std::fmt::Display| PasswordError(e.to_string());
    workspace
        .run(argon2.params().block_count(), |blocks| argon2.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks))
        .map_err(|e| error(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| error(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| error(&e))?),
        hash: Some(Output::new(&out).map_err(|e| error(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string. Any malformed, non-argon2id or
/// over-expensive hash simply does not match. The final comparison is constant-time.
pub fn verify(password: &str, phc: &str) -> bool {
    verify_in(&mut Workspace::default(), password, phc)
}

/// [`verify`], with argon2id's memory taken from (and left in) `workspace`.
pub fn verify_in(workspace: &mut Workspace, password: &str, phc: &str) -> bool {
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
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let argon2 = Argon2::new(Algorithm::Argon2id, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = workspace.run(argon2.params().block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut out, blocks)
    });
    computed.is_ok() && crate::primitives::ct_eq(&out, expected.as_bytes())
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
    use argon2::{PasswordHasher, PasswordVerifier};

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
    fn a_workspace_is_reused_across_hashes_and_costs() {
        let mut ws = Workspace::default();
        let phc = hash_in(&mut ws, "pw").unwrap();
        assert_eq!(ws.blocks.len(), MEMORY_KIB as usize);
        assert!(verify_in(&mut ws, "pw", &phc));
        assert!(!verify_in(&mut ws, "pw2", &phc));
        // A cheaper stored hash uses part of the kept memory; a dearer one a one-off allocation.
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 1, 1, None).unwrap())
            .hash_password_with_salt(b"pw", b"0123456789abcdef")
            .unwrap()
            .to_string();
        assert!(verify_in(&mut ws, "pw", &cheap));
        let dear = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(MEMORY_KIB * 2, 1, 1, None).unwrap())
            .hash_password_with_salt(b"pw", b"0123456789abcdef")
            .unwrap()
            .to_string();
        assert!(verify_in(&mut ws, "pw", &dear));
        assert_eq!(ws.blocks.len(), MEMORY_KIB as usize);
        // Same results as argon2's own verifier, whose memory is fresh each time.
        assert!(Argon2::default().verify_password(b"pw", &PasswordHash::new(&phc).unwrap()).is_ok());
        let v10 = Argon2::new(Algorithm::Argon2id, Version::V0x10, Params::new(64, 1, 1, None).unwrap())
            .hash_password_with_salt(b"pw", b"0123456789abcdef")
            .unwrap()
            .to_string();
        assert!(v10.contains("$v=16$"), "{v10}");
        assert!(verify_in(&mut ws, "pw", &v10));
        assert!(!verify_in(&mut ws, "pW", &v10));
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
