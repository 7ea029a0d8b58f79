//! SetUserMFAPreference / AdminSetUserMFAPreference and the legacy SetUserSettings /
//! AdminSetUserSettings (the rules are `crate::mfa_settings`).

use cognate_wire::shapes::*;

use crate::mfa_settings::{Change, Request, apply, legacy};
use crate::store::PoolRecord;
use crate::tokens::TokenUser;
use crate::{ApiResult, App, IamCaller, users};

fn change<T>(settings: &Option<T>, f: impl Fn(&T) -> Change) -> Option<Change> {
    settings.as_ref().map(f)
}

async fn set(app: &App, pool: &PoolRecord, username: &str, r: Request) -> ApiResult<()> {
    users::modify(app, pool, username, |u| apply(pool, u, &r)).await?;
    Ok(())
}

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

pub async fn set_user_settings(app: &App, me: TokenUser, input: SetUserSettingsRequest) -> ApiResult<SetUserSettingsResponse> {
    users::modify(app, &me.pool, &me.user.username, |u| legacy(&me.pool, u, &input.mfa_options)).await?;
    Ok(SetUserSettingsResponse {})
}

pub async fn admin_set_user_settings(
    app: &App,
    _caller: &IamCaller,
    input: AdminSetUserSettingsRequest,
) -> ApiResult<AdminSetUserSettingsResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    users::modify(app, &pool, &input.username, |u| legacy(&pool, u, &input.mfa_options)).await?;
    Ok(AdminSetUserSettingsResponse {})
}
