//! Checks against the schema itself: DeletePool empties every table that holds the pool's rows, and
//! every statement the two stores share is valid SQL on the database under test.

use std::collections::BTreeSet;
use std::sync::Arc;

use cognate_core::store::*;

use super::fixtures::{client, code, confirmed_device, group, message, pool, refresh, session, signing_key, unique, user, with_keys};
use super::schema::Schema;
use crate::sql;

/// Tables that hold no pool's rows: the migrations' bookkeeping (sqlx's table too, which older SQLite
/// databases and every PostgreSQL one have). Any other table has a `pool_id` column and is in
/// `sql::POOL_CASCADE`, or [`delete_pool_empties_every_table`] fails.
const TABLES_OF_NO_POOL: &[&str] = &["cognate_migrations", "_sqlx_migrations"];

/// The tables with a pool's rows (other than `pools`, which holds the pool itself), read from the
/// schema; panics on a table that is neither that nor known to hold no pool's rows.
async fn tables_of_a_pool(schema: &dyn Schema) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (table, columns) in schema.tables().await {
        if table == "pools" {
            continue;
        }
        if columns.iter().any(|c| c == "pool_id") {
            found.insert(table);
        } else {
            assert!(
                TABLES_OF_NO_POOL.contains(&table.as_str()),
                "table {table} has no pool_id column: give it one (and a place in sql::POOL_CASCADE), or list it in TABLES_OF_NO_POOL"
            );
        }
    }
    found
}

/// One row of `pool_id` in every table the storage traits write.
async fn fill_every_table(store: &Arc<dyn Store>, pool_id: &str) {
    store.create_pool(&pool(pool_id)).await.expect("create pool");
    store.create_client(&client(pool_id, &format!("{pool_id}-client"))).await.expect("create client");
    store.create_user(&with_keys(user(pool_id, "u"))).await.expect("create user");
    store.create_group(&group(pool_id, "g")).await.expect("create group");
    store.add_member(pool_id, "g", "u").await.expect("add member");
    store.append_message(&message(pool_id, &format!("{pool_id}-message"), "u")).await.expect("append message");
    store.add_signing_key_if_absent(&signing_key(pool_id, "k")).await.expect("add signing key");
    // Never expiring, so that the sign-in check's purge of expired sessions leaves it alone.
    let session = AuthSession { expires_ms: i64::MAX, ..session(pool_id, &format!("{pool_id}-session")) };
    store.put_session(&session).await.expect("put session");
    store.put_code(&code(pool_id, "h")).await.expect("put code");
    store.put_refresh(&refresh(pool_id, &format!("{pool_id}-refresh"), "o")).await.expect("put refresh");
    let attempts = AttemptKey { pool_id: pool_id.into(), username_key: "u".into(), purpose: "signup".into() };
    store.claim_window_attempt(&attempts, &AttemptWindow { now_ms: 1, length_ms: 1, limit: 1 }).await.expect("claim attempt");
    // Confirmed, so that the purge of unconfirmed devices leaves it alone.
    store.create_device(&confirmed_device(pool_id, "u", "device", 1)).await.expect("create device");
}

/// Every table with a `pool_id` column is in the cascade list; with a row of the pool in each, and
/// of another pool, DeletePool leaves none of the pool's and all of the other's.
pub async fn delete_pool_empties_every_table(store: &Arc<dyn Store>, schema: &dyn Schema) {
    let tables = tables_of_a_pool(schema).await;
    let cascade: BTreeSet<String> = sql::POOL_CASCADE.iter().map(|(table, _)| table.to_string()).collect();
    assert_eq!(tables, cascade, "the tables with a pool_id column are not the tables in sql::POOL_CASCADE");

    let (doomed, bystander) = (unique("cascade"), unique("bystander"));
    fill_every_table(store, &doomed).await;
    fill_every_table(store, &bystander).await;
    for table in &tables {
        let rows = schema.count(table, "pool_id", &doomed).await;
        assert!(rows > 0, "fill_every_table wrote no row to {table}: make it write one, so DeletePool is checked there");
    }
    assert!(store.delete_pool(&doomed).await.expect("delete pool"));
    assert_eq!(schema.count("pools", "id", &doomed).await, 0, "DeletePool left the pool");
    for table in &tables {
        assert_eq!(schema.count(table, "pool_id", &doomed).await, 0, "DeletePool left rows of the pool in {table}");
        assert!(schema.count(table, "pool_id", &bystander).await > 0, "DeletePool deleted another pool's rows from {table}");
    }
}

/// Each statement in `sql` is accepted by the database under test: the statements are written once
/// for both dialects, and this finds one that only one of them accepts before a request does.
pub async fn shared_statements_prepare(schema: &dyn Schema) {
    for (name, statement) in sql::all() {
        if let Err(e) = schema.prepare(statement).await {
            panic!("{name} is not valid here: {e}\n{statement}");
        }
    }
}
