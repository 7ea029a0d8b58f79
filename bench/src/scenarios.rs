//! The scenarios: one named request builder each, and what one iteration of each does.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api::{Api, Failure};
use crate::seed::{self, Fixture};
use crate::srp_flow::{self, SrpSignIn};
use crate::totp_flow::{self, StepSchedule};

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
}

impl Scenario {
    pub const ALL: [Scenario; 7] = [
        Scenario::GetUser,
        Scenario::GetUserAuthFactors,
        Scenario::SetUserMfaPreference,
        Scenario::UserPasswordAuth,
        Scenario::UserSrpAuth,
        Scenario::TotpMfa,
        Scenario::AdminCreateUser,
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
        }
    }

    /// What one iteration is, for the report's rate column.
    pub fn unit(self) -> &'static str {
        match self {
            Scenario::UserPasswordAuth | Scenario::UserSrpAuth | Scenario::TotpMfa => "sign-ins/s",
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
    /// Makes admin-create-user's usernames unique across runs against one server.
    pub run_id: String,
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
/// used before `deadline` (totp-mfa waiting for a fresh step).
pub async fn once(ctx: &Ctx, scenario: Scenario, n: usize, deadline: tokio::time::Instant) -> Option<(Duration, Result<(), Failure>)> {
    let f = &ctx.fixture;
    let user = &f.users[n % f.users.len().max(1)];
    if scenario == Scenario::TotpMfa {
        let (i, step) = ctx.totp_schedule.take(deadline).await?;
        let started = Instant::now();
        let outcome = totp_sign_in(ctx, i, step).await;
        return Some((started.elapsed(), outcome));
    }
    let api = &ctx.api;
    let started = Instant::now();
    let outcome = match scenario {
        Scenario::GetUser => api.call("GetUser", &get_user(&user.access_token)).await.map(drop),
        Scenario::GetUserAuthFactors => api.call("GetUserAuthFactors", &get_user_auth_factors(&user.access_token)).await.map(drop),
        Scenario::SetUserMfaPreference => {
            api.call("SetUserMFAPreference", &set_user_mfa_preference(&user.access_token, n.is_multiple_of(2))).await.map(drop)
        }
        Scenario::UserPasswordAuth => api
            .call("InitiateAuth", &seed::password_auth(&f.client_id, &user.username))
            .await
            .and_then(|a| srp_flow::access_token(&a))
            .map(drop),
        Scenario::UserSrpAuth => srp_sign_in(api, f, &user.username).await.and_then(|a| srp_flow::access_token(&a)).map(drop),
        Scenario::AdminCreateUser => {
            api.admin("AdminCreateUser", &seed::admin_create_user(&f.pool_id, &format!("bench-new-{}-{n:08}", ctx.run_id))).await.map(drop)
        }
        Scenario::TotpMfa => unreachable!("handled above"),
    };
    Some((started.elapsed(), outcome))
}

async fn srp_sign_in(api: &Api, f: &Fixture, username: &str) -> Result<Value, Failure> {
    let s = SrpSignIn { pool_id: &f.pool_id, client_id: &f.client_id, username, password: seed::PASSWORD };
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
