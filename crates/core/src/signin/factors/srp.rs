//! USER_SRP_AUTH and USER_AUTH's PASSWORD_SRP: the PASSWORD_VERIFIER challenge and its answer,
//! Cognito's SRP variant (docs/sign-in.md, SRP; the maths is in `cognate_crypto::srp`).
//!
//! Real PASSWORD_VERIFIER challenges carry no Session, and clients answer without one, so the
//! `SECRET_BLOCK` itself identifies the pending exchange: it is a random token whose hash keys the
//! stored SRP state (server secret `b`, the client's `A`), single-use like a session.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp;
use cognate_wire::enums::ChallengeNameType as ChallengeName;

use crate::errors::unexpected_error;
use crate::signin::errors::wrong_password;
use crate::signin::outcome::{Challenge, Pending};
use crate::signin::params::{self, Params};
use crate::signin::policy::user_state::{check_after_password, check_can_sign_in};
use crate::signin::subject::{Subject, decoy_internal_name, names_user};
use crate::signin::{ClientContext, Outcome, lockout, session};
use crate::store::{ChallengeState, UserRecord};
use crate::{ApiResult, App, api_error, decoys, devices, ids, users};

/// How far the client's TIMESTAMP may be from ours.
const MAX_SKEW_SECS: i64 = 300;

/// A fresh SECRET_BLOCK (also DEVICE_PASSWORD_VERIFIER's).
pub fn secret_block() -> String {
    let mut buf = [0u8; 96];
    rand::Rng::fill(&mut rand::rng(), &mut buf[..]);
    STANDARD.encode(buf)
}

/// InitiateAuth with USER_SRP_AUTH.
pub async fn initiate(app: &App, ctx: &ClientContext, request: &Params) -> ApiResult<Outcome> {
    let username = params::required(request, "USERNAME")?;
    ctx.check_secret_hash(params::secret_hash(request), &[username])?;
    let srp_a = params::required(request, "SRP_A")?;
    match users::find(app, &ctx.pool, username).await? {
        Some(user) => challenge_for(app, &user, srp_a).await,
        None if ctx.prevents_existence_errors() => decoy(app, ctx, username, srp_a).await,
        None => Err(users::user_not_found()),
    }
}

/// USER_AUTH chose PASSWORD_SRP (its SRP_A comes with the choice).
pub async fn begin(app: &App, ctx: &ClientContext, who: Subject, answers: &Params) -> ApiResult<Outcome> {
    let srp_a = params::required(answers, "SRP_A")?;
    match who {
        Subject::User(user) => challenge_for(app, &user, srp_a).await,
        Subject::Unknown(name) => decoy(app, ctx, &name, srp_a).await,
    }
}

async fn challenge_for(app: &App, user: &UserRecord, srp_a: &str) -> ApiResult<Outcome> {
    lockout::check(app, user)?;
    let Some(password) = &user.data.password else { return Err(wrong_password()) };
    let verifier = password.srp_verifier.clone();
    let a = srp_a.to_string();
    let step = tokio::task::spawn_blocking(move || srp::server_challenge(&verifier, &a))
        .await
        .map_err(|e| unexpected_error("SRP task failed", &e))?
        .map_err(|_| wrong_password())?;
    let block = secret_block();
    let parameters = verifier_parameters(&user.username, &password.srp_salt, &step.big_b_hex, &block);
    let state = ChallengeState::PasswordVerifier { b: step.b_hex, big_b: step.big_b_hex, a: srp_a.to_string() };
    let pending = Pending::UnderToken { token: block, username_key: user.username_key.clone(), state };
    Ok(Outcome::Challenge(Challenge::new(ChallengeName::PasswordVerifier, parameters, pending)))
}

fn verifier_parameters(internal_name: &str, salt: &str, srp_b: &str, block: &str) -> Params {
    Params::from([
        ("SALT".to_string(), salt.to_string()),
        ("SECRET_BLOCK".to_string(), block.to_string()),
        ("SRP_B".to_string(), srp_b.to_string()),
        ("USERNAME".to_string(), internal_name.to_string()),
        ("USER_ID_FOR_SRP".to_string(), internal_name.to_string()),
    ])
}

/// An unknown user under PreventUserExistenceErrors: a challenge that looks real and can never be
/// answered (nothing is stored for its secret block). Its SALT and USER_ID_FOR_SRP are derived
/// from the deployment's secret ([`crate::decoys`]), so they are the same at every attempt, as a
/// real user's are; SRP_B is computed as a real one is, on the same thread pool, with one modular
/// exponentiation (B = k·v + g^b is uniform for a random b whatever v is, so the derived v needs no
/// exponentiation of its own).
async fn decoy(app: &App, ctx: &ClientContext, username: &str, srp_a: &str) -> ApiResult<Outcome> {
    let bytes = decoys::derive(app, &ctx.pool.id, &users::username_key(&ctx.pool.settings, username), "srp-salt").await?;
    let user_id = decoy_internal_name(app, &ctx.pool, username).await?;
    let verifier =
        hex::encode(decoys::derive(app, &ctx.pool.id, &users::username_key(&ctx.pool.settings, username), "srp-verifier").await?);
    let a = srp_a.to_string();
    let step = tokio::task::spawn_blocking(move || srp::server_challenge(&verifier, &a))
        .await
        .map_err(|e| unexpected_error("SRP task failed", &e))?
        .map_err(|_| wrong_password())?;
    let parameters = verifier_parameters(&user_id, &decoys::salt_hex(&bytes), &step.big_b_hex, &secret_block());
    Ok(Outcome::Challenge(Challenge::new(ChallengeName::PasswordVerifier, parameters, Pending::Nothing)))
}

/// A claim's TIMESTAMP: well formed, and within [`MAX_SKEW_SECS`] of ours.
pub fn check_timestamp(app: &App, timestamp: &str) -> ApiResult<()> {
    let Some(when) = srp::parse_timestamp(timestamp) else {
        return Err(api_error!(InvalidParameterException, "TIMESTAMP format is invalid."));
    };
    if (when.timestamp() - app.clock.now_secs()).abs() > MAX_SKEW_SECS {
        return Err(wrong_password());
    }
    Ok(())
}

/// RespondToAuthChallenge with PASSWORD_VERIFIER.
pub async fn answer(app: &App, ctx: &ClientContext, responses: &Params) -> ApiResult<Outcome> {
    let username = params::required(responses, "USERNAME")?;
    let block = params::required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = params::required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = params::required(responses, "TIMESTAMP")?;
    let pending = session::find(app, block).await?.filter(|x| x.client_id == ctx.client.client_id);
    let Some((pending, ChallengeState::PasswordVerifier { b, big_b, a })) = pending.map(|p| (p.clone(), p.state)) else {
        return Err(wrong_password());
    };
    let user = users::find(app, &ctx.pool, &pending.username_key).await?.ok_or_else(wrong_password)?;
    ctx.check_secret_hash(params::secret_hash(responses), &[username, &user.username])?;
    if !names_user(app, &ctx.pool, &user, username).await? {
        return Err(wrong_password());
    }
    session::check_live(app, &pending)?;
    // A device that does not exist is refused before the answer is used up: amazon-cognito-identity-js
    // then sends the same answer again without its DEVICE_KEY.
    if let Some(key) = params::optional(responses, "DEVICE_KEY").filter(|k| !k.is_empty())
        && devices::tracking(&ctx.pool).is_some()
    {
        devices::confirmed(app, &ctx.pool, &user, key).await?;
    }
    session::consume(app, &pending).await?;
    check_timestamp(app, timestamp)?;
    let Some(password) = user.data.password.clone() else { return Err(wrong_password()) };
    check_can_sign_in(&user)?;
    // Claimed before the proof is checked, like a password: a challenge opened before the lockout
    // is refused after it, and its wrong answer counts.
    let user = lockout::claim(app, &ctx.pool, &user).await?;
    let pool_name = ids::pool_name_part(&ctx.pool.id).to_string();
    let (user_id, block, ts, sig) = (user.username.clone(), block.to_string(), timestamp.to_string(), signature.to_string());
    let verified = tokio::task::spawn_blocking(move || {
        srp::verify_claim(&srp::Claim {
            pool_name: &pool_name,
            user_id_for_srp: &user_id,
            verifier_hex: &password.srp_verifier,
            srp_a_hex: &a,
            b_hex: &b,
            big_b_hex: Some(&big_b),
            secret_block_b64: &block,
            timestamp: &ts,
            signature_b64: &sig,
        })
        .is_ok()
    })
    .await
    .map_err(|e| unexpected_error("SRP task failed", &e))?;
    if !verified {
        return Err(wrong_password());
    }
    let user = lockout::record_success(app, &ctx.pool, user).await?;
    check_after_password(&user)?;
    Ok(Outcome::FirstFactorPassed { user, satisfies_mfa: false })
}
