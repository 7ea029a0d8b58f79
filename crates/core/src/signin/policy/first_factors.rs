//! Which first factors a user can sign in with through USER_AUTH. GetUserAuthFactors reports
//! [`configured_factors`] and USER_AUTH offers exactly [`available_challenges`] (the same list with
//! PASSWORD standing for PASSWORD and PASSWORD_SRP), so nothing is offered that cannot complete.
//!
//! Where AWS is open (docs/mfa.md, docs/user-auth.md): EMAIL_OTP and SMS_OTP need the pool to allow
//! them as first factors *and* a verified email / phone number; they are not offered to a user MFA
//! applies to (a one-time code is a complete sign-in, so it would skip the second factor), nor to a
//! user who must first replace a temporary password. SOFTWARE_TOKEN is never a first factor.
//! WEB_AUTHN needs the pool to allow and configure passkeys and the user to have one; when MFA
//! applies to the user, only with passkey MFA (docs/passkeys.md).

use cognate_wire::enums::{AuthFactorType as Factor, ChallengeNameType as ChallengeName};

use super::mfa;
use crate::passkeys;
use crate::store::{PoolRecord, UserRecord};
use crate::users::FORCE_CHANGE_PASSWORD;

/// The pool's `SignInPolicy.AllowedFirstAuthFactors` (`["PASSWORD"]` when it has none).
pub fn allowed_first_factors(pool: &PoolRecord) -> Vec<String> {
    pool.settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.clone())
        .unwrap_or_else(|| vec![Factor::Password.as_str().into()])
}

fn pool_allows(pool: &PoolRecord, factor: Factor) -> bool {
    allowed_first_factors(pool).iter().any(|a| a == factor.as_str())
}

/// The first factors `user` has, in the model's order.
pub fn configured_factors(pool: &PoolRecord, user: &UserRecord) -> Vec<Factor> {
    let mut out = Vec::new();
    if user.data.password.is_some() {
        out.push(Factor::Password);
    }
    let one_time_codes = !mfa::applies(pool, user) && user.data.status != FORCE_CHANGE_PASSWORD;
    let has_verified = |attr: &str| user.attribute(attr).is_some() && user.attribute_is_true(&format!("{attr}_verified"));
    if one_time_codes && pool_allows(pool, Factor::EmailOtp) && has_verified("email") {
        out.push(Factor::EmailOtp);
    }
    if one_time_codes && pool_allows(pool, Factor::SmsOtp) && has_verified("phone_number") {
        out.push(Factor::SmsOtp);
    }
    if webauthn_available(pool, user) {
        out.push(Factor::WebAuthn);
    }
    out
}

/// USER_AUTH's `AvailableChallenges` for `user`.
pub fn available_challenges(pool: &PoolRecord, user: &UserRecord) -> Vec<ChallengeName> {
    expand(&configured_factors(pool, user))
}

/// What a decoy (an unknown user under PreventUserExistenceErrors) is offered: what a typical user
/// of the pool has, a password and the one-time codes the pool allows.
pub fn decoy_offer(pool: &PoolRecord) -> Vec<ChallengeName> {
    let mut factors = vec![Factor::Password];
    factors.extend([Factor::EmailOtp, Factor::SmsOtp].into_iter().filter(|f| pool_allows(pool, *f)));
    expand(&factors)
}

/// Factors as challenge names: PASSWORD stands for both PASSWORD and PASSWORD_SRP.
pub fn expand(factors: &[Factor]) -> Vec<ChallengeName> {
    factors
        .iter()
        .flat_map(|f| match f {
            Factor::Password => vec![ChallengeName::Password, ChallengeName::PasswordSrp],
            Factor::EmailOtp => vec![ChallengeName::EmailOtp],
            Factor::SmsOtp => vec![ChallengeName::SmsOtp],
            Factor::WebAuthn => vec![ChallengeName::WebAuthn],
            // Not a first factor (the model lists it; AWS documents it as not supported).
            Factor::SoftwareToken => vec![],
        })
        .collect()
}

/// Whether `user` can pick WEB_AUTHN: the pool allows and configures passkeys, the user has one,
/// and, when MFA applies to the user, a passkey sign-in would satisfy it (passkey MFA).
pub fn webauthn_available(pool: &PoolRecord, user: &UserRecord) -> bool {
    // A forced password change needs the password (as for one-time codes, docs/user-auth.md).
    if user.data.passkeys.credentials.is_empty() || passkeys::relying_party(pool).is_err() || user.data.status == FORCE_CHANGE_PASSWORD {
        return false;
    }
    !mfa::applies(pool, user) || passkeys::passkey_mfa_for(pool, user)
}

#[cfg(test)]
mod tests {
    use super::super::mfa::tests::{pool, user};
    use super::*;
    use cognate_wire::shapes::{SignInPolicyType, UserPoolPolicyType};

    fn allowing(mut p: PoolRecord, factors: &[&str]) -> PoolRecord {
        p.settings.policies = Some(UserPoolPolicyType {
            sign_in_policy: Some(SignInPolicyType { allowed_first_auth_factors: Some(factors.iter().map(|s| s.to_string()).collect()) }),
            ..Default::default()
        });
        p
    }

    fn with_password(mut u: UserRecord) -> UserRecord {
        u.data.password = Some(crate::store::PasswordRecord {
            hash: "h".into(),
            srp_salt: "s".into(),
            srp_verifier: "v".into(),
            set_ms: 0,
            temporary: false,
        });
        u
    }

    #[test]
    fn factor_table() {
        use Factor::*;
        let verified_email = [("email", "a@example.com"), ("email_verified", "true")];
        let unverified_email = [("email", "a@example.com")];
        let codes = allowing(pool("OFF", false, false, false), &["PASSWORD", "EMAIL_OTP", "SMS_OTP"]);
        let mut mfa_user = with_password(user(&verified_email));
        mfa_user.data.mfa.email_enabled = true;
        let mut forced = with_password(user(&verified_email));
        forced.data.status = FORCE_CHANGE_PASSWORD.into();
        let cases: Vec<(&str, PoolRecord, UserRecord, Vec<Factor>)> = vec![
            ("password only", pool("OFF", false, false, false), with_password(user(&verified_email)), vec![Password]),
            ("no password, nothing", pool("OFF", false, false, false), user(&[]), vec![]),
            ("email code", codes.clone(), with_password(user(&verified_email)), vec![Password, EmailOtp]),
            ("unverified email: no code", codes.clone(), with_password(user(&unverified_email)), vec![Password]),
            ("pool does not allow codes", pool("OFF", false, false, false), with_password(user(&verified_email)), vec![Password]),
            ("MFA applies: no code", allowing(pool("OPTIONAL", false, false, true), &["PASSWORD", "EMAIL_OTP"]), mfa_user, vec![Password]),
            ("forced password change: no code", codes.clone(), forced, vec![Password]),
        ];
        for (name, pool, user, want) in cases {
            assert_eq!(configured_factors(&pool, &user), want, "{name}");
        }
    }

    #[test]
    fn password_stands_for_both_password_challenges() {
        assert_eq!(
            expand(&[Factor::Password, Factor::SmsOtp]),
            vec![ChallengeName::Password, ChallengeName::PasswordSrp, ChallengeName::SmsOtp]
        );
        let p = allowing(pool("OFF", false, false, false), &["PASSWORD", "SMS_OTP", "WEB_AUTHN"]);
        assert_eq!(decoy_offer(&p), vec![ChallengeName::Password, ChallengeName::PasswordSrp, ChallengeName::SmsOtp]);
    }
}
