//! Which users may sign in, checked before and after the password (AWS: "User account
//! confirmation" and the InitiateAuth error list).

use crate::store::{PoolRecord, UserRecord};
use crate::users::{FORCE_CHANGE_PASSWORD, RESET_REQUIRED, UNCONFIRMED};
use crate::{ApiResult, api_error, password_policy};

/// Before the password is checked: unconfirmed users are told so even when the password is wrong.
pub fn check_can_sign_in(user: &UserRecord) -> ApiResult<()> {
    if user.data.status == UNCONFIRMED {
        return Err(api_error!(UserNotConfirmedException, "User is not confirmed."));
    }
    Ok(())
}

/// Once the password (or another first factor) is proven.
pub fn check_after_password(user: &UserRecord) -> ApiResult<()> {
    if !user.data.enabled {
        return Err(api_error!(NotAuthorizedException, "User is disabled."));
    }
    if user.data.status == RESET_REQUIRED {
        return Err(api_error!(PasswordResetRequiredException, "Password reset required for the user"));
    }
    Ok(())
}

/// Whether the user must set a new password before signing in (an administrator created them).
pub fn must_change_password(user: &UserRecord) -> bool {
    user.data.status == FORCE_CHANGE_PASSWORD
}

/// A temporary password older than the pool's TemporaryPasswordValidityDays no longer signs in.
pub fn check_temporary_password(pool: &PoolRecord, user: &UserRecord, now_ms: i64) -> ApiResult<()> {
    let Some(pw) = user.data.password.as_ref().filter(|p| p.temporary) else { return Ok(()) };
    let days = password_policy::of(pool).temporary_password_validity_days.unwrap_or(7);
    if now_ms > pw.set_ms + days * 86_400_000 {
        return Err(api_error!(NotAuthorizedException, "Temporary password has expired and must be reset by an administrator."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::mfa::tests::{pool, user};
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn states() {
        let mut u = user(&[]);
        assert!(check_can_sign_in(&u).is_ok() && check_after_password(&u).is_ok());
        u.data.status = UNCONFIRMED.into();
        assert_eq!(check_can_sign_in(&u).unwrap_err().code, ErrorCode::UserNotConfirmedException);
        u.data.status = RESET_REQUIRED.into();
        assert_eq!(check_after_password(&u).unwrap_err().code, ErrorCode::PasswordResetRequiredException);
        u.data.status = "CONFIRMED".into();
        u.data.enabled = false;
        assert_eq!(check_after_password(&u).unwrap_err().message, "User is disabled.");
    }

    #[test]
    fn temporary_password_expiry() {
        let p = pool("OFF", false, false, false);
        let mut u = user(&[]);
        u.data.password = Some(crate::store::PasswordRecord {
            hash: "h".into(),
            srp_salt: "s".into(),
            srp_verifier: "v".into(),
            set_ms: 0,
            temporary: true,
        });
        let day = 86_400_000;
        assert!(check_temporary_password(&p, &u, 7 * day).is_ok());
        assert!(check_temporary_password(&p, &u, 7 * day + 1).is_err());
        u.data.password.as_mut().unwrap().temporary = false;
        assert!(check_temporary_password(&p, &u, 70 * day).is_ok());
    }
}
