//! The pool's password policy with the real `InvalidPasswordException` messages.

use cognate_wire::shapes::PasswordPolicyType;
use rand::Rng;

use crate::store::PoolRecord;
use crate::{ApiError, ApiResult, api_error};

/// The pool's password policy (Cognito's defaults for a pool created without one).
pub fn of(pool: &PoolRecord) -> PasswordPolicyType {
    pool.settings.policies.as_ref().and_then(|p| p.password_policy.clone()).unwrap_or_else(default_policy)
}

/// Cognito's defaults for a pool created without a policy.
pub fn default_policy() -> PasswordPolicyType {
    PasswordPolicyType {
        minimum_length: Some(8),
        require_uppercase: Some(true),
        require_lowercase: Some(true),
        require_numbers: Some(true),
        require_symbols: Some(true),
        password_history_size: None,
        temporary_password_validity_days: Some(7),
    }
}

/// The special characters Cognito counts as symbols.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

pub fn check(policy: &PasswordPolicyType, password: &str) -> ApiResult<()> {
    let fail = |why: &str| -> ApiError { api_error!(InvalidPasswordException, "Password did not conform with policy: {why}") };
    let min = policy.minimum_length.unwrap_or(8);
    if (password.chars().count() as i64) < min {
        return Err(fail("Password not long enough"));
    }
    if policy.require_uppercase.unwrap_or(false) && !password.chars().any(|c| c.is_uppercase()) {
        return Err(fail("Password must have uppercase characters"));
    }
    if policy.require_lowercase.unwrap_or(false) && !password.chars().any(|c| c.is_lowercase()) {
        return Err(fail("Password must have lowercase characters"));
    }
    if policy.require_numbers.unwrap_or(false) && !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(fail("Password must have numeric characters"));
    }
    if policy.require_symbols.unwrap_or(false) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return Err(fail("Password must have symbol characters"));
    }
    Ok(())
}

/// A temporary password that satisfies `policy`.
pub fn generate_temporary(policy: &PasswordPolicyType) -> String {
    let mut rng = rand::rng();
    let len = policy.minimum_length.unwrap_or(8).max(12) as usize;
    let sets: [&[u8]; 4] = [b"ABCDEFGHJKLMNPQRSTUVWXYZ", b"abcdefghijkmnopqrstuvwxyz", b"23456789", b"!@#%^&*"];
    let mut chars: Vec<char> = sets.iter().map(|s| s[rng.random_range(0..s.len())] as char).collect();
    while chars.len() < len {
        let s = sets[rng.random_range(0..3)];
        chars.push(s[rng.random_range(0..s.len())] as char);
    }
    // Shuffle so the classes are not in a fixed order.
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.random_range(0..=i));
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_policy_order() {
        let p = default_policy();
        let msg = |pw: &str| check(&p, pw).err().map(|e| e.message).unwrap_or_default();
        assert_eq!(msg("Ab1!"), "Password did not conform with policy: Password not long enough");
        assert_eq!(msg("abcdefg1!"), "Password did not conform with policy: Password must have uppercase characters");
        assert_eq!(msg("ABCDEFG1!"), "Password did not conform with policy: Password must have lowercase characters");
        assert_eq!(msg("Abcdefgh!"), "Password did not conform with policy: Password must have numeric characters");
        assert_eq!(msg("Abcdefgh1"), "Password did not conform with policy: Password must have symbol characters");
        assert!(check(&p, "Abcdefg1!").is_ok());
        for _ in 0..50 {
            assert!(check(&p, &generate_temporary(&p)).is_ok());
        }
    }
}
