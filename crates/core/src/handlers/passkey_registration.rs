//! StartWebAuthnRegistration and CompleteWebAuthnRegistration (docs/passkeys.md).

use cognate_crypto::webauthn::{self, Expectation, b64url_decode, b64url_encode};
use cognate_wire::shapes::*;
use serde_json::json;

use crate::passkeys::{MAX_PASSKEYS, REGISTRATION_TIMEOUT_MS, REGISTRATION_VALIDITY_MS, origin_allowed, registration_error, relying_party};
use crate::store::{Passkey, PendingRegistration};
use crate::tokens::TokenUser;
use crate::{ApiError, ApiResult, App, api_error, users};

fn too_many() -> ApiError {
    api_error!(
        LimitExceededException,
        "A user can register at most {MAX_PASSKEYS} passkeys; delete one with DeleteWebAuthnCredential first."
    )
}

fn challenge_not_found() -> ApiError {
    api_error!(
        WebAuthnChallengeNotFoundException,
        "No passkey registration is in progress for this user, or it has expired: call StartWebAuthnRegistration again."
    )
}

pub async fn start_web_authn_registration(
    app: &App,
    me: TokenUser,
    _input: StartWebAuthnRegistrationRequest,
) -> ApiResult<StartWebAuthnRegistrationResponse> {
    let rp = relying_party(&me.pool)?;
    let challenge: [u8; 16] = rand::random();
    let pending = PendingRegistration {
        challenge: b64url_encode(&challenge),
        client_id: me.client_id.clone(),
        rp_id: rp.id.clone(),
        require_user_verification: rp.require_user_verification,
        expires_ms: app.now_ms() + REGISTRATION_VALIDITY_MS,
    };
    let user = users::modify(app, &me.pool, &me.user.username, |u| {
        if u.data.passkeys.credentials.len() >= MAX_PASSKEYS {
            return Err(too_many());
        }
        u.data.passkeys.pending = Some(pending.clone());
        Ok(())
    })
    .await?;
    // The browser refuses to create a second credential on an authenticator that holds one of these.
    let exclude: Vec<_> = user.data.passkeys.credentials.iter().map(|c| json!({"type": "public-key", "id": c.id})).collect();
    let options = json!({
        "rp": {"id": rp.id, "name": rp.id},
        "user": {"id": b64url_encode(user.sub.as_bytes()), "name": user.username, "displayName": user.attribute("name").unwrap_or_default()},
        "challenge": pending.challenge,
        "pubKeyCredParams": [{"type": "public-key", "alg": webauthn::ES256}, {"type": "public-key", "alg": webauthn::RS256}],
        "timeout": REGISTRATION_TIMEOUT_MS,
        "excludeCredentials": exclude,
        "authenticatorSelection": {"requireResidentKey": true, "residentKey": "required", "userVerification": rp.user_verification()},
    });
    Ok(StartWebAuthnRegistrationResponse { credential_creation_options: options })
}

/// A name for the list: Cognito generates one (the model says so; its form is not documented).
fn friendly_name(attachment: Option<&str>, created_ms: i64) -> String {
    let kind = match attachment {
        Some("platform") => "Platform passkey",
        Some("cross-platform") => "Security key",
        _ => "Passkey",
    };
    let date = chrono::DateTime::from_timestamp_millis(created_ms).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    format!("{kind} registered {date}")
}

pub async fn complete_web_authn_registration(
    app: &App,
    me: TokenUser,
    input: CompleteWebAuthnRegistrationRequest,
) -> ApiResult<CompleteWebAuthnRegistrationResponse> {
    relying_party(&me.pool)?;
    let now = app.now_ms();
    let pending = me.user.data.passkeys.pending.clone().filter(|p| p.expires_ms >= now).ok_or_else(challenge_not_found)?;
    if pending.client_id != me.client_id {
        return Err(api_error!(WebAuthnClientMismatchException, "The passkey registration was started with a different app client."));
    }
    if !input.credential.is_object() {
        return Err(api_error!(InvalidParameterException, "Credential must be a RegistrationResponseJSON object."));
    }
    let challenge = b64url_decode(&pending.challenge).ok_or_else(challenge_not_found)?;
    let allowed = |origin: &str| origin_allowed(app, &pending.rp_id, origin);
    let expect = Expectation {
        challenge: &challenge,
        rp_id: &pending.rp_id,
        origin_allowed: &allowed,
        require_user_verification: pending.require_user_verification,
    };
    let credential = webauthn::verify_registration(&input.credential, &expect).map_err(|e| registration_error(e, &pending.rp_id))?;
    let passkey = Passkey {
        id: b64url_encode(&credential.credential_id),
        public_key: b64url_encode(&credential.public_key),
        algorithm: credential.algorithm,
        sign_count: credential.sign_count,
        friendly_name: friendly_name(credential.attachment.as_deref(), now),
        rp_id: pending.rp_id.clone(),
        attachment: credential.attachment.clone().filter(|a| a == "platform" || a == "cross-platform"),
        transports: credential.transports.clone(),
        created_ms: now,
    };
    users::modify(app, &me.pool, &me.user.username, |u| {
        // The challenge is used once: a second Complete with it (or a concurrent one) finds none.
        if u.data.passkeys.pending.as_ref().is_none_or(|p| p.challenge != pending.challenge) {
            return Err(challenge_not_found());
        }
        if u.data.passkeys.credentials.iter().any(|c| c.id == passkey.id) {
            return Err(api_error!(InvalidParameterException, "This passkey is already registered for the user."));
        }
        if u.data.passkeys.credentials.len() >= MAX_PASSKEYS {
            return Err(too_many());
        }
        u.data.passkeys.pending = None;
        u.data.passkeys.credentials.push(passkey.clone());
        Ok(())
    })
    .await?;
    Ok(CompleteWebAuthnRegistrationResponse {})
}
