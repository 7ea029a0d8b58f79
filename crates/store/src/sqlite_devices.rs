//! SQLite implementation of [`DeviceStore`]: every write is one job of the writer thread's group
//! transaction, like the directory's.

use async_trait::async_trait;
use cognate_core::store::*;
use rusqlite::params;

use crate::device_cursor::{next_after, start_after};
use crate::json::to_text;
use crate::rows::device_row;
use crate::sql::devices as q;
use crate::sqlite::{SqliteStore, all, insert, one, page, page_size, run, stale_or_missing};

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn create_device(&self, d: &DeviceRecord) -> StoreResult<()> {
        let data = to_text(&d.data)?;
        let d = d.clone();
        self.write(move |c| {
            let args = params![d.device_key, d.pool_id, d.username_key, d.created_ms, d.confirmed, data, d.version];
            insert(c, q::INSERT_DEVICE, args, &d.device_key)
        })
        .await
    }

    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<DeviceRecord>> {
        self.read(|c| one(c, q::DEVICE, [pool_id, device_key], |r| device_row(r)))
    }

    async fn update_device(&self, d: &DeviceRecord) -> StoreResult<()> {
        let data = to_text(&d.data)?;
        let (pool_id, device_key, confirmed, version) = (d.pool_id.clone(), d.device_key.clone(), d.confirmed, d.version);
        self.write(move |c| {
            let n = run(c, q::UPDATE_DEVICE, params![confirmed, data, version, pool_id, device_key, version - 1])?;
            if n == 1 { Ok(()) } else { Err(stale_or_missing(c, q::DEVICE_EXISTS, [&pool_id, &device_key])) }
        })
        .await
    }

    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool> {
        let args = [pool_id.to_string(), device_key.to_string()];
        self.write(move |c| Ok(run(c, q::DELETE_DEVICE, args)? > 0)).await
    }

    async fn list_devices(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Page<DeviceRecord>> {
        let Some((created_ms, device_key)) = start_after(after) else {
            return Ok(Page { items: Vec::new(), next: None });
        };
        let items = self.read(|c| {
            let args = params![pool_id, username_key, created_ms, device_key, page_size(limit)];
            all(c, q::DEVICES_AFTER, args, |r| device_row(r))
        })?;
        Ok(page(items, limit, next_after))
    }
}
