//! SQLite implementation of the sign-in state traits (keys, sessions, codes, refresh tokens).
//! Every check-and-set is one statement inside the writer's transaction.

use async_trait::async_trait;
use cognate_core::store::*;
use rusqlite::params;

use crate::json::to_text;
use crate::rows::{code_row, key_row, refresh_row, session_row};
use crate::sql::sign_in as q;
use crate::sqlite::{SqliteStore, all, one, run};
use crate::sqlite_engine::backend;

#[async_trait]
impl KeyStore for SqliteStore {
    async fn signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
        self.read(|c| all(c, q::SIGNING_KEYS, [pool_id], |r| key_row(r)))
    }

    async fn add_signing_key_if_absent(&self, k: &SigningKeyRecord) -> StoreResult<SigningKeyRecord> {
        let k = k.clone();
        self.write(move |c| {
            run(c, q::ADD_SIGNING_KEY_IF_ABSENT, params![k.pool_id, k.purpose, k.kid, k.private_der, k.created_ms])?;
            one(c, q::SIGNING_KEY, [&k.pool_id, &k.purpose], |r| key_row(r))?
                .ok_or_else(|| StoreError::Backend("signing key vanished right after it was stored".into()))
        })
        .await
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn put_session(&self, s: &AuthSession) -> StoreResult<()> {
        let state = to_text(&s.state)?;
        let s = s.clone();
        self.write(move |c| {
            run(
                c,
                q::INSERT_SESSION,
                params![
                    s.id_hash,
                    s.pool_id,
                    s.client_id,
                    s.username_key,
                    s.challenge,
                    state,
                    s.created_ms,
                    s.expires_ms,
                    s.failures,
                    s.used
                ],
            )
            .map(drop)
        })
        .await
    }

    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<AuthSession>> {
        // A WAL reader sees every committed write, including one another process made a moment ago.
        self.read(|c| one(c, q::SESSION, [id_hash], |r| session_row(r)))
    }

    async fn consume_session(&self, id_hash: &str) -> StoreResult<bool> {
        let id = id_hash.to_string();
        self.write(move |c| Ok(run(c, q::CONSUME_SESSION, [&id])? == 1)).await
    }

    async fn claim_session_attempt(&self, id_hash: &str, limit: i64) -> StoreResult<Option<i64>> {
        let id = id_hash.to_string();
        self.write(move |c| one(c, q::CLAIM_SESSION_ATTEMPT, params![id, limit], |r| r.get::<_, i64>(0).map_err(backend))).await
    }
}

#[async_trait]
impl CodeStore for SqliteStore {
    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()> {
        let k = code.clone();
        self.write(move |c| {
            run(c, q::PUT_CODE, params![k.pool_id, k.username_key, k.purpose, k.code_hash, k.expires_ms, k.failures, k.created_ms])
                .map(drop)
        })
        .await
    }

    async fn get_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> StoreResult<Option<CodeRecord>> {
        self.read(|c| one(c, q::CODE, [pool_id, username_key, purpose], |r| code_row(r)))
    }

    async fn consume_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> StoreResult<bool> {
        let args = [pool_id.to_string(), username_key.to_string(), purpose.to_string(), code_hash.to_string()];
        self.write(move |c| Ok(run(c, q::CONSUME_CODE, args)? == 1)).await
    }

    async fn claim_code_attempt(&self, pool_id: &str, username_key: &str, purpose: &str, limit: i64) -> StoreResult<Option<CodeRecord>> {
        let (pool_id, username_key, purpose) = (pool_id.to_string(), username_key.to_string(), purpose.to_string());
        self.write(move |c| one(c, q::CLAIM_CODE_ATTEMPT, params![pool_id, username_key, purpose, limit], |r| code_row(r))).await
    }

    async fn claim_window_attempt(&self, key: &AttemptKey, window: &AttemptWindow) -> StoreResult<bool> {
        let (k, w) = (key.clone(), *window);
        self.write(move |c| {
            let args = params![k.pool_id, k.username_key, k.purpose, w.now_ms, w.now_ms.saturating_sub(w.length_ms), w.limit];
            Ok(one(c, q::CLAIM_WINDOW_ATTEMPT, args, |r| r.get::<_, i64>(0).map_err(backend))?.is_some())
        })
        .await
    }

    async fn clear_window(&self, key: &AttemptKey) -> StoreResult<()> {
        let args = [key.pool_id.clone(), key.username_key.clone(), key.purpose.clone()];
        self.write(move |c| run(c, q::CLEAR_WINDOW, args).map(drop)).await
    }
}

#[async_trait]
impl RefreshStore for SqliteStore {
    async fn put_refresh(&self, t: &RefreshRecord) -> StoreResult<()> {
        let t = t.clone();
        self.write(move |c| {
            run(
                c,
                q::INSERT_REFRESH,
                params![
                    t.id_hash,
                    t.pool_id,
                    t.client_id,
                    t.username_key,
                    t.origin_jti,
                    t.auth_time,
                    t.created_ms,
                    t.expires_ms,
                    t.revoked,
                    t.replaced_ms,
                    t.device_key
                ],
            )
            .map(drop)
        })
        .await
    }

    async fn get_refresh(&self, id_hash: &str) -> StoreResult<Option<RefreshRecord>> {
        self.read(|c| one(c, q::REFRESH, [id_hash], |r| refresh_row(r)))
    }

    async fn revoke_refresh_family(&self, pool_id: &str, origin_jti: &str) -> StoreResult<()> {
        let args = [pool_id.to_string(), origin_jti.to_string()];
        self.write(move |c| run(c, q::REVOKE_REFRESH_FAMILY, args).map(drop)).await
    }

    async fn revoke_user_refresh(&self, pool_id: &str, username_key: &str) -> StoreResult<()> {
        let args = [pool_id.to_string(), username_key.to_string()];
        self.write(move |c| run(c, q::REVOKE_USER_REFRESH, args).map(drop)).await
    }

    async fn mark_refresh_replaced(&self, id_hash: &str, now_ms: i64) -> StoreResult<bool> {
        let id = id_hash.to_string();
        self.write(move |c| Ok(run(c, q::MARK_REFRESH_REPLACED, params![now_ms, id])? == 1)).await
    }
}

#[async_trait]
impl HealthStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| one(c, q::PING, [], |_| Ok(()))).map(drop)
    }

    async fn close(&self) {
        SqliteStore::close(self).await;
    }
}
