//! Challenge sessions: the opaque `Session` string the client carries from one step to the next.
//! Stored by hash, bound to the user and the app client, single-use, and valid for the client's
//! AuthSessionValidity (spec §3.12).

use serde_json::Value;

use super::SignIn;
use crate::app::internal;
use crate::codes::{opaque_token, token_hash};
use crate::store::{AuthSession, UserRecord};
use crate::{ApiError, ApiResult, App, api_error};

/// Minutes a session stays valid: the client's AuthSessionValidity (3 to 15, default 3).
pub fn validity_ms(s: &SignIn) -> i64 {
    s.client.settings.auth_session_validity.unwrap_or(3).clamp(3, 15) * 60_000
}

/// Start a session for `challenge`; returns the string to hand to the client.
pub async fn create(app: &App, s: &SignIn, user: &UserRecord, challenge: &str, state: Value) -> ApiResult<String> {
    create_for(app, s, &user.username_key, challenge, state).await
}

/// Start a session for whoever `username_key` names, which may be nobody: USER_AUTH's decoys for
/// unknown users (PreventUserExistenceErrors) are sessions like any other, so answering them fails
/// the way a real user's wrong answer does.
pub async fn create_for(app: &App, s: &SignIn, username_key: &str, challenge: &str, state: Value) -> ApiResult<String> {
    // Real sessions are long opaque blobs; 192 random bytes give a similar length and alphabet.
    let token = opaque_token(192);
    let now = app.now_ms();
    let session = AuthSession {
        id_hash: token_hash(&token),
        pool_id: s.pool.id.clone(),
        client_id: s.client.client_id.clone(),
        username_key: username_key.to_string(),
        challenge: challenge.to_string(),
        state,
        created_ms: now,
        expires_ms: now + validity_ms(s),
        failures: 0,
        used: false,
    };
    app.store.put_session(&session).await.map_err(internal)?;
    Ok(token)
}

pub fn invalid_session() -> ApiError {
    api_error!(NotAuthorizedException, "Invalid session for the user.")
}

/// Load a live session of this client, not yet used and not expired.
pub async fn load(app: &App, s: &SignIn, token: Option<&str>) -> ApiResult<AuthSession> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(invalid_session)?;
    let session = app.store.get_session(&token_hash(token)).await.map_err(internal)?.ok_or_else(invalid_session)?;
    if session.client_id != s.client.client_id || session.pool_id != s.pool.id {
        return Err(invalid_session());
    }
    if session.used {
        return Err(api_error!(NotAuthorizedException, "Invalid session for the user, session can only be used once."));
    }
    if app.now_ms() > session.expires_ms {
        return Err(api_error!(NotAuthorizedException, "Invalid session for the user, session is expired."));
    }
    Ok(session)
}

/// Use a session up. Of two concurrent answers, only one gets through.
pub async fn consume(app: &App, session: &AuthSession) -> ApiResult<()> {
    if app.store.consume_session(&session.id_hash).await.map_err(internal)? {
        Ok(())
    } else {
        Err(api_error!(NotAuthorizedException, "Invalid session for the user, session can only be used once."))
    }
}
