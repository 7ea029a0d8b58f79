//! Password lockout: after 5 consecutive failures the user is locked for 1 s, doubling
//! with each further failure up to 15 minutes; attempts while locked are refused without extending
//! the lock; 15 minutes without failures reset the count.
//!
//! Enforced where the password (or the SRP proof) is checked, atomically with the count: each
//! attempt is [`claim`]ed on the user record before the password is compared, counted as a failure
//! at once, and a right password takes the count back ([`record_success`]). So parallel attempts
//! cannot all pass the check before a failure lands, and an SRP challenge opened before the lockout
//! is refused after it.

use crate::store::{PoolRecord, SecurityState, UserRecord};
use crate::{ApiResult, App, api_error, users};

const FREE_ATTEMPTS: u32 = 5;
const MAX_LOCK_MS: i64 = 15 * 60_000;
const RESET_AFTER_MS: i64 = 15 * 60_000;

/// Refuse an attempt while the user is locked out.
pub fn check(app: &App, user: &UserRecord) -> ApiResult<()> {
    check_at(&user.data.security, app.now_ms())
}

fn check_at(sec: &SecurityState, now_ms: i64) -> ApiResult<()> {
    if now_ms < sec.locked_until_ms {
        return Err(api_error!(NotAuthorizedException, "Password attempts exceeded"));
    }
    Ok(())
}

/// The count and lock after a failure at `now_ms`.
fn count_failure(sec: &mut SecurityState, now_ms: i64) {
    if now_ms - sec.last_failure_ms > RESET_AFTER_MS {
        sec.failed_attempts = 0;
    }
    sec.failed_attempts += 1;
    sec.last_failure_ms = now_ms;
    if sec.failed_attempts >= FREE_ATTEMPTS {
        let exp = (sec.failed_attempts - FREE_ATTEMPTS).min(20);
        sec.locked_until_ms = now_ms + (1000i64 << exp).min(MAX_LOCK_MS);
    }
}

/// Claim a password attempt before the password is checked: refused while the user is locked
/// out (nothing written then); otherwise counted as a failure now, with the lock that failure
/// brings, in one conditional write of the user record. Returns the user as written.
pub async fn claim(app: &App, pool: &PoolRecord, user: &UserRecord) -> ApiResult<UserRecord> {
    let now = app.now_ms();
    users::modify(app, pool, &user.username, |u| {
        check_at(&u.data.security, now)?;
        count_failure(&mut u.data.security, now);
        Ok(())
    })
    .await
}

/// A successful sign-in (or a right password for a claimed attempt) clears the count; written only
/// when there is something to clear. Returns the user as it now is.
pub async fn record_success(app: &App, pool: &PoolRecord, user: UserRecord) -> ApiResult<UserRecord> {
    if user.data.security.failed_attempts == 0 && user.data.security.locked_until_ms == 0 {
        return Ok(user);
    }
    users::modify(app, pool, &user.username, |u| {
        u.data.security.failed_attempts = 0;
        u.data.security.locked_until_ms = 0;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    /// Failures one second apart: five free, then a lock of 1 s doubling per failure, capped at
    /// 15 minutes; a quiet quarter of an hour starts the count over.
    #[test]
    fn lock_schedule() {
        let clock = ManualClock::new(1_000_000);
        let mut sec = SecurityState::default();
        let mut locks = Vec::new();
        for _ in 0..16 {
            count_failure(&mut sec, clock.now_ms());
            locks.push((sec.locked_until_ms - clock.now_ms()).max(0));
            clock.advance_ms(1000);
        }
        assert_eq!(&locks[..8], &[0, 0, 0, 0, 1000, 2000, 4000, 8000]);
        assert_eq!(locks[15], 15 * 60_000);
        // Locked until the time says so, and not after.
        let until = sec.locked_until_ms;
        assert!(check_at(&sec, until - 1).is_err());
        assert!(check_at(&sec, until).is_ok());
        clock.set_ms(sec.last_failure_ms + RESET_AFTER_MS + 1);
        count_failure(&mut sec, clock.now_ms());
        assert_eq!(sec.failed_attempts, 1);
    }
}
