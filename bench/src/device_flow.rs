//! The `remembered-device` scenario: a sign-in on a remembered device that stands in for TOTP MFA
//! (docs/devices.md). Four calls, as amazon-cognito-identity-js makes them: InitiateAuth
//! USER_SRP_AUTH with DEVICE_KEY, PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER; three
//! SRP exchanges' worth of client maths and two of the server's.
//!
//! Seeded in a pool of its own (device tracking changes every sign-in of a pool: the other
//! scenarios' pool does not track devices): users with TOTP MFA, each with one device issued in a
//! TOTP sign-in and confirmed, so that it skips MFA from then on.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp;
use serde_json::{Value, json};

use crate::api::{Api, Failure};
use crate::seed::{self, in_parallel};
use crate::srp_flow::{self, SrpSignIn, access_token};
use crate::totp_flow;

/// A user and the device it remembers: what the client keeps.
#[derive(Debug, Clone)]
pub struct DeviceUser {
    pub username: String,
    pub device_key: String,
    pub group_key: String,
    pub device_password: String,
}

#[derive(Debug, Default)]
pub struct DeviceFixture {
    pub pool_id: String,
    pub client_id: String,
    pub users: Vec<DeviceUser>,
}

/// A pool that remembers devices and lets them skip MFA, its app client, and `n` users with a
/// confirmed device each.
pub async fn seed(api: &Api, n: usize, concurrency: usize) -> Result<DeviceFixture, Failure> {
    if n == 0 {
        return Ok(DeviceFixture::default());
    }
    let name = format!("bench-devices-{}", uuid::Uuid::new_v4().simple());
    let config = json!({ "ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": false });
    let created = api.admin("CreateUserPool", &json!({ "PoolName": name, "DeviceConfiguration": config })).await?;
    let pool_id = created.pointer("/UserPool/Id").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no UserPool.Id"))?.to_string();
    let mfa = json!({ "UserPoolId": pool_id, "MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": { "Enabled": true } });
    api.admin("SetUserPoolMfaConfig", &mfa).await?;
    let client_id = seed::create_client(api, &pool_id).await?;
    let (a, p, c) = (api.clone(), pool_id.clone(), client_id.clone());
    let users = in_parallel(n, concurrency, move |i| {
        let (api, pool_id, client_id) = (a.clone(), p.clone(), c.clone());
        async move { enroll(&api, &pool_id, &client_id, &format!("bench-device-{i:07}")).await }
    })
    .await?;
    Ok(DeviceFixture { pool_id, client_id, users })
}

/// A user with TOTP MFA, signed in with SRP and a TOTP code (the next step's: VerifySoftwareToken
/// spent this one), and the device that sign-in issued, confirmed.
async fn enroll(api: &Api, pool_id: &str, client_id: &str, username: &str) -> Result<DeviceUser, Failure> {
    let user = seed::create_user(api, pool_id, client_id, username).await?;
    let totp = totp_flow::enroll(api, username, &user.access_token).await?;
    let s = SrpSignIn { pool_id, client_id, username, password: seed::PASSWORD, device_key: None };
    let challenged = srp_flow::sign_in(api, &s).await?;
    let session = challenged.get("Session").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no SOFTWARE_TOKEN_MFA session"))?;
    let code = totp_flow::code(&totp.secret, totp.enrolled_step.max(totp_flow::now_step()) + 1)?;
    let answer = json!({
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "ClientId": client_id,
        "Session": session,
        "ChallengeResponses": { "USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code },
    });
    let signed_in = api.call("RespondToAuthChallenge", &answer).await?;
    let text =
        |p: &str| signed_in.pointer(p).and_then(Value::as_str).map(str::to_string).ok_or_else(|| Failure::unexpected(format!("no {p}")));
    let device = DeviceUser {
        username: username.to_string(),
        device_key: text("/AuthenticationResult/NewDeviceMetadata/DeviceKey")?,
        group_key: text("/AuthenticationResult/NewDeviceMetadata/DeviceGroupKey")?,
        device_password: STANDARD.encode(format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())),
    };
    let v = srp::make_verifier(&device.group_key, &device.device_key, &device.device_password);
    let confirm = json!({
        "AccessToken": access_token(&signed_in)?,
        "DeviceKey": device.device_key,
        "DeviceName": "bench",
        "DeviceSecretVerifierConfig": { "PasswordVerifier": padded_base64(&v.verifier_hex)?, "Salt": padded_base64(&v.salt_hex)? },
    });
    api.call("ConfirmDevice", &confirm).await?;
    Ok(device)
}

/// base64 of `PAD(hex)`: even length, with a 0x00 sign byte when the top bit is set.
fn padded_base64(hex_int: &str) -> Result<String, Failure> {
    let mut h = if hex_int.len() % 2 == 1 { format!("0{hex_int}") } else { hex_int.to_string() };
    if h.starts_with(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f']) {
        h.insert_str(0, "00");
    }
    let bytes: Result<Vec<u8>, _> = (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16)).collect();
    Ok(STANDARD.encode(bytes.map_err(|_| Failure::unexpected("verifier is not hex"))?))
}

/// One sign-in on the user's remembered device: SRP, then device SRP instead of the TOTP code.
pub async fn sign_in(api: &Api, f: &DeviceFixture, user: &DeviceUser) -> Result<(), Failure> {
    let s = SrpSignIn {
        pool_id: &f.pool_id,
        client_id: &f.client_id,
        username: &user.username,
        password: seed::PASSWORD,
        device_key: Some(&user.device_key),
    };
    let challenged = srp_flow::sign_in(api, &s).await?;
    let challenge = challenged.get("ChallengeName").and_then(Value::as_str);
    if challenge != Some("DEVICE_SRP_AUTH") {
        return Err(Failure::unexpected(format!("PASSWORD_VERIFIER answered challenge {challenge:?}, not DEVICE_SRP_AUTH")));
    }
    let username = challenged.pointer("/ChallengeParameters/USERNAME").and_then(Value::as_str).unwrap_or(&user.username);
    let (secret, srp_a) = srp::client::start();
    let start = json!({
        "ChallengeName": "DEVICE_SRP_AUTH",
        "ClientId": f.client_id,
        "ChallengeResponses": { "USERNAME": username, "DEVICE_KEY": user.device_key, "SRP_A": srp_a },
    });
    let verifier = api.call("RespondToAuthChallenge", &start).await?;
    let p = &verifier["ChallengeParameters"];
    let param = |name: &str| {
        p.get(name).and_then(Value::as_str).ok_or_else(|| Failure::unexpected(format!("no {name} in DEVICE_PASSWORD_VERIFIER")))
    };
    let timestamp = srp::format_timestamp(chrono::Utc::now());
    let block = param("SECRET_BLOCK")?;
    let challenge = srp::client::Challenge {
        pool_name: &user.group_key,
        user_id_for_srp: &user.device_key,
        password: &user.device_password,
        salt_hex: param("SALT")?,
        srp_b_hex: param("SRP_B")?,
        secret_block_b64: block,
        timestamp: &timestamp,
    };
    let signature = srp::client::respond(&secret, &challenge).map_err(|e| Failure::unexpected(format!("SRP client: {e}")))?;
    let answer = json!({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "ClientId": f.client_id,
        "ChallengeResponses": {
            "USERNAME": username,
            "DEVICE_KEY": user.device_key,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
    });
    let done = api.call("RespondToAuthChallenge", &answer).await?;
    access_token(&done).map(drop)
}
