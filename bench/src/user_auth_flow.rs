//! Client side of the USER_AUTH passwordless sign-ins: EMAIL_OTP with the code read from the
//! development outbox, and WEB_AUTHN answered by the software passkey authenticator. Also the
//! passkey registration done while seeding, and the per-user locks: a user is never in two
//! sign-ins at once (the outbox's newest code and the authenticator's counter belong to one
//! sign-in at a time).

use cognate_crypto::webauthn::soft_authenticator::SoftAuthenticator;
use serde_json::{Value, json};
use tokio::sync::{Mutex, MutexGuard};

use crate::api::{Api, Failure};
use crate::srp_flow::access_token;

/// The relying party of the seeded pool, and the origin the authenticator answers from (the
/// server's default origins for `localhost` accept `http://localhost:<port>`).
pub const RELYING_PARTY_ID: &str = "localhost";
pub const ORIGIN: &str = "http://localhost:8080";

/// A seeded user with one registered passkey. The mutex serialises its sign-ins, so every
/// assertion carries a higher signature counter than the last one the server saw.
pub struct PasskeyUser {
    pub username: String,
    pub authenticator: Mutex<SoftAuthenticator>,
}

impl std::fmt::Debug for PasskeyUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyUser").field("username", &self.username).finish_non_exhaustive()
    }
}

/// StartWebAuthnRegistration, the authenticator's answer, CompleteWebAuthnRegistration.
pub async fn register_passkey(api: &Api, username: &str, access_token: &str) -> Result<PasskeyUser, Failure> {
    let started = api.call("StartWebAuthnRegistration", &json!({ "AccessToken": access_token })).await?;
    let options = started.get("CredentialCreationOptions").ok_or_else(|| Failure::unexpected("no CredentialCreationOptions"))?;
    let mut authenticator = SoftAuthenticator::es256();
    let credential = authenticator.create(options, ORIGIN);
    api.call("CompleteWebAuthnRegistration", &json!({ "AccessToken": access_token, "Credential": credential })).await?;
    Ok(PasskeyUser { username: username.to_string(), authenticator: Mutex::new(authenticator) })
}

/// One lock per seeded user for `user-auth-email-otp`.
pub struct UserLocks(Vec<Mutex<()>>);

impl UserLocks {
    pub fn new(n: usize) -> Self {
        UserLocks((0..n).map(|_| Mutex::new(())).collect())
    }

    /// A free user at or after `n` (round the list), or else waits for user `n`.
    pub async fn take(&self, n: usize) -> (usize, MutexGuard<'_, ()>) {
        take_free(&self.0, n, |m| m.try_lock().ok(), |m| m.lock()).await
    }
}

/// The first of `items` from index `n` onwards whose lock is free; if all are busy, waits for `n`.
pub async fn take_free<'a, T, G, Fut>(
    items: &'a [T],
    n: usize,
    try_lock: impl Fn(&'a T) -> Option<G>,
    lock: impl FnOnce(&'a T) -> Fut,
) -> (usize, G)
where
    Fut: std::future::Future<Output = G>,
{
    let len = items.len();
    for k in 0..len {
        let i = (n + k) % len;
        if let Some(guard) = try_lock(&items[i]) {
            return (i, guard);
        }
    }
    let i = n % len;
    (i, lock(&items[i]).await)
}

fn user_auth(client_id: &str, username: &str, preferred: &str) -> Value {
    json!({
        "AuthFlow": "USER_AUTH",
        "ClientId": client_id,
        "AuthParameters": { "USERNAME": username, "PREFERRED_CHALLENGE": preferred },
    })
}

fn email_otp_answer(client_id: &str, session: &str, username: &str, code: &str) -> Value {
    json!({
        "ChallengeName": "EMAIL_OTP",
        "ClientId": client_id,
        "Session": session,
        "ChallengeResponses": { "USERNAME": username, "EMAIL_OTP_CODE": code },
    })
}

fn web_authn_answer(client_id: &str, session: &str, username: &str, credential: &Value) -> Value {
    json!({
        "ChallengeName": "WEB_AUTHN",
        "ClientId": client_id,
        "Session": session,
        "ChallengeResponses": { "USERNAME": username, "CREDENTIAL": credential.to_string() },
    })
}

/// InitiateAuth USER_AUTH preferring `challenge`: the session and challenge parameters.
async fn challenge(api: &Api, client_id: &str, username: &str, challenge: &str) -> Result<(String, Value), Failure> {
    let out = api.call("InitiateAuth", &user_auth(client_id, username, challenge)).await?;
    let name = out.get("ChallengeName").and_then(Value::as_str);
    if name != Some(challenge) {
        return Err(Failure::unexpected(format!("USER_AUTH answered challenge {name:?}, not {challenge}")));
    }
    let session = out.get("Session").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no Session"))?.to_string();
    Ok((session, out.get("ChallengeParameters").cloned().unwrap_or(Value::Null)))
}

/// USER_AUTH with EMAIL_OTP, the newest outbox message's digits, RespondToAuthChallenge.
pub async fn email_otp_sign_in(api: &Api, pool_id: &str, client_id: &str, username: &str) -> Result<(), Failure> {
    let (session, _) = challenge(api, client_id, username, "EMAIL_OTP").await?;
    let outbox = api.admin_get(&format!("/_cognate/outbox?pool={pool_id}&user={username}&limit=1")).await?;
    let body = outbox.pointer("/Messages/0/Body").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no message in the outbox"))?;
    let code: String = body.chars().filter(char::is_ascii_digit).collect();
    let answer = api.call("RespondToAuthChallenge", &email_otp_answer(client_id, &session, username, &code)).await?;
    access_token(&answer).map(drop)
}

/// USER_AUTH with WEB_AUTHN, an assertion over CREDENTIAL_REQUEST_OPTIONS, RespondToAuthChallenge.
/// The caller holds the user's authenticator.
pub async fn web_authn_sign_in(api: &Api, client_id: &str, username: &str, authenticator: &mut SoftAuthenticator) -> Result<(), Failure> {
    let (session, parameters) = challenge(api, client_id, username, "WEB_AUTHN").await?;
    let options: Value = parameters
        .get("CREDENTIAL_REQUEST_OPTIONS")
        .and_then(Value::as_str)
        .and_then(|o| serde_json::from_str(o).ok())
        .ok_or_else(|| Failure::unexpected("no CREDENTIAL_REQUEST_OPTIONS JSON"))?;
    let credential = authenticator.get(&options, ORIGIN);
    let answer = api.call("RespondToAuthChallenge", &web_authn_answer(client_id, &session, username, &credential)).await?;
    access_token(&answer).map(drop)
}
