//! CreateGroup, GetGroup, ListGroups, DeleteGroup, AdminAddUserToGroup, AdminRemoveUserFromGroup,
//! AdminListGroupsForUser, ListUsersInGroup.

use cognate_wire::shapes::*;

use crate::errors::{OrInternal, internal};
use crate::paging::{decode_token, encode_token};
use crate::store::{GroupRecord, StoreError};
use crate::time::wire_timestamp;
use crate::{ApiError, ApiResult, App, IamCaller, api_error, users};

fn group_not_found() -> ApiError {
    api_error!(ResourceNotFoundException, "Group not found.")
}

fn describe(g: &GroupRecord) -> GroupType {
    let mut out = g.settings.clone();
    out.group_name = Some(g.name.clone());
    out.user_pool_id = Some(g.pool_id.clone());
    out.creation_date = Some(wire_timestamp(g.created_ms));
    out.last_modified_date = Some(wire_timestamp(g.modified_ms));
    out
}

async fn group(app: &App, pool_id: &str, name: &str) -> ApiResult<GroupRecord> {
    app.store.get_group(pool_id, name).await.or_internal()?.ok_or_else(group_not_found)
}

pub async fn create_group(app: &App, _caller: &IamCaller, input: CreateGroupRequest) -> ApiResult<CreateGroupResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let now = app.now_ms();
    let g = GroupRecord {
        pool_id: pool.id,
        name: input.group_name.clone(),
        created_ms: now,
        modified_ms: now,
        settings: GroupType {
            description: input.description,
            role_arn: input.role_arn,
            precedence: input.precedence,
            ..Default::default()
        },
    };
    match app.store.create_group(&g).await {
        Ok(()) => Ok(CreateGroupResponse { group: Some(describe(&g)) }),
        Err(StoreError::Conflict(_)) => Err(api_error!(GroupExistsException, "A group with the name {} already exists.", input.group_name)),
        Err(e) => Err(internal(e)),
    }
}

pub async fn get_group(app: &App, _caller: &IamCaller, input: GetGroupRequest) -> ApiResult<GetGroupResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let g = group(app, &pool.id, &input.group_name).await?;
    Ok(GetGroupResponse { group: Some(describe(&g)) })
}

pub async fn list_groups(app: &App, _caller: &IamCaller, input: ListGroupsRequest) -> ApiResult<ListGroupsResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let after = decode_token(input.next_token.as_deref())?;
    let page = app.store.list_groups(&pool.id, after.as_deref(), input.limit.unwrap_or(60) as usize).await.or_internal()?;
    Ok(ListGroupsResponse { groups: Some(page.items.iter().map(describe).collect()), next_token: page.next.as_deref().map(encode_token) })
}

pub async fn delete_group(app: &App, _caller: &IamCaller, input: DeleteGroupRequest) -> ApiResult<DeleteGroupResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    if !app.store.delete_group(&pool.id, &input.group_name).await.or_internal()? {
        return Err(group_not_found());
    }
    Ok(DeleteGroupResponse {})
}

pub async fn admin_add_user_to_group(
    app: &App,
    _caller: &IamCaller,
    input: AdminAddUserToGroupRequest,
) -> ApiResult<AdminAddUserToGroupResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    group(app, &pool.id, &input.group_name).await?;
    app.store.add_member(&pool.id, &input.group_name, &user.username_key).await.or_internal()?;
    Ok(AdminAddUserToGroupResponse {})
}

pub async fn admin_remove_user_from_group(
    app: &App,
    _caller: &IamCaller,
    input: AdminRemoveUserFromGroupRequest,
) -> ApiResult<AdminRemoveUserFromGroupResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    group(app, &pool.id, &input.group_name).await?;
    app.store.remove_member(&pool.id, &input.group_name, &user.username_key).await.or_internal()?;
    Ok(AdminRemoveUserFromGroupResponse {})
}

pub async fn admin_list_groups_for_user(
    app: &App,
    _caller: &IamCaller,
    input: AdminListGroupsForUserRequest,
) -> ApiResult<AdminListGroupsForUserResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    let after = decode_token(input.next_token.as_deref())?;
    let page =
        app.store.groups_of_user(&pool.id, &user.username_key, after.as_deref(), input.limit.unwrap_or(60) as usize).await.or_internal()?;
    Ok(AdminListGroupsForUserResponse {
        groups: Some(page.items.iter().map(describe).collect()),
        next_token: page.next.as_deref().map(encode_token),
    })
}

pub async fn list_users_in_group(app: &App, _caller: &IamCaller, input: ListUsersInGroupRequest) -> ApiResult<ListUsersInGroupResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    group(app, &pool.id, &input.group_name).await?;
    let after = decode_token(input.next_token.as_deref())?;
    let page =
        app.store.users_in_group(&pool.id, &input.group_name, after.as_deref(), input.limit.unwrap_or(60) as usize).await.or_internal()?;
    Ok(ListUsersInGroupResponse {
        users: Some(page.items.iter().map(|u| users::user_type(u, None)).collect()),
        next_token: page.next.as_deref().map(encode_token),
    })
}
