//! SetUserPoolMfaConfig and GetUserPoolMfaConfig (docs/mfa.md, Pool configuration).

use cognate_wire::shapes::*;

use crate::store::PoolRecord;
use crate::{ApiResult, App, IamCaller, api_error};

/// The pool's resulting configuration, as both Get and Set answer it.
fn describe(pool: &PoolRecord) -> GetUserPoolMfaConfigResponse {
    GetUserPoolMfaConfigResponse {
        sms_mfa_configuration: pool.mfa.sms.clone(),
        software_token_mfa_configuration: pool.mfa.software_token.clone(),
        email_mfa_configuration: pool.mfa.email.clone(),
        mfa_configuration: Some(pool.settings.mfa_configuration.clone().unwrap_or_else(|| "OFF".into())),
        web_authn_configuration: pool.mfa.web_authn.clone(),
    }
}

pub async fn get_user_pool_mfa_config(
    app: &App,
    _caller: &IamCaller,
    input: GetUserPoolMfaConfigRequest,
) -> ApiResult<GetUserPoolMfaConfigResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    Ok(describe(&pool))
}

fn lite_tier(pool: &PoolRecord) -> bool {
    pool.settings.user_pool_tier.as_deref() == Some("LITE")
}

pub async fn set_user_pool_mfa_config(
    app: &App,
    _caller: &IamCaller,
    input: SetUserPoolMfaConfigRequest,
) -> ApiResult<SetUserPoolMfaConfigResponse> {
    let pool = app
        .modify_pool(&input.user_pool_id, |pool| {
            let mode = input.mfa_configuration.clone().or_else(|| pool.settings.mfa_configuration.clone()).unwrap_or_else(|| "OFF".into());
            let totp_on = input.software_token_mfa_configuration.as_ref().and_then(|t| t.enabled).unwrap_or(false);
            let configures = input.sms_mfa_configuration.is_some() || totp_on || input.email_mfa_configuration.is_some();
            if mode == "OFF" && configures {
                return Err(api_error!(
                    InvalidParameterException,
                    "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
                ));
            }
            if mode != "OFF" && !configures {
                return Err(api_error!(
                    InvalidParameterException,
                    "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
                ));
            }
            if lite_tier(pool) && input.email_mfa_configuration.is_some() {
                return Err(api_error!(
                    FeatureUnavailableInTierException,
                    "Email MFA is not available in the LITE tier. Upgrade the user pool to Essentials or Plus."
                ));
            }
            if lite_tier(pool) && input.web_authn_configuration.as_ref().is_some_and(|w| w.factor_configuration.is_some()) {
                return Err(api_error!(
                    FeatureUnavailableInTierException,
                    "Passkey MFA is not available in the LITE tier. Upgrade the user pool to Essentials or Plus."
                ));
            }
            if let Some(rp) = input.web_authn_configuration.as_ref().and_then(|w| w.relying_party_id.as_deref()) {
                // A relying party ID is a domain: WebAuthn hashes it as is, so a scheme or port would never match.
                if rp.contains(['/', ':', ' ', '@']) || rp.starts_with('.') || rp.ends_with('.') {
                    return Err(api_error!(
                        InvalidParameterException,
                        "RelyingPartyId must be a domain name such as auth.example.com, without scheme, port or path."
                    ));
                }
            }
            // The call replaces the factor set: a factor left out is turned off.
            pool.mfa.sms = input.sms_mfa_configuration.clone();
            pool.mfa.software_token = input.software_token_mfa_configuration.clone().filter(|t| t.enabled == Some(true));
            pool.mfa.email = input.email_mfa_configuration.clone();
            if let Some(w) = &input.web_authn_configuration {
                pool.mfa.web_authn = Some(w.clone());
            }
            pool.settings.mfa_configuration = Some(mode);
            if let Some(sms) = &input.sms_mfa_configuration {
                if sms.sms_configuration.is_some() {
                    pool.settings.sms_configuration = sms.sms_configuration.clone();
                }
                pool.settings.sms_authentication_message =
                    sms.sms_authentication_message.clone().or(pool.settings.sms_authentication_message.take());
            }
            Ok(())
        })
        .await?;
    let d = describe(&pool);
    Ok(SetUserPoolMfaConfigResponse {
        sms_mfa_configuration: d.sms_mfa_configuration,
        software_token_mfa_configuration: d.software_token_mfa_configuration,
        email_mfa_configuration: d.email_mfa_configuration,
        mfa_configuration: d.mfa_configuration,
        web_authn_configuration: d.web_authn_configuration,
    })
}
