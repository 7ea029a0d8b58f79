//! Seeding through the API, as any client would: a pool (MFA optional: SMS and TOTP; first
//! factors PASSWORD, EMAIL_OTP and WEB_AUTHN with relying party `localhost`), an app client, then
//! users with a verified email created with AdminCreateUser (MessageAction SUPPRESS), given a
//! permanent password with AdminSetUserPassword and signed in with USER_PASSWORD_AUTH. Each user
//! costs the server three argon2id hashes, so seeding runs at roughly (hashes per second) / 3.
//! The first `passkey_users` of them then register a passkey with the software authenticator.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::api::{Api, Failure};
use crate::srp_flow::access_token;
use crate::totp_flow::{self, TotpUser};
use crate::user_auth_flow::{self, PasskeyUser};

pub const PASSWORD: &str = "Bench-password-9";

#[derive(Debug, Clone)]
pub struct SeededUser {
    pub username: String,
    pub access_token: String,
}

/// How many users of each kind to seed.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub users: usize,
    pub totp_users: usize,
    /// Of `users`, how many register a passkey (at most `users`).
    pub passkey_users: usize,
}

/// What the scenarios run against.
#[derive(Debug)]
pub struct Fixture {
    pub pool_id: String,
    pub client_id: String,
    pub users: Vec<SeededUser>,
    pub totp_users: Vec<TotpUser>,
    /// Users `0..passkey_users.len()` of `users`, each with a registered passkey.
    pub passkey_users: Vec<PasskeyUser>,
    pub seconds: f64,
}

#[derive(Clone)]
struct Target {
    api: Api,
    pool_id: String,
    client_id: String,
}

pub async fn seed(api: &Api, counts: Counts, concurrency: usize) -> Result<Fixture, Failure> {
    let Counts { users, totp_users, passkey_users } = counts;
    let started = Instant::now();
    let pool_id = create_pool(api).await?;
    let client_id = create_client(api, &pool_id).await?;
    let target = Target { api: api.clone(), pool_id: pool_id.clone(), client_id: client_id.clone() };
    let t = target.clone();
    let plain = in_parallel(users, concurrency, move |i| {
        let t = t.clone();
        async move { create_user(&t.api, &t.pool_id, &t.client_id, &format!("bench-{i:07}")).await }
    })
    .await?;
    let t = target.clone();
    let totp = in_parallel(totp_users, concurrency, move |i| {
        let t = t.clone();
        async move {
            let user = create_user(&t.api, &t.pool_id, &t.client_id, &format!("bench-totp-{i:07}")).await?;
            totp_flow::enroll(&t.api, &user.username, &user.access_token).await
        }
    })
    .await?;
    let with_passkeys = Arc::new(plain[..passkey_users.min(plain.len())].to_vec());
    let (t, w) = (target, with_passkeys.clone());
    let passkeys = in_parallel(with_passkeys.len(), concurrency, move |i| {
        let (t, w) = (t.clone(), w.clone());
        async move { user_auth_flow::register_passkey(&t.api, &w[i].username, &w[i].access_token).await }
    })
    .await?;
    Ok(Fixture { pool_id, client_id, users: plain, totp_users: totp, passkey_users: passkeys, seconds: started.elapsed().as_secs_f64() })
}

async fn create_pool(api: &Api) -> Result<String, Failure> {
    let name = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let policies = json!({ "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"] } });
    let created = api.admin("CreateUserPool", &json!({ "PoolName": name, "Policies": policies })).await?;
    let pool_id = created.pointer("/UserPool/Id").and_then(Value::as_str).ok_or_else(|| Failure::unexpected("no UserPool.Id"))?.to_string();
    let mfa = json!({
        "UserPoolId": pool_id,
        "MfaConfiguration": "OPTIONAL",
        "SmsMfaConfiguration": { "SmsAuthenticationMessage": "Code {####}" },
        "SoftwareTokenMfaConfiguration": { "Enabled": true },
        "WebAuthnConfiguration": { "RelyingPartyId": user_auth_flow::RELYING_PARTY_ID },
    });
    api.admin("SetUserPoolMfaConfig", &mfa).await?;
    Ok(pool_id)
}

pub async fn create_client(api: &Api, pool_id: &str) -> Result<String, Failure> {
    let body = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    let created = api.admin("CreateUserPoolClient", &body).await?;
    created
        .pointer("/UserPoolClient/ClientId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Failure::unexpected("no ClientId"))
}

/// A confirmed user with a phone number (so SMS MFA can be switched on) and a verified email (for
/// EMAIL_OTP sign-in), signed in.
pub async fn create_user(api: &Api, pool_id: &str, client_id: &str, username: &str) -> Result<SeededUser, Failure> {
    let mut created = admin_create_user(pool_id, username);
    if let Some(attributes) = created.get_mut("UserAttributes").and_then(Value::as_array_mut) {
        attributes.push(json!({ "Name": "email", "Value": format!("{username}@example.com") }));
        attributes.push(json!({ "Name": "email_verified", "Value": "true" }));
    }
    api.admin("AdminCreateUser", &created).await?;
    let password = json!({ "UserPoolId": pool_id, "Username": username, "Password": PASSWORD, "Permanent": true });
    api.admin("AdminSetUserPassword", &password).await?;
    let signed_in = api.call("InitiateAuth", &password_auth(client_id, username)).await?;
    Ok(SeededUser { username: username.to_string(), access_token: access_token(&signed_in)? })
}

pub fn admin_create_user(pool_id: &str, username: &str) -> Value {
    json!({
        "UserPoolId": pool_id,
        "Username": username,
        "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "phone_number", "Value": "+14155550100" }],
    })
}

pub fn password_auth(client_id: &str, username: &str) -> Value {
    json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": { "USERNAME": username, "PASSWORD": PASSWORD },
    })
}

/// Runs `make(i)` for i in 0..n with `concurrency` workers; the results in index order, or the
/// first failure.
pub async fn in_parallel<T, F, Fut>(n: usize, concurrency: usize, make: F) -> Result<Vec<T>, Failure>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, Failure>> + Send + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<Option<T>>>> = Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, n.max(1)) {
        let (make, next, results) = (make.clone(), next.clone(), results.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok(());
                }
                let value = make(i).await?;
                results.lock().await[i] = Some(value);
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.map_err(|e| Failure::unexpected(format!("seeding task: {e}")))??;
    }
    let results = std::mem::take(&mut *results.lock().await);
    Ok(results.into_iter().flatten().collect())
}
