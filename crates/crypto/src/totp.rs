//! Software-token MFA (TOTP, RFC 6238) as Cognito's authenticator-app users expect it.
//!
//! Parameters are fixed, not configurable, because authenticator apps silently ignore
//! anything else: HMAC-SHA1, 30-second steps from T0 = 0, 6 digits (docs/mfa.md, TOTP).
//! We accept the previous, current and next step (RFC 6238 §5.2's one step of clock drift),
//! and report which step matched so the caller can refuse a second use of the same step
//! (`ExpiredCodeException` "Your software token has already been used once.").

use totp_rs::{Algorithm, Secret, Totp};

use crate::primitives::ct_eq;

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Bytes of entropy in a generated secret (256 bits → 52 base32 characters).
pub const SECRET_BYTES: usize = 32;

/// Outcome of [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// The code is valid for `step` (= unix time / 30), which the caller must now record
    /// as the user's last used step.
    Accepted {
        /// The matching time step.
        step: u64,
    },
    /// Not a valid code for the window (also: not exactly 6 ASCII digits, bad secret).
    Mismatch,
    /// The code is right but its step is not newer than the last one accepted.
    Replayed,
}

/// A fresh `SecretCode`: 32 random bytes as RFC 4648 base32, upper-case, no padding.
///
/// 52 characters is what real Cognito issues (docs/mfa.md, TOTP) and is long enough for strict
/// clients (pyotp ≥ 2.12 wants at least 112 bits).
pub fn generate_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    Secret::from(bytes).to_base32()
}

/// Builds the RFC 6238 generator for a stored base32 secret; `None` if it does not decode
/// or is shorter than RFC 4226's 128-bit minimum.
fn generator(secret_b32: &str) -> Option<Totp> {
    let normalized: String = secret_b32.trim().trim_end_matches('=').to_ascii_uppercase();
    let secret = Secret::try_from_base32(normalized).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP_SECONDS)
        .with_skew(1)
        .with_secret(secret)
        .build()
        .ok()
}

/// The code for the step containing `unix` seconds; `None` if the secret is unusable.
pub fn code_at(secret_b32: &str, unix: u64) -> Option<String> {
    Some(generator(secret_b32)?.generate(unix).to_string())
}

/// Checks `code` at `now_unix`, given the last step already accepted for this user.
///
/// All three candidate steps are always computed and compared in constant time, so the
/// response time does not reveal which step (if any) matched.
pub fn check(secret_b32: &str, code: &str, now_unix: u64, last_used_step: Option<u64>) -> TotpCheck {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return TotpCheck::Mismatch;
    }
    let Some(totp) = generator(secret_b32) else {
        return TotpCheck::Mismatch;
    };
    let current = now_unix / STEP_SECONDS;
    let candidates = [current.checked_sub(1), Some(current), current.checked_add(1)];

    let mut accepted = None;
    let mut replayed = false;
    for step in candidates.into_iter().flatten() {
        let Some(at) = step.checked_mul(STEP_SECONDS) else {
            continue;
        };
        let expected = totp.generate(at).to_string();
        if !ct_eq(expected.as_bytes(), code.as_bytes()) {
            continue;
        }
        if last_used_step.is_some_and(|last| step <= last) {
            replayed = true;
        } else if accepted.is_none() {
            accepted = Some(step);
        }
    }
    match (accepted, replayed) {
        (Some(step), _) => TotpCheck::Accepted { step },
        (None, true) => TotpCheck::Replayed,
        (None, false) => TotpCheck::Mismatch,
    }
}

/// The `otpauth://` URI authenticator apps scan as a QR code (Google's Key URI format).
///
/// Issuer and account are percent-encoded; an empty issuer is left out.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    let label = if issuer.is_empty() { percent_encode(account) } else { format!("{}:{}", percent_encode(issuer), percent_encode(account)) };
    let mut uri =
        format!("otpauth://totp/{label}?secret={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}", percent_encode(secret_b32));
    if !issuer.is_empty() {
        uri.push_str("&issuer=");
        uri.push_str(&percent_encode(issuer));
    }
    uri
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA1 seed, the ASCII bytes "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc6238_sha1_vectors() {
        // Appendix B's 8-digit values truncated to their last 6 digits.
        for (t, want) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(RFC_SECRET, t).as_deref(), Some(want), "T = {t}");
            assert_eq!(check(RFC_SECRET, want, t, None), TotpCheck::Accepted { step: t / 30 }, "T = {t}");
        }
    }

    #[test]
    fn accepts_one_step_either_side_only() {
        let t = 1_111_111_109;
        let code = "081804"; // step t/30
        let step = t / 30;
        assert_eq!(check(RFC_SECRET, code, t - 30, None), TotpCheck::Accepted { step });
        assert_eq!(check(RFC_SECRET, code, t + 30, None), TotpCheck::Accepted { step });
        assert_eq!(check(RFC_SECRET, code, t - 60, None), TotpCheck::Mismatch);
        assert_eq!(check(RFC_SECRET, code, t + 60, None), TotpCheck::Mismatch);
    }

    #[test]
    fn replay_of_an_accepted_step_is_refused() {
        let t = 1_234_567_890;
        let step = t / 30;
        assert_eq!(check(RFC_SECRET, "005924", t, Some(step)), TotpCheck::Replayed);
        assert_eq!(check(RFC_SECRET, "005924", t, Some(step + 1)), TotpCheck::Replayed);
        assert_eq!(check(RFC_SECRET, "005924", t, Some(step - 1)), TotpCheck::Accepted { step });
        // A wrong code stays a mismatch whatever the history.
        assert_eq!(check(RFC_SECRET, "000000", t, Some(step)), TotpCheck::Mismatch);
    }

    #[test]
    fn malformed_codes_are_mismatches() {
        let t = 59;
        for bad in ["", "28708", "2870820", " 87082", "28708a", "+87082", "２８７０８２"] {
            assert_eq!(check(RFC_SECRET, bad, t, None), TotpCheck::Mismatch, "{bad:?}");
        }
    }

    #[test]
    fn unusable_secrets_never_panic() {
        for bad in ["", "!!!!", "ASDFASDFASDF", "GEZDGNBV"] {
            assert_eq!(check(bad, "123456", 59, None), TotpCheck::Mismatch, "{bad:?}");
            assert_eq!(code_at(bad, 59), None, "{bad:?}");
        }
        // Extreme clocks do not overflow.
        assert!(matches!(check(RFC_SECRET, "123456", u64::MAX, None), TotpCheck::Mismatch | TotpCheck::Accepted { .. }));
        assert!(code_at(RFC_SECRET, u64::MAX).is_some());
    }

    #[test]
    fn generated_secrets_are_52_base32_chars_and_usable() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 52);
        assert!(secret.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        let code = code_at(&secret, 1_700_000_000).unwrap();
        assert_eq!(check(&secret, &code, 1_700_000_000, None), TotpCheck::Accepted { step: 1_700_000_000 / 30 });
        // Lower-case input (some apps show it that way) is accepted too.
        assert_eq!(code_at(&secret.to_ascii_lowercase(), 1_700_000_000), Some(code));
        assert_ne!(generate_secret(), secret);
    }

    #[test]
    fn otpauth_uri_is_encoded() {
        assert_eq!(
            otpauth_uri(RFC_SECRET, "My App", "alice@example.com"),
            "otpauth://totp/My%20App:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &algorithm=SHA1&digits=6&period=30&issuer=My%20App"
        );
        assert_eq!(
            otpauth_uri(RFC_SECRET, "", "bob"),
            "otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
        );
    }
}
