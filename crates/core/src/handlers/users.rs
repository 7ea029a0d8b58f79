//! Administration of users: AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminSetUserPassword,
//! AdminUpdateUserAttributes, AdminDeleteUserAttributes, AdminDisableUser, AdminEnableUser,
//! AdminConfirmSignUp, ListUsers.

use cognate_wire::enums::DeliveryMediumType;
use cognate_wire::shapes::*;

use crate::attribute_access::Writer;
use crate::attributes::{self, Write};
use crate::errors::{OrInternal, internal};
use crate::paging::{decode_token, encode_token};
use crate::signin::policy::mfa::enabled_list;
use crate::store::{PoolRecord, StoreError, UserData, UserRecord};
use crate::time::wire_timestamp;
use crate::users::{self, CONFIRMED, FORCE_CHANGE_PASSWORD, UNCONFIRMED, check_deletable, delete_attributes};
use crate::{ApiResult, App, IamCaller, api_error, attribute_updates, ids, password_policy};

pub async fn admin_create_user(app: &App, _caller: &IamCaller, input: AdminCreateUserRequest) -> ApiResult<AdminCreateUserResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let settings = &pool.settings;
    let policy = password_policy::of(&pool);
    let now = app.now_ms();

    if input.message_action.as_deref() == Some("RESEND") {
        // Re-invite: a new temporary password for a user who has not signed in yet.
        let existing = users::get(app, &pool, &input.username).await?;
        if existing.data.status != FORCE_CHANGE_PASSWORD {
            return Err(api_error!(UnsupportedUserStateException, "User account is in an invalid state for this operation."));
        }
        let temp = input.temporary_password.clone().unwrap_or_else(|| password_policy::generate_temporary(&policy));
        password_policy::check(&policy, &temp)?;
        let record = users::password_record(&pool.id, &existing.username, &temp, true, now).await?;
        let user = users::modify(app, &pool, &input.username, |u| {
            u.data.password = Some(record.clone());
            Ok(())
        })
        .await?;
        send_invitation(app, &pool, &user, input.desired_delivery_mediums.as_deref(), &temp).await?;
        return Ok(AdminCreateUserResponse { user: Some(users::user_type(&user, None)) });
    }

    let writes = attributes::check_writes(settings, input.user_attributes.as_deref().unwrap_or_default(), Write::Create)?;
    let sub = ids::uuid();
    let (username, mut attrs) = users::new_identity(settings, &input.username, &sub)?;
    attributes::apply(&mut attrs, &writes);
    attributes::check_required(settings, &attrs)?;

    let temp = input.temporary_password.clone().unwrap_or_else(|| password_policy::generate_temporary(&policy));
    password_policy::check(&policy, &temp)?;
    let password = users::password_record(&pool.id, &username, &temp, true, now).await?;
    let mut user = UserRecord {
        pool_id: pool.id.clone(),
        username_key: users::username_key(settings, &username),
        username,
        sub,
        created_ms: now,
        modified_ms: now,
        data: UserData {
            status: FORCE_CHANGE_PASSWORD.into(),
            enabled: true,
            attributes: attrs,
            password: Some(password),
            ..Default::default()
        },
        keys: Vec::new(),
        version: 1,
    };
    user.keys = users::compute_keys(settings, &user);
    if input.force_alias_creation == Some(true) {
        // Verified here, and held by another user: the alias moves to the new user.
        for attr in ["email", "phone_number"] {
            if users::verified_alias(settings, attr)
                && user.attribute_is_true(&format!("{attr}_verified"))
                && let Some(value) = user.attribute(attr)
            {
                users::release_alias(app, &pool, attr, value, &user).await?;
            }
        }
    }
    match app.store.create_user(&user).await {
        Ok(()) => {}
        Err(StoreError::Conflict(key)) => return Err(users::conflict_error(settings, &key)),
        Err(e) => return Err(internal(e)),
    }
    tracing::info!(pool = %pool.id, "user created by administrator");
    if input.message_action.as_deref() != Some("SUPPRESS") {
        send_invitation(app, &pool, &user, input.desired_delivery_mediums.as_deref(), &temp).await?;
    }
    Ok(AdminCreateUserResponse { user: Some(users::user_type(&user, None)) })
}

pub async fn admin_get_user(app: &App, _caller: &IamCaller, input: AdminGetUserRequest) -> ApiResult<AdminGetUserResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    Ok(AdminGetUserResponse {
        username: user.username.clone(),
        user_attributes: Some(attributes::to_wire(&user.sub, &user.data.attributes)),
        user_create_date: Some(wire_timestamp(user.created_ms)),
        user_last_modified_date: Some(wire_timestamp(user.modified_ms)),
        enabled: Some(user.data.enabled),
        user_status: Some(user.data.status.clone()),
        mfa_options: users::mfa_options(&user),
        preferred_mfa_setting: user.data.mfa.preferred.clone(),
        user_mfa_setting_list: enabled_list(&user.data.mfa),
    })
}

pub async fn admin_delete_user(app: &App, _caller: &IamCaller, input: AdminDeleteUserRequest) -> ApiResult<AdminDeleteUserResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let user = users::get(app, &pool, &input.username).await?;
    if !app.store.delete_user(&pool.id, &user.username_key).await.or_internal()? {
        return Err(users::user_not_found());
    }
    Ok(AdminDeleteUserResponse {})
}

pub async fn admin_set_user_password(
    app: &App,
    _caller: &IamCaller,
    input: AdminSetUserPasswordRequest,
) -> ApiResult<AdminSetUserPasswordResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let policy = password_policy::of(&pool);
    let user = users::get(app, &pool, &input.username).await?;
    password_policy::check(&policy, &input.password)?;
    let permanent = input.permanent.unwrap_or(false);
    let record = users::password_record(&pool.id, &user.username, &input.password, !permanent, app.now_ms()).await?;
    users::modify(app, &pool, &input.username, |u| {
        u.data.password = Some(record.clone());
        u.data.status = if permanent { CONFIRMED.into() } else { FORCE_CHANGE_PASSWORD.into() };
        Ok(())
    })
    .await?;
    Ok(AdminSetUserPasswordResponse {})
}

pub async fn admin_update_user_attributes(
    app: &App,
    _caller: &IamCaller,
    input: AdminUpdateUserAttributesRequest,
) -> ApiResult<AdminUpdateUserAttributesResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    // An unknown user is reported before anything wrong with the attributes, as on AWS.
    users::get(app, &pool, &input.username).await?;
    let writes = attribute_updates::check(&pool, Writer::Admin, &input.user_attributes)?;
    // A changed email or phone number gets its verification message, as AdminUpdateUserAttributes
    // documents, unless this call marks it verified itself.
    attribute_updates::apply(app, &pool, &input.username, &writes, |_| Ok(())).await?;
    Ok(AdminUpdateUserAttributesResponse {})
}

pub async fn admin_delete_user_attributes(
    app: &App,
    _caller: &IamCaller,
    input: AdminDeleteUserAttributesRequest,
) -> ApiResult<AdminDeleteUserAttributesResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    // An unknown user is reported before an unknown attribute name, as on AWS.
    users::get(app, &pool, &input.username).await?;
    check_deletable(&pool.settings, &input.user_attribute_names)?;
    users::modify(app, &pool, &input.username, |u| {
        delete_attributes(u, &input.user_attribute_names);
        Ok(())
    })
    .await?;
    Ok(AdminDeleteUserAttributesResponse {})
}

pub async fn admin_disable_user(app: &App, _caller: &IamCaller, input: AdminDisableUserRequest) -> ApiResult<AdminDisableUserResponse> {
    set_enabled(app, &input.user_pool_id, &input.username, false).await?;
    Ok(AdminDisableUserResponse {})
}

pub async fn admin_enable_user(app: &App, _caller: &IamCaller, input: AdminEnableUserRequest) -> ApiResult<AdminEnableUserResponse> {
    set_enabled(app, &input.user_pool_id, &input.username, true).await?;
    Ok(AdminEnableUserResponse {})
}

async fn set_enabled(app: &App, pool_id: &str, username: &str, enabled: bool) -> ApiResult<()> {
    let pool = app.pool(pool_id).await?;
    let user = users::modify(app, &pool, username, |u| {
        u.data.enabled = enabled;
        Ok(())
    })
    .await?;
    if !enabled {
        // Disabling a user also revokes their tokens, as on AWS.
        users::sign_out_everywhere(app, &pool, &user).await?;
    }
    Ok(())
}

pub async fn admin_confirm_sign_up(
    app: &App,
    _caller: &IamCaller,
    input: AdminConfirmSignUpRequest,
) -> ApiResult<AdminConfirmSignUpResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    users::modify(app, &pool, &input.username, |u| {
        if u.data.status != UNCONFIRMED {
            return Err(api_error!(NotAuthorizedException, "User cannot be confirmed. Current status is {}", u.data.status));
        }
        u.data.status = CONFIRMED.into();
        Ok(())
    })
    .await?;
    Ok(AdminConfirmSignUpResponse {})
}

/// `attribute = "value"` or `attribute ^= "value"` (the `Filter` parameter in the ListUsers API
/// reference).
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

const FILTERABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

fn parse_filter(text: &str) -> ApiResult<Option<Filter>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || api_error!(InvalidParameterException, "Error while parsing filter.");
    let (attribute, prefix, rest) = if let Some((a, r)) = text.split_once("^=") {
        (a, true, r)
    } else if let Some((a, r)) = text.split_once('=') {
        (a, false, r)
    } else {
        return Err(bad());
    };
    let attribute = attribute.trim().trim_matches('"').to_string();
    let rest = rest.trim();
    let value = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).ok_or_else(bad)?.to_string();
    if !FILTERABLE.contains(&attribute.as_str()) {
        return Err(api_error!(InvalidParameterException, "Invalid search attribute: {attribute}"));
    }
    Ok(Some(Filter { attribute, prefix, value }))
}

fn matches(f: &Filter, u: &UserRecord) -> bool {
    let actual = match f.attribute.as_str() {
        "username" => Some(u.username.as_str()),
        "cognito:user_status" => Some(u.data.status.as_str()),
        "status" => Some(if u.data.enabled { "Enabled" } else { "Disabled" }),
        other => u.attribute(other),
    };
    let Some(actual) = actual else { return false };
    if f.prefix { actual.to_lowercase().starts_with(&f.value.to_lowercase()) } else { actual == f.value }
}

pub async fn list_users(app: &App, _caller: &IamCaller, input: ListUsersRequest) -> ApiResult<ListUsersResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let filter = parse_filter(input.filter.as_deref().unwrap_or(""))?;
    let limit = input.limit.unwrap_or(60).clamp(1, 60) as usize;
    let mut after = decode_token(input.pagination_token.as_deref())?;
    let mut found = Vec::new();
    // Without an index for every attribute, a filter scans pages of users in key order.
    let next = loop {
        let page = app.store.list_users(&pool.id, after.as_deref(), limit).await.or_internal()?;
        for u in page.items {
            if filter.as_ref().is_none_or(|f| matches(f, &u)) {
                found.push(u);
            }
            if found.len() == limit {
                break;
            }
        }
        if found.len() == limit {
            break found.last().map(|u| u.username_key.clone());
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break None,
        }
    };
    // `next` is only worth returning if more users may follow.
    let next = match next {
        Some(last) => {
            let more = app.store.list_users(&pool.id, Some(&last), 1).await.or_internal()?;
            (!more.items.is_empty()).then_some(last)
        }
        None => None,
    };
    Ok(ListUsersResponse {
        users: Some(found.iter().map(|u| users::user_type(u, input.attributes_to_get.as_deref())).collect()),
        pagination_token: next.as_deref().map(encode_token),
    })
}

/// The invitation with the temporary password, over each requested medium the user has an address
/// for (DesiredDeliveryMediums defaults to SMS, as on AWS).
async fn send_invitation(
    app: &App,
    pool: &PoolRecord,
    user: &UserRecord,
    mediums: Option<&[String]>,
    temporary_password: &str,
) -> ApiResult<()> {
    use crate::delivery::{Channel, Message, purpose, templates};
    let mediums = mediums.map(<[String]>::to_vec).unwrap_or_else(|| vec![DeliveryMediumType::Sms.as_str().to_string()]);
    for medium in mediums {
        let (channel, attribute) =
            if medium == DeliveryMediumType::Email.as_str() { (Channel::Email, "email") } else { (Channel::Sms, "phone_number") };
        let Some(address) = user.attribute(attribute) else { continue };
        // The typed sign-in name is what the user needs to know (the email in email-as-username pools).
        let shown = if users::uses_username_attributes(&pool.settings) { address } else { user.username.as_str() };
        let content = templates::invitation_message(&pool.settings, channel, shown, temporary_password);
        let message = Message::new(&pool.id, &user.username, channel, address, content, purpose::INVITATION);
        app.delivery.send(&message).await.map_err(|e| {
            tracing::warn!(error = %e, "invitation delivery failed");
            api_error!(CodeDeliveryFailureException, "Unable to deliver the invitation message.")
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let f = parse_filter(r#"email ^= "Al""#).ok().flatten();
        assert!(f.as_ref().is_some_and(|f| f.prefix && f.attribute == "email" && f.value == "Al"));
        assert!(parse_filter(r#"username = "bob""#).ok().flatten().is_some_and(|f| !f.prefix));
        assert!(parse_filter("nonsense").is_err());
        assert!(parse_filter(r#"custom:x = "1""#).is_err());
    }
}
