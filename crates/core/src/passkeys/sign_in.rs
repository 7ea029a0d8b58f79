//! The WEB_AUTHN challenge of USER_AUTH: CREDENTIAL_REQUEST_OPTIONS out, an
//! AuthenticationResponseJSON back as `CREDENTIAL` (spec §3.9, §3.10).

use std::collections::BTreeMap;

use cognate_crypto::webauthn::{self, Expectation, WebAuthnError, b64url_decode, b64url_encode};
use serde_json::{Value, json};

use super::{SIGN_IN_TIMEOUT_MS, origin_allowed, passkey_mfa_for, relying_party};
use crate::auth::{SignIn, Step, required_param, session};
use crate::store::{AuthSession, PoolRecord, UserRecord};
use crate::users::{self, FORCE_CHANGE_PASSWORD};
use crate::{ApiError, ApiResult, App, api_error};

pub const WEB_AUTHN: &str = "WEB_AUTHN";

/// Whether `user` can pick WEB_AUTHN: the pool allows and configures passkeys, the user has one,
/// and, when MFA applies to the user, a passkey sign-in would satisfy it (passkey MFA).
pub fn available(pool: &PoolRecord, user: &UserRecord) -> bool {
    // A forced password change needs the password (as for one-time codes, docs/user-auth.md).
    if user.data.passkeys.credentials.is_empty() || relying_party(pool).is_err() || user.data.status == FORCE_CHANGE_PASSWORD {
        return false;
    }
    crate::mfa::after_first_factor(pool, user) == crate::mfa::Next::Tokens || passkey_mfa_for(pool, user)
}

/// Issue the WEB_AUTHN challenge: a fresh challenge bound to a sign-in session.
pub async fn challenge(app: &App, s: &SignIn, user: &UserRecord) -> ApiResult<Step> {
    let rp = relying_party(&s.pool)?;
    // Passkey MFA requires user verification even when the pool only prefers it.
    let require_uv = rp.require_user_verification || passkey_mfa_for(&s.pool, user);
    let challenge: [u8; 16] = rand::random();
    let challenge = b64url_encode(&challenge);
    let allow: Vec<Value> = user.data.passkeys.credentials.iter().map(|c| json!({"id": c.id, "type": "public-key"})).collect();
    let options = json!({
        "hints": [],
        "attestation": "none",
        "attestationFormats": [],
        "challenge": challenge,
        "timeout": SIGN_IN_TIMEOUT_MS,
        "rpId": rp.id,
        "allowCredentials": allow,
        "userVerification": if require_uv { "required" } else { rp.user_verification() },
    });
    let state = json!({ "auth_time": app.clock.now_secs(), "challenge": challenge, "rp_id": rp.id, "require_uv": require_uv });
    let token = session::create(app, s, user, WEB_AUTHN, state).await?;
    let params = BTreeMap::from([("CREDENTIAL_REQUEST_OPTIONS".to_string(), options.to_string())]);
    Ok(Step::challenge(WEB_AUTHN, Some(token), params))
}

fn refused(err: &WebAuthnError) -> ApiError {
    match err {
        WebAuthnError::OriginNotAllowed(origin) => {
            api_error!(NotAuthorizedException, "Passkey authentication failed: origin {origin} is not allowed for this user pool.")
        }
        WebAuthnError::RelyingPartyMismatch => {
            api_error!(NotAuthorizedException, "Passkey authentication failed: the passkey belongs to a different relying party.")
        }
        WebAuthnError::CounterNotIncreased => {
            api_error!(NotAuthorizedException, "Passkey authentication failed: the assertion was replayed or the authenticator was cloned.")
        }
        WebAuthnError::UserNotVerified => {
            api_error!(NotAuthorizedException, "Passkey authentication failed: user verification is required.")
        }
        _ => api_error!(NotAuthorizedException, "Passkey authentication failed."),
    }
}

/// Answer the WEB_AUTHN challenge: verify the assertion, move the signature counter, then tokens
/// (or the MFA challenge, for a passkey-MFA user whose assertion lacks user verification).
pub async fn answer(
    app: &App,
    s: &SignIn,
    session: &AuthSession,
    user: UserRecord,
    responses: &BTreeMap<String, String>,
) -> ApiResult<Step> {
    let credential: Value = serde_json::from_str(required_param(responses, "CREDENTIAL")?)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::invalid_parameter("CREDENTIAL must be an AuthenticationResponseJSON object."))?;
    let state = &session.state;
    let challenge = state["challenge"].as_str().and_then(b64url_decode).ok_or_else(session::invalid_session)?;
    let rp_id = state["rp_id"].as_str().ok_or_else(session::invalid_session)?.to_string();
    let require_uv = state["require_uv"].as_bool().unwrap_or(true);
    let id = webauthn::assertion_credential_id(&credential).map_err(|e| refused(&e))?;
    let id = b64url_encode(&id);
    let Some(passkey) = user.data.passkeys.credentials.iter().find(|c| c.id == id) else {
        return Err(api_error!(NotAuthorizedException, "Passkey authentication failed: the passkey is not registered for this user."));
    };
    let public_key = b64url_decode(&passkey.public_key).ok_or_else(ApiError::internal)?;
    let allowed = |origin: &str| origin_allowed(app, &rp_id, origin);
    let expect = Expectation { challenge: &challenge, rp_id: &rp_id, origin_allowed: &allowed, require_user_verification: require_uv };
    let verified = webauthn::verify_assertion(&credential, &expect, &public_key, passkey.sign_count).map_err(|e| refused(&e))?;
    session::consume(app, session).await?;
    // Store the new counter; a concurrent sign-in with a higher counter wins and this one is refused.
    let updated = users::modify(app, &s.pool, &user.username, |u| {
        let Some(stored) = u.data.passkeys.credentials.iter_mut().find(|c| c.id == id) else {
            return Err(api_error!(NotAuthorizedException, "Passkey authentication failed: the passkey is not registered for this user."));
        };
        if (verified.sign_count != 0 || stored.sign_count != 0) && verified.sign_count <= stored.sign_count {
            return Err(refused(&WebAuthnError::CounterNotIncreased));
        }
        stored.sign_count = verified.sign_count;
        Ok(())
    })
    .await?;
    crate::auth::check_after_password(&updated)?;
    // The user's state may have changed since the challenge (MFA turned on, password change forced):
    // the passkey only signs in while it is still offered.
    if !available(&s.pool, &updated) {
        return Err(api_error!(
            NotAuthorizedException,
            "Passkey authentication failed: passkey sign-in is not available to this user now."
        ));
    }
    crate::auth::lockout::record_success(app, &s.pool, &updated).await?;
    let auth_time = state["auth_time"].as_i64().unwrap_or_else(|| app.clock.now_secs());
    if verified.user_verified && passkey_mfa_for(&s.pool, &updated) {
        return crate::mfa::challenge::tokens(app, s, &updated, auth_time).await;
    }
    crate::auth::finish(app, s, &updated, auth_time).await
}
