//! USER_AUTH's WEB_AUTHN: CREDENTIAL_REQUEST_OPTIONS out, an AuthenticationResponseJSON back as
//! `CREDENTIAL` (AWS: "Passkey sign-in"; the ceremony checks are `cognate_crypto::webauthn`'s, the
//! choices Cognito leaves open are in docs/passkeys.md).

use cognate_crypto::webauthn::{self, Expectation, WebAuthnError, b64url_decode, b64url_encode};
use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::error::quoted;
use serde_json::{Value, json};

use crate::errors::unexpected_error;
use crate::passkeys::{SIGN_IN_TIMEOUT_MS, origin_allowed, passkey_mfa_for, relying_party};
use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::policy::first_factors::webauthn_available;
use crate::signin::policy::user_state::check_after_password;
use crate::signin::subject::Subject;
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::{ApiError, ApiResult, App, api_error, users};

/// Issue the WEB_AUTHN challenge: a fresh challenge bound to a sign-in session. Never offered to a
/// decoy (`policy::first_factors::decoy_offer`), so only real users get here.
pub async fn begin(ctx: &ClientContext, who: Subject) -> ApiResult<Outcome> {
    let Subject::User(user) = who else {
        return Err(api_error!(InvalidParameterException, "WEB_AUTHN is not available to this user."));
    };
    let rp = relying_party(&ctx.pool)?;
    // Passkey MFA requires user verification even when the pool only prefers it.
    let require_uv = rp.require_user_verification || passkey_mfa_for(&ctx.pool, &user);
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
    let parameters = Params::from([("CREDENTIAL_REQUEST_OPTIONS".to_string(), options.to_string())]);
    let state = ChallengeState::WebAuthn { challenge, rp_id: rp.id, require_uv };
    Ok(Outcome::Challenge(Challenge::in_session(ChallengeName::WebAuthn, &user.username_key, state, parameters)))
}

fn refused(err: &WebAuthnError) -> ApiError {
    match err {
        WebAuthnError::OriginNotAllowed(origin) => {
            api_error!(
                NotAuthorizedException,
                "Passkey authentication failed: origin {} is not allowed for this user pool.",
                quoted(origin)
            )
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

fn not_registered() -> ApiError {
    api_error!(NotAuthorizedException, "Passkey authentication failed: the passkey is not registered for this user.")
}

/// What the WEB_AUTHN session expects of the assertion.
pub struct Expected<'a> {
    pub challenge: &'a str,
    pub rp_id: &'a str,
    pub require_uv: bool,
}

/// Verify the assertion and move the signature counter. A user-verified passkey under passkey MFA
/// is a complete sign-in; otherwise it is the first factor, and MFA follows where it applies.
pub async fn answer(
    app: &App,
    ctx: &ClientContext,
    session: &AuthSession,
    user: UserRecord,
    expected: Expected<'_>,
    responses: &Params,
) -> ApiResult<Outcome> {
    let credential: Value = serde_json::from_str(params::required(responses, "CREDENTIAL")?)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| api_error!(InvalidParameterException, "CREDENTIAL must be an AuthenticationResponseJSON object."))?;
    let challenge = b64url_decode(expected.challenge).ok_or_else(crate::signin::errors::invalid_session)?;
    let id = webauthn::assertion_credential_id(&credential).map_err(|e| refused(&e))?;
    let id = b64url_encode(&id);
    let Some(passkey) = user.data.passkeys.credentials.iter().find(|c| c.id == id) else {
        return Err(not_registered());
    };
    let public_key = b64url_decode(&passkey.public_key).ok_or_else(|| unexpected_error("stored passkey unreadable", &passkey.id))?;
    let allowed = |origin: &str| origin_allowed(app, expected.rp_id, origin);
    let expect = Expectation {
        challenge: &challenge,
        rp_id: expected.rp_id,
        origin_allowed: &allowed,
        require_user_verification: expected.require_uv,
    };
    let verified = webauthn::verify_assertion(&credential, &expect, &public_key, passkey.sign_count).map_err(|e| refused(&e))?;
    session::consume(app, session).await?;
    // Store the new counter; a concurrent sign-in with a higher counter wins and this one is refused.
    let updated = users::modify(app, &ctx.pool, &user.username, |u| {
        let Some(stored) = u.data.passkeys.credentials.iter_mut().find(|c| c.id == id) else {
            return Err(not_registered());
        };
        if (verified.sign_count != 0 || stored.sign_count != 0) && verified.sign_count <= stored.sign_count {
            return Err(refused(&WebAuthnError::CounterNotIncreased));
        }
        stored.sign_count = verified.sign_count;
        Ok(())
    })
    .await?;
    check_after_password(&updated)?;
    // The user's state may have changed since the challenge (MFA turned on, password change forced):
    // the passkey only signs in while it is still offered.
    if !webauthn_available(&ctx.pool, &updated) {
        return Err(api_error!(
            NotAuthorizedException,
            "Passkey authentication failed: passkey sign-in is not available to this user now."
        ));
    }
    let satisfies_mfa = verified.user_verified && passkey_mfa_for(&ctx.pool, &updated);
    Ok(Outcome::FirstFactorPassed { user: updated, satisfies_mfa })
}
