//! Multi-factor authentication: the pool's factor configuration, each user's factors and
//! preference, and which challenge a sign-in meets after its first factor (spec §3.1–3.8).
//!
//! The rules that the spec leaves open are decided here, in one place, and listed in
//! docs/mfa.md.

pub mod challenge;
pub mod factors;
pub mod pool_config;
pub mod preferences;
pub mod software_token;

use crate::store::{PoolRecord, UserRecord};

pub const SMS_MFA: &str = "SMS_MFA";
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
pub const EMAIL_OTP: &str = "EMAIL_OTP";

/// Pool MFA mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    Optional,
    On,
}

pub fn mode(pool: &PoolRecord) -> Mode {
    match pool.settings.mfa_configuration.as_deref() {
        Some("ON") => Mode::On,
        Some("OPTIONAL") => Mode::Optional,
        _ => Mode::Off,
    }
}

/// Which factors the pool offers.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolFactors {
    pub sms: bool,
    pub totp: bool,
    pub email: bool,
}

pub fn pool_factors(pool: &PoolRecord) -> PoolFactors {
    let off = mode(pool) == Mode::Off;
    PoolFactors {
        sms: !off && pool.mfa.sms.is_some(),
        totp: pool.mfa.software_token.as_ref().and_then(|t| t.enabled).unwrap_or(false),
        email: !off && pool.mfa.email.is_some(),
    }
}

/// Whether the user has what a factor needs: a verified authenticator app, a phone number, an email.
pub fn can_receive(user: &UserRecord, factor: &str) -> bool {
    match factor {
        SOFTWARE_TOKEN_MFA => user.data.mfa.totp.is_some(),
        SMS_MFA => user.attribute("phone_number").is_some(),
        EMAIL_OTP => user.attribute("email").is_some(),
        _ => false,
    }
}

/// The factors activated for the user that can actually be used, in the model's order.
pub fn usable_enabled(user: &UserRecord) -> Vec<&'static str> {
    let m = &user.data.mfa;
    [(m.sms_enabled, SMS_MFA), (m.totp_enabled, SOFTWARE_TOKEN_MFA), (m.email_enabled, EMAIL_OTP)]
        .into_iter()
        .filter(|(on, f)| *on && can_receive(user, f))
        .map(|(_, f)| f)
        .collect()
}

/// What a sign-in must do after the first factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Tokens,
    Challenge(&'static str),
    Select(Vec<&'static str>),
    Setup(Vec<&'static str>),
}

/// The table of spec §3.8.
pub fn after_first_factor(pool: &PoolRecord, user: &UserRecord) -> Next {
    let mode = mode(pool);
    if mode == Mode::Off {
        return Next::Tokens;
    }
    let enabled = usable_enabled(user);
    let preferred = user.data.mfa.preferred.as_deref().and_then(|p| enabled.iter().copied().find(|f| *f == p));
    if let Some(p) = preferred {
        return Next::Challenge(p);
    }
    match enabled.len() {
        1 => return Next::Challenge(enabled[0]),
        n if n >= 2 => return Next::Select(enabled),
        _ => {}
    }
    if mode == Mode::Optional {
        return Next::Tokens;
    }
    // MFA is required and nothing is activated: use what the user already has that the pool offers.
    let pool_has = pool_factors(pool);
    if user.data.mfa.totp.is_some() {
        return Next::Challenge(SOFTWARE_TOKEN_MFA);
    }
    if pool_has.sms && can_receive(user, SMS_MFA) {
        return Next::Challenge(SMS_MFA);
    }
    let mut setup = Vec::new();
    if pool_has.totp {
        setup.push(SOFTWARE_TOKEN_MFA);
    }
    if pool_has.sms {
        setup.push(SMS_MFA);
    }
    if pool_has.email {
        setup.push(EMAIL_OTP);
    }
    Next::Setup(setup)
}
