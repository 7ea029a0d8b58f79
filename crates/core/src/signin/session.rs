//! Challenge sessions: the opaque `Session` string the client carries from one step to the next.
//! Stored by hash, bound to the user and the app client, single-use, and valid for the client's
//! AuthSessionValidity (AWS: "Session" in the InitiateAuth API reference).

use std::future::Future;

use super::ClientContext;
use super::errors::{invalid_session, session_expired, session_used};
use crate::attempt_windows;
use crate::codes::{opaque_token, token_hash};
use crate::errors::OrInternal;
use crate::store::{AuthSession, ChallengeState};
use crate::{ApiResult, App, ErrorCode};

/// Answers one session takes (docs/sign-in.md, Sessions); a wrong last one ends it.
const MAX_ANSWERS: i64 = 3;

fn record(now: i64, ctx: &ClientContext, token: &str, username_key: &str, state: ChallengeState) -> AuthSession {
    AuthSession {
        id_hash: token_hash(token),
        pool_id: ctx.pool.id.clone(),
        client_id: ctx.client.client_id.clone(),
        username_key: username_key.to_string(),
        challenge: state.record_name().to_string(),
        state,
        created_ms: now,
        expires_ms: now + ctx.session_validity_ms(),
        failures: 0,
        used: false,
    }
}

/// A new session for whoever `username_key` names (nobody, for a decoy); returns the string to
/// hand to the client.
pub async fn create(app: &App, ctx: &ClientContext, username_key: &str, state: ChallengeState) -> ApiResult<String> {
    // Real sessions are long opaque blobs; 192 random bytes give a similar length and alphabet.
    let token = opaque_token(192);
    store_under(app, ctx, &token, username_key, state).await?;
    Ok(token)
}

/// Store a session under a token the client already holds (SRP's SECRET_BLOCK, which stands in for
/// a session on PASSWORD_VERIFIER).
pub async fn store_under(app: &App, ctx: &ClientContext, token: &str, username_key: &str, state: ChallengeState) -> ApiResult<()> {
    app.store.put_session(&record(app.now_ms(), ctx, token, username_key, state)).await.or_internal()
}

/// The stored session a token names, if any, whatever its state.
pub async fn find(app: &App, token: &str) -> ApiResult<Option<AuthSession>> {
    app.store.get_session(&token_hash(token)).await.or_internal()
}

/// Refuse a used or expired session.
pub fn check_live(app: &App, session: &AuthSession) -> ApiResult<()> {
    check_live_at(session, app.now_ms())
}

fn check_live_at(session: &AuthSession, now_ms: i64) -> ApiResult<()> {
    if session.used {
        return Err(session_used());
    }
    if now_ms > session.expires_ms {
        return Err(session_expired());
    }
    Ok(())
}

/// A live session of this client, not yet used and not expired.
pub async fn load(app: &App, ctx: &ClientContext, token: Option<&str>) -> ApiResult<AuthSession> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(invalid_session)?;
    let session = find(app, token).await?.ok_or_else(invalid_session)?;
    if session.client_id != ctx.client.client_id || session.pool_id != ctx.pool.id {
        return Err(invalid_session());
    }
    check_live(app, &session)?;
    Ok(session)
}

/// Use a session up. Of two concurrent answers, only one gets through.
pub async fn consume(app: &App, session: &AuthSession) -> ApiResult<()> {
    if app.store.consume_session(&session.id_hash).await.or_internal()? { Ok(()) } else { Err(session_used()) }
}

/// Check a code answered to `session` (an MFA code, a one-time code as the first factor): the answer
/// is claimed first, in one store step that counts it and refuses once the session is used or has
/// taken [`MAX_ANSWERS`], then counted in the user's window of sign-in codes, and only then
/// compared by `check`. N concurrent answers make at most [`MAX_ANSWERS`] comparisons. A wrong last
/// answer ends the session; a right one clears the window. `check`'s `CodeMismatchException` is a
/// wrong answer; its other errors pass through.
pub async fn check_code<F, Fut>(app: &App, session: &AuthSession, check: F) -> ApiResult<()>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<()>>,
{
    let answers = app.store.claim_session_attempt(&session.id_hash, MAX_ANSWERS).await.or_internal()?.ok_or_else(session_used)?;
    let window = attempt_windows::key(&session.pool_id, &session.username_key, attempt_windows::SIGN_IN);
    attempt_windows::claim(app, &window, attempt_windows::sign_in_limit_exceeded).await?;
    match check().await {
        Ok(()) => attempt_windows::clear(app, &window).await,
        Err(e) if e.code == ErrorCode::CodeMismatchException => {
            if answers >= MAX_ANSWERS {
                let _ = app.store.consume_session(&session.id_hash).await;
            }
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Move a session on: the old one is used up and a new one, with `state`, replaces it (MFA_SETUP,
/// where AssociateSoftwareToken and VerifySoftwareToken each answer a new Session).
pub async fn replace(app: &App, old: &AuthSession, state: ChallengeState) -> ApiResult<String> {
    consume(app, old).await?;
    let token = opaque_token(192);
    let challenge = state.record_name().to_string();
    let session = AuthSession { id_hash: token_hash(&token), challenge, state, failures: 0, used: false, ..old.clone() };
    app.store.put_session(&session).await.or_internal()?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::signin::policy::mfa::tests::pool;
    use crate::store::ClientRecord;

    fn context(validity_minutes: Option<i64>) -> ClientContext {
        let settings = cognate_wire::shapes::UserPoolClientType { auth_session_validity: validity_minutes, ..Default::default() };
        let client = ClientRecord {
            client_id: "c".into(),
            pool_id: "p".into(),
            name: "n".into(),
            created_ms: 0,
            modified_ms: 0,
            settings,
            version: 1,
        };
        ClientContext { pool: pool("OFF", false, false, false), client, admin: false }
    }

    /// A session lives for the client's AuthSessionValidity (3 minutes by default, 3 to 15), to the
    /// millisecond, and a used one is refused whatever the time.
    #[test]
    fn session_expiry() {
        for (validity, minutes) in [(None, 3), (Some(1), 3), (Some(10), 10), (Some(60), 15)] {
            let clock = ManualClock::new(5_000);
            let ctx = context(validity);
            let session = record(clock.now_ms(), &ctx, "token", "alice", ChallengeState::SoftwareTokenMfa);
            clock.advance_ms(minutes * 60_000);
            assert!(check_live_at(&session, clock.now_ms()).is_ok(), "{validity:?}: alive at the last millisecond");
            clock.advance_ms(1);
            assert_eq!(check_live_at(&session, clock.now_ms()).unwrap_err(), session_expired(), "{validity:?}");
        }
        let used = AuthSession { used: true, ..record(0, &context(None), "t", "alice", ChallengeState::SoftwareTokenMfa) };
        assert_eq!(check_live_at(&used, 0).unwrap_err(), session_used());
    }

    #[test]
    fn the_record_names_its_challenge_and_keeps_only_the_hash() {
        let r = record(0, &context(None), "token", "alice", ChallengeState::MfaSetup { totp_verified: false });
        assert_eq!((r.challenge.as_str(), r.id_hash.as_str()), ("MFA_SETUP", token_hash("token").as_str()));
    }
}
