//! Whom a USER_AUTH sign-in names. `Unknown` only exists under PreventUserExistenceErrors=ENABLED:
//! every step then answers as it would for a real user, and none can complete.

use super::ClientContext;
use super::errors::invalid_session;
use super::params::{self, Params};
use crate::store::{AuthSession, PoolRecord, UserRecord};
use crate::{ApiResult, App, decoys, users};

pub enum Subject {
    User(Box<UserRecord>),
    Unknown(String),
}

impl Subject {
    pub fn username_key(&self, pool: &PoolRecord) -> String {
        match self {
            Subject::User(u) => u.username_key.clone(),
            Subject::Unknown(name) => users::username_key(&pool.settings, name),
        }
    }

    /// USER_ID_FOR_SRP: the internal username (a sub-like UUID in pools that sign in with email or
    /// phone number, where a decoy derives one: the same at every attempt, as a real user's is).
    pub async fn internal_name(&self, app: &App, pool: &PoolRecord) -> ApiResult<String> {
        match self {
            Subject::User(u) => Ok(u.username.clone()),
            Subject::Unknown(name) => decoy_internal_name(app, pool, name).await,
        }
    }

    pub fn is_decoy(&self) -> bool {
        matches!(self, Subject::Unknown(_))
    }
}

/// The USER_ID_FOR_SRP of an unknown user called `name`: the typed name, or in pools that sign in
/// with email or phone number a UUID derived from it ([`decoys`]).
pub async fn decoy_internal_name(app: &App, pool: &PoolRecord, name: &str) -> ApiResult<String> {
    if !users::uses_username_attributes(&pool.settings) {
        return Ok(name.to_string());
    }
    let bytes = decoys::derive(app, &pool.id, &users::username_key(&pool.settings, name), "user-id-for-srp").await?;
    Ok(decoys::uuid(&bytes))
}

/// Whether `name` (as the client sent it) refers to `user`: the internal username, the typed
/// username or an alias. amazon-cognito-identity-js sends USER_ID_FOR_SRP, pycognito the USERNAME
/// challenge parameter, others the typed name.
pub async fn names_user(app: &App, pool: &PoolRecord, user: &UserRecord, name: &str) -> ApiResult<bool> {
    if name == user.username || users::username_key(&pool.settings, name) == user.username_key {
        return Ok(true);
    }
    Ok(users::find(app, pool, name).await?.is_some_and(|u| u.username_key == user.username_key))
}

/// Whom an answer to `session` is from: the session's user, checked against the USERNAME the client
/// sent (and its SECRET_HASH); or, for a decoy session, the unknown name itself.
pub async fn of_session(app: &App, ctx: &ClientContext, session: &AuthSession, responses: &Params) -> ApiResult<Subject> {
    let username = params::required(responses, "USERNAME")?;
    if session.state.is_decoy() {
        ctx.check_secret_hash(params::secret_hash(responses), &[username])?;
        return Ok(Subject::Unknown(username.to_string()));
    }
    let user = users::find(app, &ctx.pool, &session.username_key).await?.ok_or_else(invalid_session)?;
    ctx.check_secret_hash(params::secret_hash(responses), &[username, &user.username])?;
    if !names_user(app, &ctx.pool, &user, username).await? {
        return Err(invalid_session());
    }
    Ok(Subject::User(Box::new(user)))
}
