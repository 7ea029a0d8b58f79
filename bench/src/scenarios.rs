//! The scenarios: one named request builder each, and what one iteration of each does.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api::{Api, Connection, Failure, Prepared};
use crate::device_flow::{self, DeviceFixture};
use crate::seed::{self, Fixture};
use crate::srp_flow::{self, SrpSignIn};
use crate::totp_flow::{self, StepSchedule};
use crate::user_auth_flow::{self, UserLocks};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// GetUser with an access token.
    GetUser,
    /// GetUserAuthFactors with an access token.
    GetUserAuthFactors,
    /// SetUserMFAPreference switching SMS MFA on and off in turn.
    SetUserMfaPreference,
    /// InitiateAuth USER_PASSWORD_AUTH (one argon2id verification on the server).
    UserPasswordAuth,
    /// InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER.
    UserSrpAuth,
    /// SRP, then RespondToAuthChallenge SOFTWARE_TOKEN_MFA with a TOTP code: three calls.
    TotpMfa,
    /// AdminCreateUser (SigV4) of a new user, invitation suppressed.
    AdminCreateUser,
    /// InitiateAuth USER_AUTH preferring EMAIL_OTP, the code from the outbox, RespondToAuthChallenge.
    UserAuthEmailOtp,
    /// InitiateAuth USER_AUTH preferring WEB_AUTHN, a passkey assertion, RespondToAuthChallenge.
    UserAuthWebAuthn,
    /// SRP with DEVICE_KEY, then DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER on a remembered
    /// device instead of a TOTP code: four calls (in a pool of its own that tracks devices).
    RememberedDevice,
}

impl Scenario {
    pub const ALL: [Scenario; 10] = [
        Scenario::GetUser,
        Scenario::GetUserAuthFactors,
        Scenario::SetUserMfaPreference,
        Scenario::UserPasswordAuth,
        Scenario::UserSrpAuth,
        Scenario::TotpMfa,
        Scenario::AdminCreateUser,
        Scenario::UserAuthEmailOtp,
        Scenario::UserAuthWebAuthn,
        Scenario::RememberedDevice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::GetUser => "get-user",
            Scenario::GetUserAuthFactors => "get-user-auth-factors",
            Scenario::SetUserMfaPreference => "set-user-mfa-preference",
            Scenario::UserPasswordAuth => "user-password-auth",
            Scenario::UserSrpAuth => "user-srp-auth",
            Scenario::TotpMfa => "totp-mfa",
            Scenario::AdminCreateUser => "admin-create-user",
            Scenario::UserAuthEmailOtp => "user-auth-email-otp",
            Scenario::UserAuthWebAuthn => "user-auth-web-authn",
            Scenario::RememberedDevice => "remembered-device",
        }
    }

    /// What one iteration is, for the report's rate column.
    pub fn unit(self) -> &'static str {
        match self {
            Scenario::UserPasswordAuth
            | Scenario::UserSrpAuth
            | Scenario::TotpMfa
            | Scenario::UserAuthEmailOtp
            | Scenario::UserAuthWebAuthn
            | Scenario::RememberedDevice => "sign-ins/s",
            _ => "req/s",
        }
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything the iterations share.
pub struct Ctx {
    pub api: Api,
    pub fixture: Fixture,
    pub totp_schedule: StepSchedule,
    /// One per seeded user: user-auth-email-otp never runs two sign-ins of one user at once.
    pub user_locks: UserLocks,
    /// Makes admin-create-user's usernames unique across runs against one server.
    pub run_id: String,
    /// The token scenarios' requests, encoded once per user (see [`Connection::call_prepared`]).
    pub prepared: PreparedCalls,
    /// The remembered-device scenario's pool and users.
    pub devices: DeviceFixture,
    /// One per device user: a device is in one sign-in at a time (a second sign-in on the same
    /// device replaces the first one's pending device step, as it should).
    pub device_locks: UserLocks,
}

/// For each seeded user: GetUser, GetUserAuthFactors, and SetUserMFAPreference on and off.
#[derive(Debug, Default)]
pub struct PreparedCalls {
    get_user: Vec<Prepared>,
    get_user_auth_factors: Vec<Prepared>,
    mfa_on: Vec<Prepared>,
    mfa_off: Vec<Prepared>,
}

impl PreparedCalls {
    pub fn new(fixture: &Fixture) -> Result<Self, Failure> {
        let mut calls = PreparedCalls::default();
        for u in &fixture.users {
            let t = &u.access_token;
            calls.get_user.push(Prepared::new("GetUser", &get_user(t))?);
            calls.get_user_auth_factors.push(Prepared::new("GetUserAuthFactors", &get_user_auth_factors(t))?);
            calls.mfa_on.push(Prepared::new("SetUserMFAPreference", &set_user_mfa_preference(t, true))?);
            calls.mfa_off.push(Prepared::new("SetUserMFAPreference", &set_user_mfa_preference(t, false))?);
        }
        Ok(calls)
    }
}

fn get_user(token: &str) -> Value {
    json!({ "AccessToken": token })
}

fn get_user_auth_factors(token: &str) -> Value {
    json!({ "AccessToken": token })
}

/// SMS MFA on for even iterations, off for odd ones (the pool allows SMS and every seeded user has
/// a phone number).
fn set_user_mfa_preference(token: &str, enabled: bool) -> Value {
    json!({ "AccessToken": token, "SMSMfaSettings": { "Enabled": enabled, "PreferredMfa": false } })
}

fn software_token_mfa(client_id: &str, session: &str, username: &str, code: &str) -> Value {
    json!({
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "ClientId": client_id,
        "Session": session,
        "ChallengeResponses": { "USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code },
    })
}

/// One iteration `n` of `scenario`: its latency and outcome, or `None` when no user could be
/// used before `deadline` (totp-mfa waiting for a fresh step). Waiting for a free user is not
/// part of the latency. `conn` is the calling task's own connection for the token scenarios,
/// opened on first use and again after a transport failure.
pub async fn once(
    ctx: &Ctx,
    scenario: Scenario,
    n: usize,
    deadline: tokio::time::Instant,
    conn: &mut Option<Connection>,
) -> Option<(Duration, Result<(), Failure>)> {
    let f = &ctx.fixture;
    let i = n % f.users.len().max(1);
    let user = &f.users[i];
    let p = &ctx.prepared;
    match scenario {
        Scenario::TotpMfa => {
            let (i, step) = ctx.totp_schedule.take(deadline).await?;
            let started = Instant::now();
            let outcome = totp_sign_in(ctx, i, step).await;
            return Some((started.elapsed(), outcome));
        }
        Scenario::UserAuthEmailOtp => {
            let (i, _held) = ctx.user_locks.take(n).await;
            let started = Instant::now();
            let outcome = user_auth_flow::email_otp_sign_in(&ctx.api, &f.pool_id, &f.client_id, &f.users[i].username).await;
            return Some((started.elapsed(), outcome));
        }
        Scenario::UserAuthWebAuthn => {
            let (i, mut authenticator) =
                user_auth_flow::take_free(&f.passkey_users, n, |u| u.authenticator.try_lock().ok(), |u| u.authenticator.lock()).await;
            let started = Instant::now();
            let outcome = user_auth_flow::web_authn_sign_in(&ctx.api, &f.client_id, &f.passkey_users[i].username, &mut authenticator).await;
            return Some((started.elapsed(), outcome));
        }
        Scenario::RememberedDevice => {
            let (i, _held) = ctx.device_locks.take(n).await;
            let started = Instant::now();
            let outcome = device_flow::sign_in(&ctx.api, &ctx.devices, &ctx.devices.users[i]).await;
            return Some((started.elapsed(), outcome));
        }
        _ => {}
    }
    let api = &ctx.api;
    let started = Instant::now();
    let outcome = match scenario {
        Scenario::GetUser => prepared_call(api, conn, &p.get_user[i]).await,
        Scenario::GetUserAuthFactors => prepared_call(api, conn, &p.get_user_auth_factors[i]).await,
        Scenario::SetUserMfaPreference => prepared_call(api, conn, if n.is_multiple_of(2) { &p.mfa_on[i] } else { &p.mfa_off[i] }).await,
        Scenario::UserPasswordAuth => api
            .call("InitiateAuth", &seed::password_auth(&f.client_id, &user.username))
            .await
            .and_then(|a| srp_flow::access_token(&a))
            .map(drop),
        Scenario::UserSrpAuth => srp_sign_in(api, f, &user.username).await.and_then(|a| srp_flow::access_token(&a)).map(drop),
        Scenario::AdminCreateUser => {
            api.admin("AdminCreateUser", &seed::admin_create_user(&f.pool_id, &format!("bench-new-{}-{n:08}", ctx.run_id))).await.map(drop)
        }
        Scenario::TotpMfa | Scenario::UserAuthEmailOtp | Scenario::UserAuthWebAuthn | Scenario::RememberedDevice => {
            unreachable!("handled above")
        }
    };
    Some((started.elapsed(), outcome))
}

/// `op` on the task's connection, opening it first if needed; a transport failure closes it so
/// the next call starts afresh.
async fn prepared_call(api: &Api, conn: &mut Option<Connection>, op: &Prepared) -> Result<(), Failure> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(api.connect().await?),
    };
    let outcome = c.call_prepared(op).await;
    if matches!(&outcome, Err(f) if f.kind.starts_with("transport")) {
        *conn = None;
    }
    outcome
}

async fn srp_sign_in(api: &Api, f: &Fixture, username: &str) -> Result<Value, Failure> {
    let s = SrpSignIn { pool_id: &f.pool_id, client_id: &f.client_id, username, password: seed::PASSWORD, device_key: None };
    srp_flow::sign_in(api, &s).await
}

async fn totp_sign_in(ctx: &Ctx, i: usize, step: u64) -> Result<(), Failure> {
    let user = &ctx.fixture.totp_users[i];
    let challenged = srp_sign_in(&ctx.api, &ctx.fixture, &user.username).await?;
    let challenge = challenged.get("ChallengeName").and_then(Value::as_str);
    if challenge != Some("SOFTWARE_TOKEN_MFA") {
        return Err(Failure::unexpected(format!("PASSWORD_VERIFIER answered challenge {challenge:?}")));
    }
    let session = challenged.get("Session").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no Session"))?;
    let username = challenged.pointer("/ChallengeParameters/USER_ID_FOR_SRP").and_then(Value::as_str).unwrap_or(&user.username);
    let code = totp_flow::code(&user.secret, step)?;
    let answer = ctx.api.call("RespondToAuthChallenge", &software_token_mfa(&ctx.fixture.client_id, session, username, &code)).await?;
    srp_flow::access_token(&answer).map(drop)
}

/// After set-user-mfa-preference: SMS MFA off again for every user, so later sign-in scenarios
/// get tokens, not an SMS_MFA challenge. Not timed.
pub async fn reset_mfa_preferences(ctx: &Ctx) -> Result<(), Failure> {
    for user in &ctx.fixture.users {
        ctx.api.call("SetUserMFAPreference", &set_user_mfa_preference(&user.access_token, false)).await?;
    }
    Ok(())
}
