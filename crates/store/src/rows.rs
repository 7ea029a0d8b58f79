//! Rows to records, shared by the SQLite and PostgreSQL stores: both keep the same columns with
//! types that decode to the same Rust types (TEXT as String, INTEGER/BIGINT as i64, BLOB/BYTEA as
//! bytes).

use cognate_core::store::*;
use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::json::from_text;

fn decode(e: sqlx::Error) -> StoreError {
    StoreError::Backend(format!("unreadable row: {e}"))
}

pub(crate) fn pool_row<R>(r: &R) -> StoreResult<PoolRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(PoolRecord {
        id: r.try_get("id").map_err(decode)?,
        name: r.try_get("name").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
        modified_ms: r.try_get("modified_ms").map_err(decode)?,
        settings: from_text(&r.try_get::<String, _>("settings").map_err(decode)?)?,
        mfa: from_text(&r.try_get::<String, _>("mfa").map_err(decode)?)?,
        version: r.try_get("version").map_err(decode)?,
    })
}

pub(crate) fn client_row<R>(r: &R) -> StoreResult<ClientRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(ClientRecord {
        client_id: r.try_get("client_id").map_err(decode)?,
        pool_id: r.try_get("pool_id").map_err(decode)?,
        name: r.try_get("name").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
        modified_ms: r.try_get("modified_ms").map_err(decode)?,
        settings: from_text(&r.try_get::<String, _>("settings").map_err(decode)?)?,
        version: r.try_get("version").map_err(decode)?,
    })
}

pub(crate) fn user_row<R>(r: &R) -> StoreResult<UserRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(UserRecord {
        pool_id: r.try_get("pool_id").map_err(decode)?,
        username_key: r.try_get("username_key").map_err(decode)?,
        username: r.try_get("username").map_err(decode)?,
        sub: r.try_get("sub").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
        modified_ms: r.try_get("modified_ms").map_err(decode)?,
        data: from_text(&r.try_get::<String, _>("data").map_err(decode)?)?,
        keys: from_text(&r.try_get::<String, _>("keys").map_err(decode)?)?,
        version: r.try_get("version").map_err(decode)?,
    })
}

pub(crate) fn group_row<R>(r: &R) -> StoreResult<GroupRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(GroupRecord {
        pool_id: r.try_get("pool_id").map_err(decode)?,
        name: r.try_get("name").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
        modified_ms: r.try_get("modified_ms").map_err(decode)?,
        settings: from_text(&r.try_get::<String, _>("settings").map_err(decode)?)?,
    })
}

pub(crate) fn key_row<R>(r: &R) -> StoreResult<SigningKeyRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(SigningKeyRecord {
        pool_id: r.try_get("pool_id").map_err(decode)?,
        purpose: r.try_get("purpose").map_err(decode)?,
        kid: r.try_get("kid").map_err(decode)?,
        private_der: r.try_get("private_der").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
    })
}

pub(crate) fn session_row<R>(r: &R) -> StoreResult<AuthSession>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(AuthSession {
        id_hash: r.try_get("id_hash").map_err(decode)?,
        pool_id: r.try_get("pool_id").map_err(decode)?,
        client_id: r.try_get("client_id").map_err(decode)?,
        username_key: r.try_get("username_key").map_err(decode)?,
        challenge: r.try_get("challenge").map_err(decode)?,
        state: from_text(&r.try_get::<String, _>("state").map_err(decode)?)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
        expires_ms: r.try_get("expires_ms").map_err(decode)?,
        failures: r.try_get("failures").map_err(decode)?,
        used: r.try_get::<i64, _>("used").map_err(decode)? != 0,
    })
}

pub(crate) fn code_row<R>(r: &R) -> StoreResult<CodeRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(CodeRecord {
        pool_id: r.try_get("pool_id").map_err(decode)?,
        username_key: r.try_get("username_key").map_err(decode)?,
        purpose: r.try_get("purpose").map_err(decode)?,
        code_hash: r.try_get("code_hash").map_err(decode)?,
        expires_ms: r.try_get("expires_ms").map_err(decode)?,
        failures: r.try_get("failures").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
    })
}

pub(crate) fn refresh_row<R>(r: &R) -> StoreResult<RefreshRecord>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RefreshRecord {
        id_hash: r.try_get("id_hash").map_err(decode)?,
        pool_id: r.try_get("pool_id").map_err(decode)?,
        client_id: r.try_get("client_id").map_err(decode)?,
        username_key: r.try_get("username_key").map_err(decode)?,
        origin_jti: r.try_get("origin_jti").map_err(decode)?,
        auth_time: r.try_get("auth_time").map_err(decode)?,
        created_ms: r.try_get("created_ms").map_err(decode)?,
        expires_ms: r.try_get("expires_ms").map_err(decode)?,
        revoked: r.try_get::<i64, _>("revoked").map_err(decode)? != 0,
        replaced_ms: r.try_get("replaced_ms").map_err(decode)?,
    })
}
