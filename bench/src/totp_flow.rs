//! TOTP for the `totp-mfa` scenario: enrolling users during seeding, and handing out users so that
//! none signs in twice within one 30-second step. The server accepts each step's code once per
//! user (`ExpiredCodeException` otherwise) — correct behaviour that a benchmark must not trip over.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognate_crypto::totp;
use serde_json::{Value, json};

use crate::api::{Api, Failure};

/// A user with a verified software token and TOTP as preferred MFA.
#[derive(Debug, Clone)]
pub struct TotpUser {
    pub username: String,
    pub secret: String,
    /// The step whose code VerifySoftwareToken used: that step is spent for sign-in.
    pub enrolled_step: u64,
}

pub fn now_step() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) / totp::STEP_SECONDS
}

/// The code for `step`.
pub fn code(secret: &str, step: u64) -> Result<String, Failure> {
    totp::code_at(secret, step * totp::STEP_SECONDS).ok_or_else(|| Failure::unexpected("unusable TOTP secret"))
}

/// AssociateSoftwareToken, VerifySoftwareToken with the current code, SetUserMFAPreference (TOTP
/// enabled and preferred).
pub async fn enroll(api: &Api, username: &str, access_token: &str) -> Result<TotpUser, Failure> {
    let associated = api.call("AssociateSoftwareToken", &json!({ "AccessToken": access_token })).await?;
    let secret = associated.get("SecretCode").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no SecretCode"))?.to_string();
    let step = now_step();
    let verified = api
        .call(
            "VerifySoftwareToken",
            &json!({ "AccessToken": access_token, "UserCode": code(&secret, step)?, "FriendlyDeviceName": "bench" }),
        )
        .await?;
    if verified.get("Status").and_then(Value::as_str) != Some("SUCCESS") {
        return Err(Failure::unexpected("VerifySoftwareToken did not answer SUCCESS"));
    }
    let preference = json!({ "AccessToken": access_token, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } });
    api.call("SetUserMFAPreference", &preference).await?;
    Ok(TotpUser { username: username.to_string(), secret, enrolled_step: step })
}

/// Hands out (user index, step) pairs, each user at most once per step.
pub struct StepSchedule {
    enrolled: Vec<u64>,
    state: Mutex<(u64, usize)>,
}

impl StepSchedule {
    pub fn new(users: &[TotpUser]) -> Self {
        StepSchedule { enrolled: users.iter().map(|u| u.enrolled_step).collect(), state: Mutex::new((0, 0)) }
    }

    /// The next user free in the current step; when all are spent, waits for the next step (or
    /// returns `None` if that comes after `deadline`).
    pub async fn take(&self, deadline: tokio::time::Instant) -> Option<(usize, u64)> {
        loop {
            if let Some(found) = self.try_take() {
                return Some(found);
            }
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            let next_step_at = Duration::from_secs((now.as_secs() / totp::STEP_SECONDS + 1) * totp::STEP_SECONDS);
            let wake = tokio::time::Instant::now() + next_step_at.saturating_sub(now) + Duration::from_millis(5);
            if wake >= deadline {
                return None;
            }
            tokio::time::sleep_until(wake).await;
        }
    }

    fn try_take(&self) -> Option<(usize, u64)> {
        let step = now_step();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 != step {
            *state = (step, 0);
        }
        while state.1 < self.enrolled.len() {
            let i = state.1;
            state.1 += 1;
            if self.enrolled[i] < step {
                return Some((i, step));
            }
        }
        None
    }
}
