//! Passkeys (WebAuthn): Cognito's rules around them — the pool's relying party, which origins may
//! run a ceremony, passkey MFA, and the errors of a refused registration. The ceremony checks are
//! `cognate_crypto::webauthn`'s; the operations are in `handlers::passkey_*` and the sign-in
//! factor in `signin::factors::webauthn`. Decisions on open questions are in docs/passkeys.md.

use cognate_crypto::webauthn::WebAuthnError;
use cognate_wire::enums::AuthFactorType;
use cognate_wire::error::quoted;

use crate::store::{PoolRecord, UserRecord};
use crate::{ApiError, ApiResult, App, api_error};

/// Passkeys per user: the most ListWebAuthnCredentials can show in one page.
pub const MAX_PASSKEYS: usize = 20;
/// How long a StartWebAuthnRegistration challenge can be completed.
pub const REGISTRATION_VALIDITY_MS: i64 = 5 * 60_000;
/// `timeout` offered to the browser, in milliseconds (as in the options Cognito sends).
pub const REGISTRATION_TIMEOUT_MS: i64 = 60_000;
pub const SIGN_IN_TIMEOUT_MS: i64 = 180_000;

pub const MULTI_FACTOR_WITH_USER_VERIFICATION: &str = "MULTI_FACTOR_WITH_USER_VERIFICATION";

/// The pool's relying party, as its WebAuthnConfiguration sets it.
pub struct RelyingParty {
    pub id: String,
    /// UserVerification `required` (the default is `preferred`).
    pub require_user_verification: bool,
}

impl RelyingParty {
    pub fn user_verification(&self) -> &'static str {
        if self.require_user_verification { "required" } else { "preferred" }
    }
}

/// Whether the pool lets users sign in with a passkey: WEB_AUTHN in AllowedFirstAuthFactors.
pub fn allowed_first_factor(pool: &PoolRecord) -> bool {
    pool.settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.as_ref())
        .is_some_and(|f| f.iter().any(|f| f == AuthFactorType::WebAuthn.as_str()))
}

/// The relying party for passkey operations, or the error the real service gives when passkeys are
/// off (WebAuthnNotEnabledException) or have no relying party ID. Cognate has no hosted domain to
/// fall back on, so a RelyingPartyId is required (WebAuthnConfigurationMissingException).
pub fn relying_party(pool: &PoolRecord) -> ApiResult<RelyingParty> {
    if !allowed_first_factor(pool) {
        return Err(api_error!(
            WebAuthnNotEnabledException,
            "Passkeys are not enabled for this user pool: WEB_AUTHN is not in Policies.SignInPolicy.AllowedFirstAuthFactors."
        ));
    }
    let config = pool.mfa.web_authn.as_ref();
    let Some(id) = config.and_then(|w| w.relying_party_id.clone()).filter(|id| !id.is_empty()) else {
        return Err(api_error!(
            WebAuthnConfigurationMissingException,
            "The user pool has no passkey relying party ID: set WebAuthnConfiguration.RelyingPartyId with SetUserPoolMfaConfig."
        ));
    };
    let require_user_verification = config.and_then(|w| w.user_verification.as_deref()) == Some("required");
    Ok(RelyingParty { id, require_user_verification })
}

/// Passkey MFA in the pool: a user-verified passkey sign-in satisfies MFA by itself.
pub fn pool_passkey_mfa(pool: &PoolRecord) -> bool {
    pool.mfa.web_authn.as_ref().and_then(|w| w.factor_configuration.as_deref()) == Some(MULTI_FACTOR_WITH_USER_VERIFICATION)
}

/// Whether a passkey sign-in by `user` counts as multi-factor: the pool allows passkey MFA and the
/// user turned it on (WebAuthnMfaSettings.Enabled). The assertion must also carry the UV flag.
pub fn passkey_mfa_for(pool: &PoolRecord, user: &UserRecord) -> bool {
    pool_passkey_mfa(pool) && user.data.mfa.webauthn_enabled
}

/// Whether `origin` may run passkey ceremonies for `rp_id`. Configured origins (`webauthn_origins`)
/// replace the default, which is `https://<rp_id>` and `https://<subdomain>.<rp_id>` (default
/// port), plus `http://localhost[:port]` when the relying party is `localhost`.
pub fn origin_allowed(app: &App, rp_id: &str, origin: &str) -> bool {
    let configured = &app.config.webauthn_origins;
    if !configured.is_empty() {
        return configured.iter().any(|o| o == origin);
    }
    let (scheme, authority) = match origin.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return false;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        Some(_) => return false,
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let rp = rp_id.to_ascii_lowercase();
    if rp == "localhost" {
        return host == "localhost" && (scheme == "http" || scheme == "https");
    }
    scheme == "https" && port.is_none() && (host == rp || host.ends_with(&format!(".{rp}")))
}

/// The errors of CompleteWebAuthnRegistration for a refused registration.
pub fn registration_error(err: WebAuthnError, rp_id: &str) -> ApiError {
    match err {
        WebAuthnError::OriginNotAllowed(origin) => {
            api_error!(WebAuthnOriginNotAllowedException, "Origin {} is not allowed for passkeys of this user pool.", quoted(&origin))
        }
        WebAuthnError::RelyingPartyMismatch => {
            api_error!(WebAuthnRelyingPartyMismatchException, "The passkey was not created for the relying party {rp_id}.")
        }
        WebAuthnError::ChallengeMismatch => api_error!(
            WebAuthnChallengeNotFoundException,
            "The credential does not answer the current registration challenge: call StartWebAuthnRegistration again."
        ),
        WebAuthnError::Unsupported(why) => api_error!(WebAuthnCredentialNotSupportedException, "The passkey is not supported: {why}."),
        WebAuthnError::UserNotVerified => api_error!(
            WebAuthnCredentialNotSupportedException,
            "The passkey is not supported: the user pool requires user verification and the authenticator did not verify the user."
        ),
        WebAuthnError::UserNotPresent => api_error!(InvalidParameterException, "The authenticator did not report user presence."),
        WebAuthnError::BadSignature => api_error!(InvalidParameterException, "The attestation signature does not verify."),
        WebAuthnError::WrongType(t) => {
            api_error!(InvalidParameterException, "Credential is not a registration response (clientDataJSON type {}).", quoted(&t))
        }
        WebAuthnError::Malformed(what) => api_error!(InvalidParameterException, "Invalid Credential: {what}."),
        WebAuthnError::CounterNotIncreased => api_error!(InvalidParameterException, "Invalid Credential."),
    }
}
