//! From a decoded operation and body to the domain handler. The `match` covers every operation in
//! the wire table, so an operation without a handler does not compile.

use cognate_core::ops::{clients, groups, pools, users};
use cognate_core::{App, Caller, IamCaller};
use cognate_wire::codec::{encode_output, into_input};
use cognate_wire::{ApiError, Operation};
use serde_json::Value;

fn iam(caller: Caller) -> Result<IamCaller, ApiError> {
    match caller {
        Caller::Iam(c) => Ok(c),
        // The HTTP layer verifies SigV4 for every `Access::Iam` operation before dispatching.
        Caller::Anonymous => Err(ApiError::new(
            cognate_wire::ErrorCode::MissingAuthenticationTokenException,
            "Missing Authentication Token",
        )),
    }
}

macro_rules! route {
    ($app:expr, $op:expr, $caller:expr, $value:expr; $( $variant:ident => $handler:path ),* $(,)?) => {
        match $op {
            $( Operation::$variant => {
                let caller = iam($caller)?;
                let input = into_input($value)?;
                Ok(encode_output(&$handler($app, &caller, input).await?))
            } )*
        }
    };
}

/// Run `op` and return the encoded response body.
pub async fn dispatch(
    app: &App,
    op: Operation,
    caller: Caller,
    value: Value,
) -> Result<Vec<u8>, ApiError> {
    route!(app, op, caller, value;
        CreateUserPool => pools::create_user_pool,
        DescribeUserPool => pools::describe_user_pool,
        UpdateUserPool => pools::update_user_pool,
        ListUserPools => pools::list_user_pools,
        DeleteUserPool => pools::delete_user_pool,
        CreateUserPoolClient => clients::create_user_pool_client,
        DescribeUserPoolClient => clients::describe_user_pool_client,
        UpdateUserPoolClient => clients::update_user_pool_client,
        ListUserPoolClients => clients::list_user_pool_clients,
        DeleteUserPoolClient => clients::delete_user_pool_client,
        AdminCreateUser => users::admin_create_user,
        AdminGetUser => users::admin_get_user,
        AdminDeleteUser => users::admin_delete_user,
        AdminSetUserPassword => users::admin_set_user_password,
        AdminUpdateUserAttributes => users::admin_update_user_attributes,
        AdminDeleteUserAttributes => users::admin_delete_user_attributes,
        AdminDisableUser => users::admin_disable_user,
        AdminEnableUser => users::admin_enable_user,
        AdminConfirmSignUp => users::admin_confirm_sign_up,
        ListUsers => users::list_users,
        CreateGroup => groups::create_group,
        GetGroup => groups::get_group,
        ListGroups => groups::list_groups,
        DeleteGroup => groups::delete_group,
        AdminAddUserToGroup => groups::admin_add_user_to_group,
        AdminRemoveUserFromGroup => groups::admin_remove_user_from_group,
        AdminListGroupsForUser => groups::admin_list_groups_for_user,
        ListUsersInGroup => groups::list_users_in_group,
    )
}
