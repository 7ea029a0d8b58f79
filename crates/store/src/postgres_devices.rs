//! PostgreSQL implementation of [`DeviceStore`]: each call is one statement, the update a
//! conditional one on the device's version, so nodes sharing the database see one another's writes.

use async_trait::async_trait;
use cognate_core::store::*;

use crate::device_cursor::{next_after, start_after};
use crate::json::to_text;
use crate::postgres::{PgStore, backend, is_unique_violation, page, stale_or_missing};
use crate::rows::device_row;
use crate::sql::devices as q;

#[async_trait]
impl DeviceStore for PgStore {
    async fn create_device(&self, d: &DeviceRecord) -> StoreResult<()> {
        let res = sqlx::query(q::INSERT_DEVICE)
            .bind(&d.device_key)
            .bind(&d.pool_id)
            .bind(&d.username_key)
            .bind(d.created_ms)
            .bind(d.confirmed as i64)
            .bind(to_text(&d.data)?)
            .bind(d.version)
            .execute(&self.write)
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(d.device_key.clone())),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<DeviceRecord>> {
        // Read through the writer: ConfirmDevice and the device's first sign-in often follow, on
        // another node, the request that issued or confirmed the device.
        let row = sqlx::query(q::DEVICE).bind(pool_id).bind(device_key).fetch_optional(&self.write).await.map_err(backend)?;
        row.as_ref().map(device_row).transpose()
    }

    async fn update_device(&self, d: &DeviceRecord) -> StoreResult<()> {
        let res = sqlx::query(q::UPDATE_DEVICE)
            .bind(d.confirmed as i64)
            .bind(to_text(&d.data)?)
            .bind(d.version)
            .bind(&d.pool_id)
            .bind(&d.device_key)
            .bind(d.version - 1)
            .execute(&self.write)
            .await
            .map_err(backend)?;
        if res.rows_affected() == 1 {
            return Ok(());
        }
        Err(stale_or_missing(sqlx::query(q::DEVICE_EXISTS).bind(&d.pool_id).bind(&d.device_key), &self.write).await)
    }

    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool> {
        let res = sqlx::query(q::DELETE_DEVICE).bind(pool_id).bind(device_key).execute(&self.write).await.map_err(backend)?;
        Ok(res.rows_affected() > 0)
    }

    async fn list_devices(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<DeviceRecord>> {
        let Some((created_ms, device_key)) = start_after(after) else {
            return Ok(Page { items: Vec::new(), next: None });
        };
        let rows = sqlx::query(q::DEVICES_AFTER)
            .bind(pool_id)
            .bind(username_key)
            .bind(created_ms)
            .bind(device_key)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
            .fetch_all(&self.read)
            .await
            .map_err(backend)?;
        let items = rows.iter().map(device_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(page(items, limit, next_after))
    }
}
