//! Minting access, ID and refresh tokens with the claims the real service issues (docs/tokens.md).

use cognate_wire::shapes::AuthenticationResultType;
use serde::Serialize;
use serde_json::{Map, Value};

use super::keys::PoolKeys;
use crate::codes::{opaque_token, token_hash};
use crate::errors::{OrInternal, unexpected_error};
use crate::store::{ClientRecord, PoolRecord, RefreshRecord, UserRecord};
use crate::{ApiResult, App};

pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Access token claims, in the order Cognito writes them.
#[derive(Serialize)]
struct AccessClaims<'a> {
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_key: Option<&'a str>,
    #[serde(rename = "cognito:groups", skip_serializing_if = "Option::is_none")]
    groups: Option<&'a [String]>,
    iss: &'a str,
    client_id: &'a str,
    origin_jti: &'a str,
    event_id: &'a str,
    token_use: &'static str,
    scope: &'static str,
    auth_time: i64,
    exp: i64,
    iat: i64,
    jti: String,
    username: &'a str,
}

/// What a new set of tokens descends from.
pub struct Grant {
    /// The sign-in this set belongs to (kept across refreshes).
    pub origin_jti: String,
    /// When the user authenticated (kept across refreshes); `None` for a sign-in completing now, so
    /// that `auth_time` and `iat` are the same second, as on AWS.
    pub auth_time: Option<i64>,
    /// Whether to mint a refresh token (sign-in, or refresh with rotation).
    pub with_refresh: bool,
    /// When that refresh token expires: `None` for the app client's RefreshTokenValidity from now
    /// (a sign-in); a rotated token keeps the expiry of the one it replaces, so that refreshing
    /// cannot stretch a sign-in for ever (AWS, Refresh tokens: the new refresh token is valid for
    /// the remaining time of the original).
    pub refresh_expires_ms: Option<i64>,
    /// The device the sign-in is on (pools that track devices): the access token's `device_key`
    /// claim, and the device the refresh token is bound to.
    pub device_key: Option<String>,
}

impl Grant {
    pub fn new_sign_in() -> Self {
        Grant { origin_jti: crate::ids::uuid(), auth_time: None, with_refresh: true, refresh_expires_ms: None, device_key: None }
    }

    /// New tokens for the sign-in `record` belongs to; with `rotate`, a new refresh token expiring
    /// with `record`.
    pub fn refreshing(record: &RefreshRecord, rotate: bool) -> Self {
        Grant {
            origin_jti: record.origin_jti.clone(),
            auth_time: Some(record.auth_time),
            with_refresh: rotate,
            refresh_expires_ms: Some(record.expires_ms),
            device_key: record.device_key.clone(),
        }
    }
}

/// Seconds per unit of `TokenValidityUnits`.
pub fn unit_seconds(unit: Option<&str>, default: &str) -> i64 {
    match unit.unwrap_or(default) {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86400,
    }
}

fn validity_secs(value: Option<i64>, unit: Option<&str>, default_unit: &str, default_secs: i64) -> i64 {
    match value {
        Some(v) if v > 0 => v * unit_seconds(unit, default_unit),
        _ => default_secs,
    }
}

/// Token lifetimes of a client, in seconds: (access, id, refresh).
pub fn lifetimes(client: &ClientRecord) -> (i64, i64, i64) {
    let s = &client.settings;
    let units = s.token_validity_units.clone().unwrap_or_default();
    (
        validity_secs(s.access_token_validity, units.access_token.as_deref(), "hours", 3600),
        validity_secs(s.id_token_validity, units.id_token.as_deref(), "hours", 3600),
        validity_secs(s.refresh_token_validity, units.refresh_token.as_deref(), "days", 30 * 86400),
    )
}

/// Attribute values as ID-token claims: `*_verified` are booleans, everything else strings.
fn attribute_claim(name: &str, value: &str) -> Value {
    if name.ends_with("_verified") {
        return Value::Bool(value == "true");
    }
    Value::String(value.to_string())
}

impl App {
    /// Mint tokens for `user` signed in through `client`.
    pub async fn issue_tokens(
        &self,
        pool: &PoolRecord,
        client: &ClientRecord,
        user: &UserRecord,
        grant: Grant,
    ) -> ApiResult<AuthenticationResultType> {
        let keys = self.pool_keys(&pool.id).await?;
        let groups = self.store.groups_of_user(&pool.id, &user.username_key, None, 100).await.or_internal()?;
        let group_names: Vec<String> = groups.items.into_iter().map(|g| g.name).collect();
        let now = self.clock.now_secs();
        let auth_time = grant.auth_time.unwrap_or(now);
        let (access_s, id_s, refresh_s) = lifetimes(client);
        let iss = self.issuer(&pool.id);
        // Cognito's event_id is the x-amzn-RequestId of the answer that carries the tokens.
        let event_id = crate::request_id::current().map_or_else(crate::ids::uuid, |id| id.to_string());
        let groups = (!group_names.is_empty()).then_some(group_names.as_slice());

        let access = AccessClaims {
            sub: &user.sub,
            device_key: grant.device_key.as_deref(),
            groups,
            iss: &iss,
            client_id: &client.client_id,
            origin_jti: &grant.origin_jti,
            event_id: &event_id,
            token_use: "access",
            scope: ADMIN_SCOPE,
            auth_time,
            exp: now + access_s,
            iat: now,
            jti: crate::ids::uuid(),
            username: &user.username,
        };
        let id_claims = self.id_claims(client, user, groups, &iss, &grant.origin_jti, auth_time, &event_id, now, id_s);
        let (access_token, id_token) = sign_both(&keys, &access, &id_claims)?;

        let refresh_token = if grant.with_refresh {
            let token = opaque_token(96);
            let record = RefreshRecord {
                id_hash: token_hash(&token),
                pool_id: pool.id.clone(),
                client_id: client.client_id.clone(),
                username_key: user.username_key.clone(),
                origin_jti: grant.origin_jti.clone(),
                auth_time,
                created_ms: self.now_ms(),
                expires_ms: grant.refresh_expires_ms.unwrap_or(self.now_ms() + refresh_s * 1000),
                revoked: false,
                replaced_ms: None,
                device_key: grant.device_key.clone(),
            };
            self.store.put_refresh(&record).await.or_internal()?;
            Some(token)
        } else {
            None
        };
        Ok(AuthenticationResultType {
            access_token: Some(access_token),
            expires_in: Some(access_s),
            token_type: Some("Bearer".into()),
            refresh_token,
            id_token: Some(id_token),
            new_device_metadata: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn id_claims(
        &self,
        client: &ClientRecord,
        user: &UserRecord,
        groups: Option<&[String]>,
        iss: &str,
        origin_jti: &str,
        auth_time: i64,
        event_id: &str,
        now: i64,
        id_s: i64,
    ) -> Map<String, Value> {
        let can_read = |name: &str| crate::attribute_access::client_may_read(&client.settings, name);
        let mut c = Map::new();
        c.insert("sub".into(), Value::String(user.sub.clone()));
        if let Some(g) = groups {
            c.insert("cognito:groups".into(), Value::from(g.to_vec()));
        }
        for flag in ["email_verified", "phone_number_verified"] {
            if let Some(v) = user.attribute(flag).filter(|_| can_read(flag)) {
                c.insert(flag.into(), attribute_claim(flag, v));
            }
        }
        c.insert("iss".into(), Value::String(iss.to_string()));
        c.insert("cognito:username".into(), Value::String(user.username.clone()));
        c.insert("origin_jti".into(), Value::String(origin_jti.to_string()));
        c.insert("aud".into(), Value::String(client.client_id.clone()));
        c.insert("event_id".into(), Value::String(event_id.to_string()));
        c.insert("token_use".into(), Value::String("id".into()));
        c.insert("auth_time".into(), Value::from(auth_time));
        for (name, value) in &user.data.attributes {
            if name.ends_with("_verified") || !can_read(name) {
                continue;
            }
            c.insert(name.clone(), attribute_claim(name, value));
        }
        c.insert("exp".into(), Value::from(now + id_s));
        c.insert("iat".into(), Value::from(now));
        c.insert("jti".into(), Value::String(crate::ids::uuid()));
        c
    }
}

fn sign_both(keys: &PoolKeys, access: &AccessClaims<'_>, id: &Map<String, Value>) -> ApiResult<(String, String)> {
    let sign_err = |e: cognate_crypto::jwt::JwtError| unexpected_error("token signing failed", &e);
    Ok((keys.access.sign(access).map_err(sign_err)?, keys.id.sign(id).map_err(sign_err)?))
}
