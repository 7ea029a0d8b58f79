//! The SQL both stores run, written once. SQLite (rusqlite) and PostgreSQL (sqlx) execute the same
//! text: the schemas have the same tables and columns, and everything here is in the subset the two
//! dialects share (`ON CONFLICT`, `RETURNING`, `LIMIT`). A statement whose dialects genuinely differ
//! stays beside the one store that runs it, with a comment saying why.
//!
//! Parameters are written `$1, $2, ...` (PostgreSQL's only style). SQLite accepts them as named
//! parameters but numbers them by their *first appearance* in the text, while the SQLite store binds
//! by index; so in every statement `$1, $2, $3, ...` must first appear in that order. The test below
//! prepares each statement on SQLite and checks that parameter `i` is named `$i`.

/// Declares each statement as a `pub(crate) const` and lists them all in `ALL`, so the binding-order
/// test (and the PostgreSQL prepare check of the conformance suite) cannot miss one.
macro_rules! statements {
    ($($(#[$doc:meta])* $name:ident = $sql:expr;)+) => {
        $($(#[$doc])* pub(crate) const $name: &str = $sql;)+

        /// Every statement of this module, by name.
        #[cfg(any(test, feature = "conformance"))]
        pub(crate) const ALL: &[(&str, &str)] = &[$((stringify!($name), $name)),+];
    };
}

/// `DELETE FROM <table> WHERE <filter>` for each table, each beside its table's name.
macro_rules! delete_from_each {
    ($filter:literal; $($table:literal),+ $(,)?) => {
        &[$(($table, concat!("DELETE FROM ", $table, " WHERE ", $filter))),+]
    };
}

pub(crate) mod devices;
pub(crate) mod directory;
pub(crate) mod maintenance;
pub(crate) mod sign_in;

/// Every table that holds a pool's rows, besides `pools` itself: DeletePool empties each of them in
/// the transaction that deletes the pool. A new table with a `pool_id` column must be added here; the
/// conformance suite reads the schema and fails for one that is not.
pub(crate) const POOL_CASCADE: &[(&str, &str)] = delete_from_each!("pool_id = $1";
    "clients", "users", "user_keys", "groups", "group_members", "outbox", "signing_keys", "auth_sessions", "codes", "refresh_tokens",
    "attempt_windows", "devices",
);

/// What goes with a user (`$1` pool, `$2` username key) in the transaction that deletes the user.
/// (Challenge sessions are not in it: they are left to expire.) Devices are: a device belongs to one
/// user, and a user created later under the same name must not inherit it.
pub(crate) const USER_CASCADE: &[(&str, &str)] = delete_from_each!("pool_id = $1 AND username_key = $2";
    "user_keys", "group_members", "codes", "refresh_tokens", "attempt_windows", "devices",
);

/// Every shared statement by name, the cascades' by their table.
#[cfg(any(test, feature = "conformance"))]
pub(crate) fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    directory::ALL.iter().chain(sign_in::ALL).chain(devices::ALL).chain(maintenance::ALL).chain(POOL_CASCADE).chain(USER_CASCADE).copied()
}

/// Panics unless parameter `i` of `sql`, prepared on `conn`, is named `$i` for every `i`: what binding
/// by index needs on SQLite.
#[cfg(test)]
pub(crate) fn assert_binds_in_order(conn: &rusqlite::Connection, name: &str, sql: &str) {
    let stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{name} does not prepare on SQLite: {e}"));
    for i in 1..=stmt.parameter_count() {
        let expected = format!("${i}");
        assert_eq!(stmt.parameter_name(i), Some(expected.as_str()), "{name}: parameter {i} must be {expected}, first seen in order: {sql}");
    }
}

/// An in-memory SQLite database with the store's whole schema.
#[cfg(test)]
pub(crate) fn sqlite_schema() -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open_in_memory().expect("open");
    crate::sqlite_migrate::migrate(&mut conn, 0).expect("migrate");
    conn
}

#[cfg(test)]
mod tests {
    use super::{all, assert_binds_in_order, sqlite_schema};

    #[test]
    fn every_shared_statement_binds_its_parameters_in_order() {
        let conn = sqlite_schema();
        let mut count = 0;
        for (name, sql) in all() {
            assert_binds_in_order(&conn, name, sql);
            count += 1;
        }
        assert!(count > 50, "only {count} statements listed");
    }

    /// The guard itself: a parameter that first appears out of order, or an anonymous `?`, is caught.
    #[test]
    fn the_guard_catches_parameters_out_of_order() {
        let conn = sqlite_schema();
        for bad in ["UPDATE pools SET name = $2 WHERE id = $1", "SELECT * FROM pools WHERE id = ?"] {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert_binds_in_order(&conn, "bad", bad)));
            assert!(caught.is_err(), "not caught: {bad}");
        }
    }
}
