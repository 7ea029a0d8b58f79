//! PostgreSQL implementation of the sign-in state traits (keys, sessions, codes, refresh tokens).

use async_trait::async_trait;
use cognate_core::store::*;

use crate::json::to_text;
use crate::postgres::{PgStore, backend};
use crate::rows::{code_row, key_row, refresh_row, session_row};
use crate::sql::sign_in as q;

#[async_trait]
impl KeyStore for PgStore {
    async fn signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(q::SIGNING_KEYS).bind(pool_id).fetch_all(&self.read).await.map_err(backend)?;
        rows.iter().map(key_row).collect()
    }

    async fn add_signing_key_if_absent(&self, k: &SigningKeyRecord) -> StoreResult<SigningKeyRecord> {
        sqlx::query(q::ADD_SIGNING_KEY_IF_ABSENT)
            .bind(&k.pool_id)
            .bind(&k.purpose)
            .bind(&k.kid)
            .bind(&k.private_der)
            .bind(k.created_ms)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        let row = sqlx::query(q::SIGNING_KEY).bind(&k.pool_id).bind(&k.purpose).fetch_one(&self.write).await.map_err(backend)?;
        key_row(&row)
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn put_session(&self, s: &AuthSession) -> StoreResult<()> {
        sqlx::query(q::INSERT_SESSION)
            .bind(&s.id_hash)
            .bind(&s.pool_id)
            .bind(&s.client_id)
            .bind(&s.username_key)
            .bind(&s.challenge)
            .bind(to_text(&s.state)?)
            .bind(s.created_ms)
            .bind(s.expires_ms)
            .bind(s.failures)
            .bind(s.used as i64)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<AuthSession>> {
        // Read through the writer: a session is often read right after another node's request wrote it.
        let row = sqlx::query(q::SESSION).bind(id_hash).fetch_optional(&self.write).await.map_err(backend)?;
        row.as_ref().map(session_row).transpose()
    }

    async fn consume_session(&self, id_hash: &str) -> StoreResult<bool> {
        let res = sqlx::query(q::CONSUME_SESSION).bind(id_hash).execute(&self.write).await.map_err(backend)?;
        Ok(res.rows_affected() == 1)
    }

    async fn claim_session_attempt(&self, id_hash: &str, limit: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(q::CLAIM_SESSION_ATTEMPT).bind(id_hash).bind(limit).fetch_optional(&self.write).await.map_err(backend)
    }
}

#[async_trait]
impl CodeStore for PgStore {
    async fn put_code(&self, c: &CodeRecord) -> StoreResult<()> {
        sqlx::query(q::PUT_CODE)
            .bind(&c.pool_id)
            .bind(&c.username_key)
            .bind(&c.purpose)
            .bind(&c.code_hash)
            .bind(c.expires_ms)
            .bind(c.failures)
            .bind(c.created_ms)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> StoreResult<Option<CodeRecord>> {
        let row = sqlx::query(q::CODE).bind(pool_id).bind(username_key).bind(purpose).fetch_optional(&self.write).await.map_err(backend)?;
        row.as_ref().map(code_row).transpose()
    }

    async fn consume_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> StoreResult<bool> {
        let res = sqlx::query(q::CONSUME_CODE)
            .bind(pool_id)
            .bind(username_key)
            .bind(purpose)
            .bind(code_hash)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(res.rows_affected() == 1)
    }

    async fn claim_code_attempt(&self, pool_id: &str, username_key: &str, purpose: &str, limit: i64) -> StoreResult<Option<CodeRecord>> {
        let row = sqlx::query(q::CLAIM_CODE_ATTEMPT)
            .bind(pool_id)
            .bind(username_key)
            .bind(purpose)
            .bind(limit)
            .fetch_optional(&self.write)
            .await
            .map_err(backend)?;
        row.as_ref().map(code_row).transpose()
    }

    async fn claim_window_attempt(&self, key: &AttemptKey, window: &AttemptWindow) -> StoreResult<bool> {
        let counted: Option<i64> = sqlx::query_scalar(q::CLAIM_WINDOW_ATTEMPT)
            .bind(&key.pool_id)
            .bind(&key.username_key)
            .bind(&key.purpose)
            .bind(window.now_ms)
            .bind(window.now_ms.saturating_sub(window.length_ms))
            .bind(window.limit)
            .fetch_optional(&self.write)
            .await
            .map_err(backend)?;
        Ok(counted.is_some())
    }

    async fn clear_window(&self, key: &AttemptKey) -> StoreResult<()> {
        sqlx::query(q::CLEAR_WINDOW)
            .bind(&key.pool_id)
            .bind(&key.username_key)
            .bind(&key.purpose)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl RefreshStore for PgStore {
    async fn put_refresh(&self, t: &RefreshRecord) -> StoreResult<()> {
        sqlx::query(q::INSERT_REFRESH)
            .bind(&t.id_hash)
            .bind(&t.pool_id)
            .bind(&t.client_id)
            .bind(&t.username_key)
            .bind(&t.origin_jti)
            .bind(t.auth_time)
            .bind(t.created_ms)
            .bind(t.expires_ms)
            .bind(t.revoked as i64)
            .bind(t.replaced_ms)
            .bind(&t.device_key)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get_refresh(&self, id_hash: &str) -> StoreResult<Option<RefreshRecord>> {
        let row = sqlx::query(q::REFRESH).bind(id_hash).fetch_optional(&self.write).await.map_err(backend)?;
        row.as_ref().map(refresh_row).transpose()
    }

    async fn revoke_refresh_family(&self, pool_id: &str, origin_jti: &str) -> StoreResult<()> {
        sqlx::query(q::REVOKE_REFRESH_FAMILY).bind(pool_id).bind(origin_jti).execute(&self.write).await.map_err(backend)?;
        Ok(())
    }

    async fn revoke_user_refresh(&self, pool_id: &str, username_key: &str) -> StoreResult<()> {
        sqlx::query(q::REVOKE_USER_REFRESH).bind(pool_id).bind(username_key).execute(&self.write).await.map_err(backend)?;
        Ok(())
    }

    async fn mark_refresh_replaced(&self, id_hash: &str, now_ms: i64) -> StoreResult<bool> {
        let res = sqlx::query(q::MARK_REFRESH_REPLACED).bind(now_ms).bind(id_hash).execute(&self.write).await.map_err(backend)?;
        Ok(res.rows_affected() == 1)
    }
}

#[async_trait]
impl HealthStore for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query(q::PING).execute(&self.read).await.map_err(backend)?;
        Ok(())
    }

    async fn close(&self) {
        PgStore::close(self).await;
    }
}
