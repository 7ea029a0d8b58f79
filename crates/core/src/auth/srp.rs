//! USER_SRP_AUTH: the PASSWORD_VERIFIER challenge and its answer, Cognito's SRP variant (spec §5).
//!
//! Real PASSWORD_VERIFIER challenges carry no Session, and clients answer without one, so the
//! `SECRET_BLOCK` itself identifies the pending exchange: it is a random token whose hash keys the
//! stored SRP state (server secret `b`, the client's `A`), single-use like a session.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp;
use serde_json::json;

use super::{SignIn, Step, check_after_password, check_secret_hash, lockout, required_param, wrong_password};
use crate::app::internal;
use crate::codes::token_hash;
use crate::store::{AuthSession, UserRecord};
use crate::{ApiError, ApiResult, App, api_error, ids, users};

/// How far the client's TIMESTAMP may be from ours.
const MAX_SKEW_SECS: i64 = 300;

fn secret_block() -> String {
    let mut buf = [0u8; 96];
    rand::Rng::fill(&mut rand::rng(), &mut buf[..]);
    STANDARD.encode(buf)
}

/// InitiateAuth with USER_SRP_AUTH.
pub async fn start(app: &App, s: &SignIn, params: &BTreeMap<String, String>) -> ApiResult<Step> {
    let username = required_param(params, "USERNAME")?;
    check_secret_hash(&s.client, params.get("SECRET_HASH").map(String::as_str), &[username])?;
    let srp_a = required_param(params, "SRP_A")?;
    let user = match users::find(app, &s.pool, username).await? {
        Some(u) => u,
        None if super::prevents_existence_errors(&s.client) => return decoy(username, srp_a),
        None => return Err(users::user_not_found()),
    };
    challenge_for(app, s, &user, srp_a).await
}

/// The PASSWORD_VERIFIER challenge for `user`, given the client's SRP_A (USER_SRP_AUTH, and USER_AUTH's
/// PASSWORD_SRP).
pub async fn challenge_for(app: &App, s: &SignIn, user: &UserRecord, srp_a: &str) -> ApiResult<Step> {
    lockout::check(app, user)?;
    let Some(password) = &user.data.password else { return Err(wrong_password()) };
    let verifier = password.srp_verifier.clone();
    let a = srp_a.to_string();
    let step = tokio::task::spawn_blocking(move || srp::server_challenge(&verifier, &a))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|_| api_error!(NotAuthorizedException, "Incorrect username or password."))?;
    let block = secret_block();
    let now = app.now_ms();
    let session = AuthSession {
        id_hash: token_hash(&block),
        pool_id: s.pool.id.clone(),
        client_id: s.client.client_id.clone(),
        username_key: user.username_key.clone(),
        challenge: "PASSWORD_VERIFIER".into(),
        state: json!({ "b": step.b_hex, "B": step.big_b_hex, "A": srp_a }),
        created_ms: now,
        expires_ms: now + super::session::validity_ms(s),
        failures: 0,
        used: false,
    };
    app.store.put_session(&session).await.map_err(internal)?;
    Ok(Step::challenge("PASSWORD_VERIFIER", None, verifier_parameters(&user.username, &password.srp_salt, &step.big_b_hex, &block)))
}

fn verifier_parameters(internal_name: &str, salt: &str, srp_b: &str, block: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("SALT".to_string(), salt.to_string()),
        ("SECRET_BLOCK".to_string(), block.to_string()),
        ("SRP_B".to_string(), srp_b.to_string()),
        ("USERNAME".to_string(), internal_name.to_string()),
        ("USER_ID_FOR_SRP".to_string(), internal_name.to_string()),
    ])
}

/// An unknown user under PreventUserExistenceErrors: a challenge that looks real and can never be
/// answered (nothing is stored for its secret block).
pub fn decoy(username: &str, srp_a: &str) -> ApiResult<Step> {
    let fake = srp::make_verifier("decoy", username, &ids::uuid());
    let step = srp::server_challenge(&fake.verifier_hex, srp_a).map_err(|_| wrong_password())?;
    Ok(Step::challenge("PASSWORD_VERIFIER", None, verifier_parameters(username, &fake.salt_hex, &step.big_b_hex, &secret_block())))
}

/// RespondToAuthChallenge with PASSWORD_VERIFIER.
pub async fn answer(app: &App, s: &SignIn, responses: &BTreeMap<String, String>) -> ApiResult<Step> {
    let username = required_param(responses, "USERNAME")?;
    let block = required_param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = required_param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = required_param(responses, "TIMESTAMP")?;
    let session = app.store.get_session(&token_hash(block)).await.map_err(internal)?;
    let Some(session) = session.filter(|x| x.challenge == "PASSWORD_VERIFIER" && x.client_id == s.client.client_id) else {
        return Err(wrong_password());
    };
    let user = users::find(app, &s.pool, &session.username_key).await?.ok_or_else(wrong_password)?;
    check_secret_hash(&s.client, responses.get("SECRET_HASH").map(String::as_str), &[username, &user.username])?;
    if !names_user(app, s, &user, username).await? {
        return Err(wrong_password());
    }
    if session.used {
        return Err(api_error!(NotAuthorizedException, "Invalid session for the user, session can only be used once."));
    }
    if app.now_ms() > session.expires_ms {
        return Err(api_error!(NotAuthorizedException, "Invalid session for the user, session is expired."));
    }
    super::session::consume(app, &session).await?;
    let Some(when) = srp::parse_timestamp(timestamp) else {
        return Err(api_error!(InvalidParameterException, "TIMESTAMP format is invalid."));
    };
    if (when.timestamp() - app.clock.now_secs()).abs() > MAX_SKEW_SECS {
        return Err(api_error!(NotAuthorizedException, "Incorrect username or password."));
    }
    let Some(password) = user.data.password.clone() else { return Err(wrong_password()) };
    let pool_name = ids::pool_name_part(&s.pool.id).to_string();
    let text = |name: &str| session.state[name].as_str().map(str::to_string);
    let (b, big_b, a) = (text("b").unwrap_or_default(), text("B"), text("A").unwrap_or_default());
    let (user_id, block, ts, sig) = (user.username.clone(), block.to_string(), timestamp.to_string(), signature.to_string());
    let verified = tokio::task::spawn_blocking(move || {
        srp::verify_claim(&srp::Claim {
            pool_name: &pool_name,
            user_id_for_srp: &user_id,
            verifier_hex: &password.srp_verifier,
            srp_a_hex: &a,
            b_hex: &b,
            big_b_hex: big_b.as_deref(),
            secret_block_b64: &block,
            timestamp: &ts,
            signature_b64: &sig,
        })
        .is_ok()
    })
    .await
    .map_err(|_| ApiError::internal())?;
    super::check_can_sign_in(&user)?;
    if !verified {
        lockout::record_failure(app, &s.pool, &user).await?;
        return Err(wrong_password());
    }
    check_after_password(&user)?;
    super::after_first_factor(app, s, user).await
}

/// Whether `name` (as the client sent it) refers to `user`: the internal username, the typed
/// username or an alias. amazon-cognito-identity-js sends USER_ID_FOR_SRP, pycognito the USERNAME
/// challenge parameter, others the typed name.
pub async fn names_user(app: &App, s: &SignIn, user: &UserRecord, name: &str) -> ApiResult<bool> {
    if name == user.username || users::username_key(&s.pool.settings, name) == user.username_key {
        return Ok(true);
    }
    Ok(users::find(app, &s.pool, name).await?.is_some_and(|u| u.username_key == user.username_key))
}
