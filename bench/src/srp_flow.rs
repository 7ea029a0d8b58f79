//! The client half of a `USER_SRP_AUTH` sign-in (InitiateAuth with `SRP_A`, then the
//! `PASSWORD_VERIFIER` answer), with cognate_crypto's SRP client: the same exchange
//! amazon-cognito-identity-js performs, including its two 3072-bit exponentiations on the client.

use cognate_crypto::srp;
use serde_json::{Value, json};

use crate::api::{Api, Failure};

/// What the sign-in needs to know about the pool and the user.
pub struct SrpSignIn<'a> {
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    /// A remembered device's key, sent with both steps (the remembered-device scenario).
    pub device_key: Option<&'a str>,
}

/// Both steps; returns the answer to `PASSWORD_VERIFIER` (tokens, or the next challenge).
pub async fn sign_in(api: &Api, s: &SrpSignIn<'_>) -> Result<Value, Failure> {
    let (secret, srp_a) = srp::client::start();
    let first = api.call("InitiateAuth", &initiate(s, &srp_a)).await?;
    let challenge = first.get("ChallengeName").and_then(Value::as_str);
    if challenge != Some("PASSWORD_VERIFIER") {
        return Err(Failure::unexpected(format!("InitiateAuth USER_SRP_AUTH answered challenge {challenge:?}")));
    }
    let p = &first["ChallengeParameters"];
    let param =
        |name: &str| p.get(name).and_then(Value::as_str).ok_or_else(|| Failure::unexpected(format!("no {name} in PASSWORD_VERIFIER")));
    let user_id_for_srp = param("USER_ID_FOR_SRP")?;
    let secret_block = param("SECRET_BLOCK")?;
    let timestamp = srp::format_timestamp(chrono::Utc::now());
    let challenge = srp::client::Challenge {
        pool_name: srp::pool_name(s.pool_id),
        user_id_for_srp,
        password: s.password,
        salt_hex: param("SALT")?,
        srp_b_hex: param("SRP_B")?,
        secret_block_b64: secret_block,
        timestamp: &timestamp,
    };
    let signature = srp::client::respond(&secret, &challenge).map_err(|e| Failure::unexpected(format!("SRP client: {e}")))?;
    let mut answer = password_verifier(s.client_id, user_id_for_srp, secret_block, &signature, &timestamp);
    with_device(&mut answer["ChallengeResponses"], s.device_key);
    api.call("RespondToAuthChallenge", &answer).await
}

fn initiate(s: &SrpSignIn<'_>, srp_a: &str) -> Value {
    let mut request = json!({
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": s.client_id,
        "AuthParameters": { "USERNAME": s.username, "SRP_A": srp_a },
    });
    with_device(&mut request["AuthParameters"], s.device_key);
    request
}

fn with_device(parameters: &mut Value, device_key: Option<&str>) {
    if let (Some(key), Some(map)) = (device_key, parameters.as_object_mut()) {
        map.insert("DEVICE_KEY".into(), Value::from(key));
    }
}

fn password_verifier(client_id: &str, user_id_for_srp: &str, secret_block: &str, signature: &str, timestamp: &str) -> Value {
    json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": client_id,
        "ChallengeResponses": {
            "USERNAME": user_id_for_srp,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
    })
}

/// The access token of a sign-in that finished, or why it did not.
pub fn access_token(answer: &Value) -> Result<String, Failure> {
    match answer.pointer("/AuthenticationResult/AccessToken").and_then(Value::as_str) {
        Some(t) => Ok(t.to_string()),
        None => Err(Failure::unexpected(format!(
            "no tokens (challenge {})",
            answer.get("ChallengeName").and_then(Value::as_str).unwrap_or("none")
        ))),
    }
}
