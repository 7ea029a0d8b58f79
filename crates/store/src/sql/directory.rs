//! The user directory: pools, app clients, users with the keys they claim, groups, and the outbox.

/// The user columns, as a literal so statements stay `&'static str` (sqlx refuses dynamic SQL).
macro_rules! user_columns {
    () => {
        "u.pool_id, u.username_key, u.username, u.sub, u.created_ms, u.modified_ms, u.data, u.keys, u.version"
    };
}

statements! {
    INSERT_POOL = "INSERT INTO pools (id, name, created_ms, modified_ms, settings, mfa, version) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    POOL = "SELECT * FROM pools WHERE id = $1";
    /// Tells a stale update (the pool exists) from one of a deleted pool.
    POOL_EXISTS = "SELECT 1 FROM pools WHERE id = $1";
    /// Optimistic: matches only the version the update was made from (`$7`, one less than `$5`).
    UPDATE_POOL = "UPDATE pools SET name = $1, modified_ms = $2, settings = $3, mfa = $4, version = $5 WHERE id = $6 AND version = $7";
    POOLS_AFTER = "SELECT * FROM pools WHERE id > $1 ORDER BY id LIMIT $2";
    DELETE_POOL = "DELETE FROM pools WHERE id = $1";
    COUNT_USERS = "SELECT COUNT(*) FROM users WHERE pool_id = $1";

    INSERT_CLIENT = "INSERT INTO clients (client_id, pool_id, name, created_ms, modified_ms, settings, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)";
    CLIENT = "SELECT * FROM clients WHERE client_id = $1";
    CLIENT_EXISTS = "SELECT 1 FROM clients WHERE client_id = $1";
    UPDATE_CLIENT = "UPDATE clients SET name = $1, modified_ms = $2, settings = $3, version = $4 WHERE client_id = $5 AND version = $6";
    CLIENTS_AFTER = "SELECT * FROM clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3";
    DELETE_CLIENT = "DELETE FROM clients WHERE client_id = $1";

    INSERT_USER = "INSERT INTO users (pool_id, username_key, username, sub, created_ms, modified_ms, data, keys, version) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    /// A user by any key it claims (username, sub or alias).
    USER_BY_KEY = concat!(
        "SELECT ",
        user_columns!(),
        " FROM user_keys k JOIN users u ON u.pool_id = k.pool_id AND u.username_key = k.username_key WHERE k.pool_id = $1 AND k.key = $2"
    );
    USER_EXISTS = "SELECT 1 FROM users WHERE pool_id = $1 AND username_key = $2";
    /// Optimistic, like [`UPDATE_POOL`]; the caller then re-claims the keys if they changed.
    UPDATE_USER = "UPDATE users SET modified_ms = $1, data = $2, keys = $3, version = $4 \
                   WHERE pool_id = $5 AND username_key = $6 AND version = $7";
    DELETE_USER = "DELETE FROM users WHERE pool_id = $1 AND username_key = $2";
    USERS_AFTER =
        concat!("SELECT ", user_columns!(), " FROM users u WHERE u.pool_id = $1 AND u.username_key > $2 ORDER BY u.username_key LIMIT $3");
    /// Claims one key for a user; a unique violation means another user holds it.
    CLAIM_USER_KEY = "INSERT INTO user_keys (pool_id, key, username_key) VALUES ($1, $2, $3)";
    RELEASE_USER_KEYS = "DELETE FROM user_keys WHERE pool_id = $1 AND username_key = $2";

    INSERT_GROUP = "INSERT INTO groups (pool_id, name, created_ms, modified_ms, settings) VALUES ($1, $2, $3, $4, $5)";
    GROUP = "SELECT * FROM groups WHERE pool_id = $1 AND name = $2";
    GROUPS_AFTER = "SELECT * FROM groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3";
    DELETE_GROUP = "DELETE FROM groups WHERE pool_id = $1 AND name = $2";
    DELETE_GROUP_MEMBERS = "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2";
    /// Adding a member twice is not an error.
    ADD_MEMBER = "INSERT INTO group_members (pool_id, group_name, username_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    REMOVE_MEMBER = "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3";
    GROUPS_OF_USER = "SELECT g.* FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
                      WHERE m.pool_id = $1 AND m.username_key = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4";
    USERS_IN_GROUP = concat!(
        "SELECT ",
        user_columns!(),
        " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key",
        " WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username_key > $3 ORDER BY m.username_key LIMIT $4"
    );

    APPEND_MESSAGE = "INSERT INTO outbox (id, pool_id, username, created_ms, message) VALUES ($1, $2, $3, $4, $5)";
}
