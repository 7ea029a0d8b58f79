//! DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER: a sign-in on a confirmed device proves the
//! device's secret, with the same SRP as PASSWORD_VERIFIER over the device's verifier, its group key
//! in place of the pool name and its key in place of the user (docs/devices.md, Device SRP).
//!
//! DEVICE_SRP_AUTH is issued only once the sign-in has proven its first factor (and MFA, unless the
//! device stands in for it); that is recorded on the device ([`PendingDeviceAuth`]), because
//! clients do not send its `Session` back: pycognito and amazon-cognito-identity-js after a
//! password send none, identity-js after an MFA answer sends the MFA challenge's (used) one. So the
//! `Session` of an answer is not read; the pending step is found by the device key. The device's
//! proof is then checked like a password claim: the SECRET_BLOCK keys the pending exchange,
//! single-use.

use cognate_crypto::srp;
use cognate_wire::enums::ChallengeNameType as ChallengeName;

use super::srp::{check_timestamp, secret_block};
use crate::codes::opaque_token;
use crate::errors::{OrInternal, unexpected_error};
use crate::signin::errors::{invalid_session, session_expired, session_used, wrong_password};
use crate::signin::outcome::{Challenge, Pending};
use crate::signin::params::{self, Params};
use crate::signin::policy::user_state::{check_after_password, check_can_sign_in};
use crate::signin::subject::names_user;
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{ChallengeState, DeviceRecord, PendingDeviceAuth, UserKey, UserRecord};
use crate::{ApiResult, App, devices, request_id};

/// Ask a sign-in that has proven everything else to prove `device`. `mfa_answered`: it answered
/// an MFA challenge, which, once the device is proven, lets the device skip MFA later.
pub async fn challenge(app: &App, ctx: &ClientContext, user: &UserRecord, device: &DeviceRecord, mfa_answered: bool) -> ApiResult<Outcome> {
    // Returned as the challenge's Session, for clients that expect one; never read back.
    let token = opaque_token(192);
    let pending = PendingDeviceAuth {
        id: crate::ids::uuid(),
        client_id: ctx.client.client_id.clone(),
        expires_ms: app.now_ms() + ctx.session_validity_ms(),
        mfa_answered,
    };
    devices::modify(app, &device.pool_id, &device.device_key, |d| {
        d.data.pending = Some(pending.clone());
        Ok(())
    })
    .await?;
    let parameters = Params::from([("USERNAME".to_string(), user.username.clone())]);
    Ok(Outcome::Challenge(Challenge::new(ChallengeName::DeviceSrpAuth, parameters, Pending::Issued { session: token })))
}

/// The device, its owner and the pending sign-in an answer names; the owner must be the USERNAME
/// the client sent (and its SECRET_HASH).
async fn device_and_owner(app: &App, ctx: &ClientContext, responses: &Params) -> ApiResult<(DeviceRecord, UserRecord)> {
    let username = params::required(responses, "USERNAME")?;
    let key = params::required(responses, "DEVICE_KEY")?;
    let device = app.store.get_device(&ctx.pool.id, key).await.or_internal()?.filter(|d| d.confirmed).ok_or_else(devices::not_found)?;
    let owner = app.store.find_user(&ctx.pool.id, &UserKey::username(&device.username_key)).await.or_internal()?;
    let owner = owner.ok_or_else(devices::not_found)?;
    ctx.check_secret_hash(params::secret_hash(responses), &[username, &owner.username])?;
    if !names_user(app, &ctx.pool, &owner, username).await? {
        return Err(devices::not_found());
    }
    Ok((device, owner))
}

/// The answer to DEVICE_SRP_AUTH (the client's SRP_A): the device's DEVICE_PASSWORD_VERIFIER.
pub async fn answer_auth(app: &App, ctx: &ClientContext, responses: &Params) -> ApiResult<Outcome> {
    let srp_a = params::required(responses, "SRP_A")?.to_string();
    let (device, user) = device_and_owner(app, ctx, responses).await?;
    let pending = device.data.pending.clone().filter(|p| p.client_id == ctx.client.client_id).ok_or_else(invalid_session)?;
    if app.now_ms() > pending.expires_ms {
        return Err(session_expired());
    }
    // Used up in one versioned write: of two answers, one finds it gone (and a newer sign-in's
    // pending step is not taken for this one).
    devices::modify(app, &ctx.pool.id, &device.device_key, |d| match &d.data.pending {
        Some(p) if p.id == pending.id => {
            d.data.pending = None;
            Ok(())
        }
        _ => Err(session_used()),
    })
    .await?;
    let (Some(verifier), Some(salt)) = (device.data.verifier.clone(), device.data.salt.clone()) else {
        return Err(devices::not_found());
    };
    let a = srp_a.clone();
    let step = tokio::task::spawn_blocking(move || srp::server_challenge(&verifier, &a))
        .await
        .map_err(|e| unexpected_error("SRP task failed", &e))?
        .map_err(|_| wrong_password())?;
    let block = secret_block();
    let parameters = Params::from([
        ("SALT".to_string(), salt),
        ("SECRET_BLOCK".to_string(), block.clone()),
        ("SRP_B".to_string(), step.big_b_hex.clone()),
        ("USERNAME".to_string(), user.username.clone()),
    ]);
    let state = ChallengeState::DevicePasswordVerifier {
        device_key: device.device_key.clone(),
        b: step.b_hex,
        big_b: step.big_b_hex,
        a: srp_a,
        mfa_answered: pending.mfa_answered,
    };
    let pending = Pending::UnderToken { token: block, username_key: user.username_key.clone(), state };
    Ok(Outcome::Challenge(Challenge::new(ChallengeName::DevicePasswordVerifier, parameters, pending)))
}

/// The answer to DEVICE_PASSWORD_VERIFIER: the device's proof. Right, the sign-in is complete on
/// that device.
pub async fn answer_verifier(app: &App, ctx: &ClientContext, responses: &Params) -> ApiResult<Outcome> {
    let block = params::required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = params::required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = params::required(responses, "TIMESTAMP")?;
    let (device, user) = device_and_owner(app, ctx, responses).await?;
    let pending = session::find(app, block).await?.filter(|p| p.client_id == ctx.client.client_id && p.username_key == user.username_key);
    let Some((pending, ChallengeState::DevicePasswordVerifier { device_key, b, big_b, a, mfa_answered })) =
        pending.map(|p| (p.clone(), p.state))
    else {
        return Err(wrong_password());
    };
    if device_key != device.device_key {
        return Err(wrong_password());
    }
    session::check_live(app, &pending)?;
    session::consume(app, &pending).await?;
    check_timestamp(app, timestamp)?;
    check_can_sign_in(&user)?;
    let (Some(verifier), group) = (device.data.verifier.clone(), device.data.group_key.clone()) else {
        return Err(devices::not_found());
    };
    let (key, block, ts, sig) = (device.device_key.clone(), block.to_string(), timestamp.to_string(), signature.to_string());
    let verified = tokio::task::spawn_blocking(move || {
        srp::verify_claim(&srp::Claim {
            pool_name: &group,
            user_id_for_srp: &key,
            verifier_hex: &verifier,
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
    // Disabled, or sent to reset its password, since the first factor.
    check_after_password(&user)?;
    let now = app.now_ms();
    let ip = request_id::source_ip().map(|ip| ip.to_string());
    devices::modify(app, &ctx.pool.id, &device.device_key, |d| {
        d.data.last_authenticated_ms = Some(now);
        if ip.is_some() {
            d.data.last_ip = ip.clone();
        }
        d.data.mfa_passed |= mfa_answered;
        Ok(())
    })
    .await?;
    Ok(Outcome::DeviceProven { user, device_key: device.device_key })
}
