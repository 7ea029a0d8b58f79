//! Rows to records, shared by the SQLite (rusqlite) and PostgreSQL (sqlx) stores: both keep the same
//! columns with types that decode to the same Rust types (TEXT as String, INTEGER/BIGINT as i64,
//! BLOB/BYTEA as bytes), read through the small [`Columns`] trait each driver's row implements.

use cognate_core::store::*;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgRow, Postgres};
use sqlx::{Decode, Row, Type};

use crate::json::{from_bytes, from_text};

fn decode(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("unreadable row: {e}"))
}

/// A column type both drivers decode.
pub(crate) trait Value: rusqlite::types::FromSql + for<'r> Decode<'r, Postgres> + Type<Postgres> {}
impl<T: rusqlite::types::FromSql + for<'r> Decode<'r, Postgres> + Type<Postgres>> Value for T {}

/// Named column access on one row of either driver.
pub(crate) trait Columns {
    fn get<T: Value>(&self, name: &str) -> StoreResult<T>;
    /// A JSON document stored as TEXT.
    fn json<T: DeserializeOwned>(&self, name: &str) -> StoreResult<T>;
}

impl Columns for PgRow {
    fn get<T: Value>(&self, name: &str) -> StoreResult<T> {
        self.try_get(name).map_err(decode)
    }

    fn json<T: DeserializeOwned>(&self, name: &str) -> StoreResult<T> {
        from_text(self.try_get::<&str, _>(name).map_err(decode)?)
    }
}

impl Columns for rusqlite::Row<'_> {
    fn get<T: Value>(&self, name: &str) -> StoreResult<T> {
        rusqlite::Row::get(self, name).map_err(decode)
    }

    /// Parsed straight from SQLite's buffer, without copying the text into a String first.
    fn json<T: DeserializeOwned>(&self, name: &str) -> StoreResult<T> {
        match self.get_ref(name).map_err(decode)? {
            rusqlite::types::ValueRef::Text(bytes) => from_bytes(bytes),
            other => Err(decode(format!("column {name} is {:?}, not TEXT", other.data_type()))),
        }
    }
}

pub(crate) fn pool_row<R: Columns>(r: &R) -> StoreResult<PoolRecord> {
    Ok(PoolRecord {
        id: r.get("id")?,
        name: r.get("name")?,
        created_ms: r.get("created_ms")?,
        modified_ms: r.get("modified_ms")?,
        settings: r.json("settings")?,
        mfa: r.json("mfa")?,
        version: r.get("version")?,
    })
}

pub(crate) fn client_row<R: Columns>(r: &R) -> StoreResult<ClientRecord> {
    Ok(ClientRecord {
        client_id: r.get("client_id")?,
        pool_id: r.get("pool_id")?,
        name: r.get("name")?,
        created_ms: r.get("created_ms")?,
        modified_ms: r.get("modified_ms")?,
        settings: r.json("settings")?,
        version: r.get("version")?,
    })
}

pub(crate) fn user_row<R: Columns>(r: &R) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        pool_id: r.get("pool_id")?,
        username_key: r.get("username_key")?,
        username: r.get("username")?,
        sub: r.get("sub")?,
        created_ms: r.get("created_ms")?,
        modified_ms: r.get("modified_ms")?,
        data: r.json("data")?,
        keys: r.json("keys")?,
        version: r.get("version")?,
    })
}

pub(crate) fn group_row<R: Columns>(r: &R) -> StoreResult<GroupRecord> {
    Ok(GroupRecord {
        pool_id: r.get("pool_id")?,
        name: r.get("name")?,
        created_ms: r.get("created_ms")?,
        modified_ms: r.get("modified_ms")?,
        settings: r.json("settings")?,
    })
}

pub(crate) fn key_row<R: Columns>(r: &R) -> StoreResult<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        pool_id: r.get("pool_id")?,
        purpose: r.get("purpose")?,
        kid: r.get("kid")?,
        private_der: r.get("private_der")?,
        created_ms: r.get("created_ms")?,
    })
}

pub(crate) fn session_row<R: Columns>(r: &R) -> StoreResult<AuthSession> {
    Ok(AuthSession {
        id_hash: r.get("id_hash")?,
        pool_id: r.get("pool_id")?,
        client_id: r.get("client_id")?,
        username_key: r.get("username_key")?,
        challenge: r.get("challenge")?,
        state: r.json("state")?,
        created_ms: r.get("created_ms")?,
        expires_ms: r.get("expires_ms")?,
        failures: r.get("failures")?,
        used: r.get::<i64>("used")? != 0,
    })
}

pub(crate) fn code_row<R: Columns>(r: &R) -> StoreResult<CodeRecord> {
    Ok(CodeRecord {
        pool_id: r.get("pool_id")?,
        username_key: r.get("username_key")?,
        purpose: r.get("purpose")?,
        code_hash: r.get("code_hash")?,
        expires_ms: r.get("expires_ms")?,
        failures: r.get("failures")?,
        created_ms: r.get("created_ms")?,
    })
}

pub(crate) fn refresh_row<R: Columns>(r: &R) -> StoreResult<RefreshRecord> {
    Ok(RefreshRecord {
        id_hash: r.get("id_hash")?,
        pool_id: r.get("pool_id")?,
        client_id: r.get("client_id")?,
        username_key: r.get("username_key")?,
        origin_jti: r.get("origin_jti")?,
        auth_time: r.get("auth_time")?,
        created_ms: r.get("created_ms")?,
        expires_ms: r.get("expires_ms")?,
        revoked: r.get::<i64>("revoked")? != 0,
        replaced_ms: r.get("replaced_ms")?,
        device_key: r.get("device_key")?,
    })
}

pub(crate) fn device_row<R: Columns>(r: &R) -> StoreResult<DeviceRecord> {
    Ok(DeviceRecord {
        pool_id: r.get("pool_id")?,
        device_key: r.get("device_key")?,
        username_key: r.get("username_key")?,
        created_ms: r.get("created_ms")?,
        confirmed: r.get::<i64>("confirmed")? != 0,
        data: r.json("data")?,
        version: r.get("version")?,
    })
}
