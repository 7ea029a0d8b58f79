//! Password lockout: after 5 consecutive failures the user is locked for 1 s, doubling
//! with each further failure up to 15 minutes; attempts while locked are refused without extending
//! the lock; 15 minutes without failures reset the count.

use crate::store::{PoolRecord, UserRecord};
use crate::{ApiResult, App, api_error, users};

const FREE_ATTEMPTS: u32 = 5;
const MAX_LOCK_MS: i64 = 15 * 60_000;
const RESET_AFTER_MS: i64 = 15 * 60_000;

/// Refuse an attempt while the user is locked out.
pub fn check(app: &App, user: &UserRecord) -> ApiResult<()> {
    if app.now_ms() < user.data.security.locked_until_ms {
        return Err(api_error!(NotAuthorizedException, "Password attempts exceeded"));
    }
    Ok(())
}

/// Count a failed attempt (atomically, so concurrent failures on several nodes all count).
pub async fn record_failure(app: &App, pool: &PoolRecord, user: &UserRecord) -> ApiResult<()> {
    let now = app.now_ms();
    users::modify(app, pool, &user.username, |u| {
        let sec = &mut u.data.security;
        if now - sec.last_failure_ms > RESET_AFTER_MS {
            sec.failed_attempts = 0;
        }
        sec.failed_attempts += 1;
        sec.last_failure_ms = now;
        if sec.failed_attempts >= FREE_ATTEMPTS {
            let exp = (sec.failed_attempts - FREE_ATTEMPTS).min(20);
            sec.locked_until_ms = now + (1000i64 << exp).min(MAX_LOCK_MS);
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// A successful sign-in clears the count (written only when there is something to clear).
pub async fn record_success(app: &App, pool: &PoolRecord, user: &UserRecord) -> ApiResult<()> {
    if user.data.security.failed_attempts == 0 {
        return Ok(());
    }
    users::modify(app, pool, &user.username, |u| {
        u.data.security.failed_attempts = 0;
        u.data.security.locked_until_ms = 0;
        Ok(())
    })
    .await?;
    Ok(())
}
