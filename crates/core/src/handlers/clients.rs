//! CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient, ListUserPoolClients,
//! DeleteUserPoolClient.

use cognate_wire::enums::ExplicitAuthFlowsType;
use cognate_wire::shapes::*;

use crate::attribute_access::check_client_lists;
use crate::errors::{OrInternal, unexpected_conflict};
use crate::paging::{decode_token, encode_token};
use crate::store::ClientRecord;
use crate::time::wire_timestamp;
use crate::tokens::unit_seconds;
use crate::{ApiError, ApiResult, App, IamCaller, api_error, ids, modify};

const LEGACY_FLOWS: &[ExplicitAuthFlowsType] =
    &[ExplicitAuthFlowsType::AdminNoSrpAuth, ExplicitAuthFlowsType::CustomAuthFlowOnly, ExplicitAuthFlowsType::UserPasswordAuth];

/// The settings CreateUserPoolClient and UpdateUserPoolClient share.
struct ClientSettings {
    client_name: Option<String>,
    refresh_token_validity: Option<i64>,
    access_token_validity: Option<i64>,
    id_token_validity: Option<i64>,
    token_validity_units: Option<TokenValidityUnitsType>,
    read_attributes: Option<Vec<String>>,
    write_attributes: Option<Vec<String>>,
    explicit_auth_flows: Option<Vec<String>>,
    supported_identity_providers: Option<Vec<String>>,
    callback_urls: Option<Vec<String>>,
    logout_urls: Option<Vec<String>>,
    default_redirect_uri: Option<String>,
    allowed_oauth_flows: Option<Vec<String>>,
    allowed_oauth_scopes: Option<Vec<String>>,
    allowed_oauth_flows_user_pool_client: Option<bool>,
    analytics_configuration: Option<AnalyticsConfigurationType>,
    prevent_user_existence_errors: Option<String>,
    enable_token_revocation: Option<bool>,
    enable_propagate_additional_user_context_data: Option<bool>,
    auth_session_validity: Option<i64>,
    refresh_token_rotation: Option<RefreshTokenRotationType>,
}

/// ClientName is required on create and optional on update.
trait NameField {
    fn name(&self) -> Option<String>;
}

impl NameField for String {
    fn name(&self) -> Option<String> {
        Some(self.clone()).filter(|n| !n.is_empty())
    }
}

impl NameField for Option<String> {
    fn name(&self) -> Option<String> {
        self.clone().filter(|n| !n.is_empty())
    }
}

macro_rules! client_settings_from {
    ($r:expr) => {
        ClientSettings {
            client_name: NameField::name(&$r.client_name),
            refresh_token_validity: $r.refresh_token_validity,
            access_token_validity: $r.access_token_validity,
            id_token_validity: $r.id_token_validity,
            token_validity_units: $r.token_validity_units.clone(),
            read_attributes: $r.read_attributes.clone(),
            write_attributes: $r.write_attributes.clone(),
            explicit_auth_flows: $r.explicit_auth_flows.clone(),
            supported_identity_providers: $r.supported_identity_providers.clone(),
            callback_urls: $r.callback_urls.clone(),
            logout_urls: $r.logout_urls.clone(),
            default_redirect_uri: $r.default_redirect_uri.clone(),
            allowed_oauth_flows: $r.allowed_oauth_flows.clone(),
            allowed_oauth_scopes: $r.allowed_oauth_scopes.clone(),
            allowed_oauth_flows_user_pool_client: $r.allowed_oauth_flows_user_pool_client,
            analytics_configuration: $r.analytics_configuration.clone(),
            prevent_user_existence_errors: $r.prevent_user_existence_errors.clone(),
            enable_token_revocation: $r.enable_token_revocation,
            enable_propagate_additional_user_context_data: $r.enable_propagate_additional_user_context_data,
            auth_session_validity: $r.auth_session_validity,
            refresh_token_rotation: $r.refresh_token_rotation.clone(),
        }
    };
}

pub async fn create_user_pool_client(
    app: &App,
    _caller: &IamCaller,
    input: CreateUserPoolClientRequest,
) -> ApiResult<CreateUserPoolClientResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    check_client_lists(&pool.settings, input.read_attributes.as_deref(), input.write_attributes.as_deref(), "creating")?;
    let now = app.now_ms();
    let client_id = ids::client_id();
    let mut settings = UserPoolClientType {
        user_pool_id: Some(pool.id.clone()),
        client_id: Some(client_id.clone()),
        client_secret: input.generate_secret.unwrap_or(false).then(ids::client_secret),
        ..Default::default()
    };
    apply(&mut settings, client_settings_from!(input))?;
    let client =
        ClientRecord { client_id, pool_id: pool.id, name: input.client_name, created_ms: now, modified_ms: now, settings, version: 1 };
    app.store.create_client(&client).await.or_internal()?;
    Ok(CreateUserPoolClientResponse { user_pool_client: Some(describe(&client)) })
}

pub async fn describe_user_pool_client(
    app: &App,
    _caller: &IamCaller,
    input: DescribeUserPoolClientRequest,
) -> ApiResult<DescribeUserPoolClientResponse> {
    let client = client_in_pool(app, &input.user_pool_id, &input.client_id).await?;
    Ok(DescribeUserPoolClientResponse { user_pool_client: Some(describe(&client)) })
}

pub async fn update_user_pool_client(
    app: &App,
    _caller: &IamCaller,
    input: UpdateUserPoolClientRequest,
) -> ApiResult<UpdateUserPoolClientResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    check_client_lists(&pool.settings, input.read_attributes.as_deref(), input.write_attributes.as_deref(), "updating")?;
    let errors =
        modify::Errors { kind: "app client", not_found: &|| client_not_found(&input.client_id), conflict: &|key| unexpected_conflict(key) };
    let change = |client: &mut ClientRecord| {
        // As on AWS, settings left out of an update return to their defaults.
        let mut settings = UserPoolClientType {
            user_pool_id: client.settings.user_pool_id.clone(),
            client_id: client.settings.client_id.clone(),
            client_secret: client.settings.client_secret.clone(),
            ..Default::default()
        };
        let mut update = client_settings_from!(input);
        if update.client_name.is_none() {
            update.client_name = Some(client.name.clone());
        }
        apply(&mut settings, update)?;
        client.name = settings.client_name.clone().unwrap_or_default();
        client.settings = settings;
        client.modified_ms = app.now_ms();
        client.version += 1;
        Ok(())
    };
    let save = |client: ClientRecord| async move {
        let written = app.store.update_client(&client).await;
        (client, written)
    };
    let client = modify::retrying(&errors, || client_in_pool(app, &input.user_pool_id, &input.client_id), change, save).await?;
    Ok(UpdateUserPoolClientResponse { user_pool_client: Some(describe(&client)) })
}

pub async fn list_user_pool_clients(
    app: &App,
    _caller: &IamCaller,
    input: ListUserPoolClientsRequest,
) -> ApiResult<ListUserPoolClientsResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let after = decode_token(input.next_token.as_deref())?;
    let limit = input.max_results.unwrap_or(60) as usize;
    let page = app.store.list_clients(&pool.id, after.as_deref(), limit).await.or_internal()?;
    Ok(ListUserPoolClientsResponse {
        user_pool_clients: Some(
            page.items
                .iter()
                .map(|c| UserPoolClientDescription {
                    client_id: Some(c.client_id.clone()),
                    user_pool_id: Some(c.pool_id.clone()),
                    client_name: Some(c.name.clone()),
                })
                .collect(),
        ),
        next_token: page.next.as_deref().map(encode_token),
    })
}

pub async fn delete_user_pool_client(
    app: &App,
    _caller: &IamCaller,
    input: DeleteUserPoolClientRequest,
) -> ApiResult<DeleteUserPoolClientResponse> {
    let client = client_in_pool(app, &input.user_pool_id, &input.client_id).await?;
    app.store.delete_client(&client.client_id).await.or_internal()?;
    Ok(DeleteUserPoolClientResponse {})
}

fn client_not_found(client_id: &str) -> ApiError {
    api_error!(ResourceNotFoundException, "User pool client {client_id} does not exist.")
}

/// The client, which must belong to `pool_id` (and the pool must exist).
pub async fn client_in_pool(app: &App, pool_id: &str, client_id: &str) -> ApiResult<ClientRecord> {
    app.pool(pool_id).await?;
    match app.store.get_client(client_id).await.or_internal()? {
        Some(c) if c.pool_id == pool_id => Ok(c),
        _ => Err(client_not_found(client_id)),
    }
}

fn describe(c: &ClientRecord) -> UserPoolClientType {
    let mut out = c.settings.clone();
    out.client_name = Some(c.name.clone());
    out.creation_date = Some(wire_timestamp(c.created_ms));
    out.last_modified_date = Some(wire_timestamp(c.modified_ms));
    out
}

fn apply(s: &mut UserPoolClientType, u: ClientSettings) -> ApiResult<()> {
    let units = u.token_validity_units.clone().unwrap_or_default();
    let check = |value: Option<i64>, unit: Option<&str>, default_unit: &str, min: i64, max: i64, what: &str| -> ApiResult<()> {
        if let Some(v) = value {
            let secs = v * unit_seconds(unit, default_unit);
            if v != 0 && (secs < min || secs > max) {
                return Err(api_error!(InvalidParameterException, "Invalid range for token validity: {what}."));
            }
        }
        Ok(())
    };
    check(u.access_token_validity, units.access_token.as_deref(), "hours", 300, 86400, "AccessTokenValidity")?;
    check(u.id_token_validity, units.id_token.as_deref(), "hours", 300, 86400, "IdTokenValidity")?;
    check(u.refresh_token_validity, units.refresh_token.as_deref(), "days", 3600, 315_360_000, "RefreshTokenValidity")?;
    if let (Some(access), Some(refresh)) = (u.access_token_validity, u.refresh_token_validity)
        && refresh != 0
        && access * unit_seconds(units.access_token.as_deref(), "hours") >= refresh * unit_seconds(units.refresh_token.as_deref(), "days")
    {
        return Err(api_error!(InvalidParameterException, "Access token validity must be less than refresh token validity."));
    }
    if let Some(flows) = &u.explicit_auth_flows {
        let legacy = flows.iter().any(|f| LEGACY_FLOWS.iter().any(|l| l == f));
        let modern = flows.iter().any(|f| f.starts_with("ALLOW_"));
        if legacy && modern {
            return Err(api_error!(
                InvalidParameterException,
                "ExplicitAuthFlow combination of Legacy flows and new flows is not supported"
            ));
        }
    }
    s.client_name = u.client_name;
    s.refresh_token_validity = Some(u.refresh_token_validity.filter(|v| *v != 0).unwrap_or(30));
    s.access_token_validity = u.access_token_validity;
    s.id_token_validity = u.id_token_validity;
    s.token_validity_units = Some(units);
    s.read_attributes = u.read_attributes;
    s.write_attributes = u.write_attributes;
    s.explicit_auth_flows = u.explicit_auth_flows;
    s.supported_identity_providers = u.supported_identity_providers;
    s.callback_urls = u.callback_urls;
    s.logout_urls = u.logout_urls;
    s.default_redirect_uri = u.default_redirect_uri;
    s.allowed_oauth_flows = u.allowed_oauth_flows;
    s.allowed_oauth_scopes = u.allowed_oauth_scopes;
    s.allowed_oauth_flows_user_pool_client = Some(u.allowed_oauth_flows_user_pool_client.unwrap_or(false));
    s.analytics_configuration = u.analytics_configuration;
    s.prevent_user_existence_errors = u.prevent_user_existence_errors;
    s.enable_token_revocation = Some(u.enable_token_revocation.unwrap_or(true));
    s.enable_propagate_additional_user_context_data = Some(u.enable_propagate_additional_user_context_data.unwrap_or(false));
    s.auth_session_validity = Some(u.auth_session_validity.unwrap_or(3));
    s.refresh_token_rotation = u.refresh_token_rotation;
    Ok(())
}
