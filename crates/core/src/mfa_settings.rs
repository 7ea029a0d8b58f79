//! How a user's MFA settings change: SetUserMFAPreference's rules, the legacy SetUserSettings
//! MFAOptions, and what a removed phone number or email turns off. Pure: the handlers
//! (`handlers::mfa_preferences`) apply these inside a retried user update.

use cognate_wire::enums::{ChallengeNameType as ChallengeName, DeliveryMediumType};
use cognate_wire::shapes::MFAOptionType;

use crate::signin::policy::mfa::{can_receive, usable_enabled};
use crate::store::{PoolRecord, UserRecord};
use crate::{ApiError, ApiResult, api_error};

const SMS_MFA: ChallengeName = ChallengeName::SmsMfa;
const SOFTWARE_TOKEN_MFA: ChallengeName = ChallengeName::SoftwareTokenMfa;
const EMAIL_OTP: ChallengeName = ChallengeName::EmailOtp;

/// One factor's requested change: `None` leaves that part as it is.
#[derive(Clone, Copy, Default)]
pub struct Change {
    pub enabled: Option<bool>,
    pub preferred: Option<bool>,
}

pub struct Request {
    pub sms: Option<Change>,
    pub totp: Option<Change>,
    pub email: Option<Change>,
    pub webauthn: Option<bool>,
}

fn no_delivery(factor: ChallengeName) -> ApiError {
    api_error!(InvalidParameterException, "User does not have delivery config set to turn on {factor}")
}

/// Apply a preference change to `u`, with the real service's checks. Pure: it may run again when
/// another request changed the user in between.
pub fn apply(pool: &PoolRecord, u: &mut UserRecord, r: &Request) -> ApiResult<()> {
    let prefers: Vec<ChallengeName> = [(r.sms, SMS_MFA), (r.totp, SOFTWARE_TOKEN_MFA), (r.email, EMAIL_OTP)]
        .iter()
        .filter(|(c, _)| c.and_then(|c| c.preferred) == Some(true))
        .map(|(_, f)| *f)
        .collect();
    if prefers.len() > 1 {
        return Err(api_error!(InvalidParameterException, "Only one MFA method can be preferred."));
    }
    if r.email.and_then(|c| c.enabled) == Some(true) && pool.mfa.email.is_none() {
        return Err(api_error!(InvalidParameterException, "Email MFA is not enabled for this user pool."));
    }
    if r.webauthn == Some(true) && !crate::passkeys::pool_passkey_mfa(pool) {
        return Err(api_error!(
            InvalidParameterException,
            "Passkey MFA is not enabled for this user pool: set WebAuthnConfiguration.FactorConfiguration to MULTI_FACTOR_WITH_USER_VERIFICATION."
        ));
    }
    for (change, factor) in [(r.sms, SMS_MFA), (r.totp, SOFTWARE_TOKEN_MFA), (r.email, EMAIL_OTP)] {
        let Some(change) = change else { continue };
        if change.enabled == Some(true) && !can_receive(u, factor) {
            return Err(no_delivery(factor));
        }
        let m = &mut u.data.mfa;
        let slot = match factor {
            SMS_MFA => &mut m.sms_enabled,
            SOFTWARE_TOKEN_MFA => &mut m.totp_enabled,
            _ => &mut m.email_enabled,
        };
        if let Some(e) = change.enabled {
            *slot = e;
        }
        let now_enabled = *slot;
        if factor == SMS_MFA && !now_enabled {
            m.legacy_sms = false;
        }
        match change.preferred {
            Some(true) if !now_enabled => {
                return Err(api_error!(InvalidParameterException, "Cannot set {factor} as the preferred MFA method while it is disabled."));
            }
            Some(true) => m.preferred = Some(factor.as_str().to_string()),
            Some(false) if m.preferred.as_deref() == Some(factor.as_str()) => m.preferred = None,
            _ => {}
        }
        // Turning the preferred factor off drops the preference.
        if !now_enabled && m.preferred.as_deref() == Some(factor.as_str()) {
            m.preferred = None;
        }
    }
    if let Some(w) = r.webauthn {
        // The model: "The user must also have at least one other MFA method such as SMS, TOTP, or
        // email activated to prevent account lockout" (checked after this request's other changes).
        if w && usable_enabled(u).is_empty() {
            return Err(api_error!(
                InvalidParameterException,
                "Passkey MFA needs another MFA method (SMS, TOTP or email) activated for the user, to prevent account lockout."
            ));
        }
        u.data.mfa.webauthn_enabled = w;
    }
    Ok(())
}

/// Legacy MFAOptions: only SMS to phone_number exists. A non-empty list turns SMS MFA on (and shows
/// in `MFAOptions`); an empty list turns it off.
pub fn legacy(pool: &PoolRecord, u: &mut UserRecord, options: &[MFAOptionType]) -> ApiResult<()> {
    for o in options {
        if o.attribute_name.as_deref().is_some_and(|a| a != "phone_number") {
            return Err(api_error!(InvalidParameterException, "Only phone_number attribute is currently supported as a MFA option."));
        }
        if o.delivery_medium.as_deref().is_some_and(|d| d != DeliveryMediumType::Sms.as_str()) {
            return Err(api_error!(InvalidParameterException, "Only SMS delivery medium is currently supported as a MFA option."));
        }
    }
    let on = !options.is_empty();
    let r = Request { sms: Some(Change { enabled: Some(on), preferred: None }), totp: None, email: None, webauthn: None };
    apply(pool, u, &r)?;
    u.data.mfa.legacy_sms = on;
    Ok(())
}

/// When a phone number or email is removed, the factors that needed it are turned off (and the
/// preference dropped), so the user is never challenged on a channel they no longer have.
pub fn reconcile_after_attribute_change(u: &mut UserRecord) {
    let has_phone = u.attribute("phone_number").is_some();
    let has_email = u.attribute("email").is_some();
    let m = &mut u.data.mfa;
    if !has_phone {
        m.sms_enabled = false;
        m.legacy_sms = false;
    }
    if !has_email {
        m.email_enabled = false;
    }
    let still = match m.preferred.as_deref().and_then(ChallengeName::parse) {
        Some(SMS_MFA) => m.sms_enabled,
        Some(EMAIL_OTP) => m.email_enabled,
        Some(SOFTWARE_TOKEN_MFA) => m.totp_enabled,
        _ => true,
    };
    if !still {
        m.preferred = None;
    }
}
