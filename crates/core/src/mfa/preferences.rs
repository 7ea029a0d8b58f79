//! SetUserMFAPreference / AdminSetUserMFAPreference and the legacy SetUserSettings /
//! AdminSetUserSettings (spec §3.4).

use cognate_wire::shapes::*;

use super::{EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, can_receive};
use crate::store::{PoolRecord, UserRecord};
use crate::tokens::TokenUser;
use crate::{ApiError, ApiResult, App, IamCaller, api_error, users};

/// One factor's requested change: `None` leaves that part as it is.
#[derive(Clone, Copy, Default)]
struct Change {
    enabled: Option<bool>,
    preferred: Option<bool>,
}

struct Request {
    sms: Option<Change>,
    totp: Option<Change>,
    email: Option<Change>,
    webauthn: Option<bool>,
}

fn no_delivery(factor: &str) -> ApiError {
    api_error!(InvalidParameterException, "User does not have delivery config set to turn on {factor}")
}

/// Apply a preference change to `u`, with the real service's checks. Pure: it may run again when
/// another request changed the user in between.
fn apply(pool: &PoolRecord, u: &mut UserRecord, r: &Request) -> ApiResult<()> {
    let prefers: Vec<&str> = [(r.sms, SMS_MFA), (r.totp, SOFTWARE_TOKEN_MFA), (r.email, EMAIL_OTP)]
        .iter()
        .filter(|(c, _)| c.and_then(|c| c.preferred) == Some(true))
        .map(|(_, f)| *f)
        .collect();
    if prefers.len() > 1 {
        return Err(ApiError::invalid_parameter("Only one MFA method can be preferred."));
    }
    if r.email.and_then(|c| c.enabled) == Some(true) && pool.mfa.email.is_none() {
        return Err(ApiError::invalid_parameter("Email MFA is not enabled for this user pool."));
    }
    if r.webauthn == Some(true) {
        let multi =
            pool.mfa.web_authn.as_ref().and_then(|w| w.factor_configuration.as_deref()) == Some("MULTI_FACTOR_WITH_USER_VERIFICATION");
        if !multi {
            return Err(ApiError::invalid_parameter(
                "Passkey MFA is not enabled for this user pool: set WebAuthnConfiguration.FactorConfiguration to MULTI_FACTOR_WITH_USER_VERIFICATION.",
            ));
        }
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
            Some(true) => m.preferred = Some(factor.to_string()),
            Some(false) if m.preferred.as_deref() == Some(factor) => m.preferred = None,
            _ => {}
        }
        // Turning the preferred factor off drops the preference.
        if !now_enabled && m.preferred.as_deref() == Some(factor) {
            m.preferred = None;
        }
    }
    if let Some(w) = r.webauthn {
        // The model: "The user must also have at least one other MFA method such as SMS, TOTP, or
        // email activated to prevent account lockout" (checked after this request's other changes).
        if w && super::usable_enabled(u).is_empty() {
            return Err(ApiError::invalid_parameter(
                "Passkey MFA needs another MFA method (SMS, TOTP or email) activated for the user, to prevent account lockout.",
            ));
        }
        u.data.mfa.webauthn_enabled = w;
    }
    Ok(())
}

fn change<T>(settings: &Option<T>, f: impl Fn(&T) -> Change) -> Option<Change> {
    settings.as_ref().map(f)
}

async fn set(app: &App, pool: &PoolRecord, username: &str, r: Request) -> ApiResult<()> {
    users::modify(app, pool, username, |u| apply(pool, u, &r)).await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "SetUserMFAPreference"))]
pub async fn set_user_mfa_preference(
    app: &App,
    me: TokenUser,
    input: SetUserMFAPreferenceRequest,
) -> ApiResult<SetUserMFAPreferenceResponse> {
    let r = Request {
        sms: change(&input.sms_mfa_settings, |s| Change { enabled: s.enabled, preferred: s.preferred_mfa }),
        totp: change(&input.software_token_mfa_settings, |s| Change { enabled: s.enabled, preferred: s.preferred_mfa }),
        email: change(&input.email_mfa_settings, |s| Change { enabled: s.enabled, preferred: s.preferred_mfa }),
        webauthn: input.web_authn_mfa_settings.as_ref().and_then(|w| w.enabled),
    };
    set(app, &me.pool, &me.user.username, r).await?;
    Ok(SetUserMFAPreferenceResponse {})
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "AdminSetUserMFAPreference"))]
pub async fn admin_set_user_mfa_preference(
    app: &App,
    _caller: &IamCaller,
    input: AdminSetUserMFAPreferenceRequest,
) -> ApiResult<AdminSetUserMFAPreferenceResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let r = Request {
        sms: change(&input.sms_mfa_settings, |s| Change { enabled: s.enabled, preferred: s.preferred_mfa }),
        totp: change(&input.software_token_mfa_settings, |s| Change { enabled: s.enabled, preferred: s.preferred_mfa }),
        email: change(&input.email_mfa_settings, |s| Change { enabled: s.enabled, preferred: s.preferred_mfa }),
        webauthn: input.web_authn_mfa_settings.as_ref().and_then(|w| w.enabled),
    };
    set(app, &pool, &input.username, r).await?;
    Ok(AdminSetUserMFAPreferenceResponse {})
}

/// Legacy MFAOptions: only SMS to phone_number exists. A non-empty list turns SMS MFA on (and shows
/// in `MFAOptions`); an empty list turns it off.
fn legacy(pool: &PoolRecord, u: &mut UserRecord, options: &[MFAOptionType]) -> ApiResult<()> {
    for o in options {
        if o.attribute_name.as_deref().is_some_and(|a| a != "phone_number") {
            return Err(ApiError::invalid_parameter("Only phone_number attribute is currently supported as a MFA option."));
        }
        if o.delivery_medium.as_deref().is_some_and(|d| d != "SMS") {
            return Err(ApiError::invalid_parameter("Only SMS delivery medium is currently supported as a MFA option."));
        }
    }
    let on = !options.is_empty();
    let r = Request { sms: Some(Change { enabled: Some(on), preferred: None }), totp: None, email: None, webauthn: None };
    apply(pool, u, &r)?;
    u.data.mfa.legacy_sms = on;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "SetUserSettings"))]
pub async fn set_user_settings(app: &App, me: TokenUser, input: SetUserSettingsRequest) -> ApiResult<SetUserSettingsResponse> {
    users::modify(app, &me.pool, &me.user.username, |u| legacy(&me.pool, u, &input.mfa_options)).await?;
    Ok(SetUserSettingsResponse {})
}

#[tracing::instrument(level = "debug", skip_all, fields(op = "AdminSetUserSettings"))]
pub async fn admin_set_user_settings(
    app: &App,
    _caller: &IamCaller,
    input: AdminSetUserSettingsRequest,
) -> ApiResult<AdminSetUserSettingsResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    users::modify(app, &pool, &input.username, |u| legacy(&pool, u, &input.mfa_options)).await?;
    Ok(AdminSetUserSettingsResponse {})
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
    let still = match m.preferred.as_deref() {
        Some(SMS_MFA) => m.sms_enabled,
        Some(EMAIL_OTP) => m.email_enabled,
        Some(SOFTWARE_TOKEN_MFA) => m.totp_enabled,
        _ => true,
    };
    if !still {
        m.preferred = None;
    }
}
