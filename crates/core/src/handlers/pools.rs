//! CreateUserPool, DescribeUserPool, UpdateUserPool, ListUserPools, DeleteUserPool.

use cognate_wire::enums::AuthFactorType;
use cognate_wire::shapes::*;

use crate::api_error;
use crate::errors::OrInternal;
use crate::paging::{decode_token, encode_token};
use crate::store::{PoolMfa, PoolRecord};
use crate::time::wire_timestamp;
use crate::{ApiResult, App, IamCaller, attributes, ids, password_policy};

/// Sign-in first factors a pool allows when it was created without a SignInPolicy.
const DEFAULT_FIRST_FACTORS: &[AuthFactorType] = &[AuthFactorType::Password];

pub async fn create_user_pool(app: &App, caller: &IamCaller, input: CreateUserPoolRequest) -> ApiResult<CreateUserPoolResponse> {
    if input.alias_attributes.is_some() && input.username_attributes.is_some() {
        return Err(api_error!(
            InvalidParameterException,
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        ));
    }
    let now = app.now_ms();
    let region = if caller.region.is_empty() { app.config.default_region.clone() } else { caller.region.clone() };
    let id = ids::pool_id(&region);
    let schema = attributes::pool_schema(input.schema.as_deref().unwrap_or_default())?;
    let mut settings = UserPoolType {
        id: Some(id.clone()),
        name: Some(input.pool_name.clone()),
        username_attributes: input.username_attributes.clone(),
        alias_attributes: input.alias_attributes.clone(),
        username_configuration: input.username_configuration.clone(),
        schema_attributes: Some(schema),
        user_pool_tags: input.user_pool_tags.clone(),
        ..Default::default()
    };
    apply_updatable(&mut settings, Updatable::from_create(&input), &PoolMfa::default())?;
    // A pool created with MFA on and an SMS configuration has SMS MFA configured (the only factor
    // CreateUserPool can set; the others come from SetUserPoolMfaConfig).
    let mut mfa = PoolMfa::default();
    if settings.mfa_configuration.as_deref() != Some("OFF") && settings.sms_configuration.is_some() {
        mfa.sms = Some(SmsMfaConfigType {
            sms_authentication_message: settings.sms_authentication_message.clone(),
            sms_configuration: settings.sms_configuration.clone(),
        });
    }
    let pool = PoolRecord { id: id.clone(), name: input.pool_name, created_ms: now, modified_ms: now, settings, mfa, version: 1 };
    app.store.create_pool(&pool).await.or_internal()?;
    tracing::info!(pool = %id, "user pool created");
    Ok(CreateUserPoolResponse { user_pool: Some(describe(app, &pool, 0)) })
}

pub async fn describe_user_pool(app: &App, _caller: &IamCaller, input: DescribeUserPoolRequest) -> ApiResult<DescribeUserPoolResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    let users = app.store.count_users(&pool.id).await.or_internal()?;
    Ok(DescribeUserPoolResponse { user_pool: Some(describe(app, &pool, users)) })
}

pub async fn update_user_pool(app: &App, _caller: &IamCaller, input: UpdateUserPoolRequest) -> ApiResult<UpdateUserPoolResponse> {
    // Like the real service, members left out of an update go back to their defaults.
    app.modify_pool(&input.user_pool_id, |pool| {
        apply_updatable(&mut pool.settings, Updatable::from_update(&input), &pool.mfa)?;
        if let Some(tags) = &input.user_pool_tags {
            pool.settings.user_pool_tags = Some(tags.clone());
        }
        Ok(())
    })
    .await?;
    Ok(UpdateUserPoolResponse {})
}

pub async fn list_user_pools(app: &App, _caller: &IamCaller, input: ListUserPoolsRequest) -> ApiResult<ListUserPoolsResponse> {
    let after = decode_token(input.next_token.as_deref())?;
    let page = app.store.list_pools(after.as_deref(), input.max_results as usize).await.or_internal()?;
    let user_pools = page
        .items
        .iter()
        .map(|p| UserPoolDescriptionType {
            id: Some(p.id.clone()),
            name: Some(p.name.clone()),
            lambda_config: Some(p.settings.lambda_config.clone().unwrap_or_default()),
            status: None,
            last_modified_date: Some(wire_timestamp(p.modified_ms)),
            creation_date: Some(wire_timestamp(p.created_ms)),
            replica_regions: None,
        })
        .collect();
    Ok(ListUserPoolsResponse { user_pools: Some(user_pools), next_token: page.next.as_deref().map(encode_token) })
}

pub async fn delete_user_pool(app: &App, _caller: &IamCaller, input: DeleteUserPoolRequest) -> ApiResult<DeleteUserPoolResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    if pool.settings.deletion_protection.as_deref() == Some("ACTIVE") {
        return Err(api_error!(
            InvalidParameterException,
            "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."
        ));
    }
    app.store.delete_pool(&pool.id).await.or_internal()?;
    tracing::info!(pool = %pool.id, "user pool deleted");
    Ok(DeleteUserPoolResponse {})
}

/// The full description: stored settings plus what is computed at read time.
pub fn describe(app: &App, pool: &PoolRecord, estimated_users: u64) -> UserPoolType {
    let mut out = pool.settings.clone();
    out.id = Some(pool.id.clone());
    out.name = Some(pool.name.clone());
    out.arn = Some(ids::pool_arn(&pool.id, &app.config.account_id));
    out.creation_date = Some(wire_timestamp(pool.created_ms));
    out.last_modified_date = Some(wire_timestamp(pool.modified_ms));
    out.estimated_number_of_users = Some(estimated_users as i64);
    out
}

/// The members CreateUserPool and UpdateUserPool share.
struct Updatable {
    policies: Option<UserPoolPolicyType>,
    deletion_protection: Option<String>,
    lambda_config: Option<LambdaConfigType>,
    auto_verified_attributes: Option<Vec<String>>,
    sms_verification_message: Option<String>,
    email_verification_message: Option<String>,
    email_verification_subject: Option<String>,
    verification_message_template: Option<VerificationMessageTemplateType>,
    sms_authentication_message: Option<String>,
    mfa_configuration: Option<String>,
    user_attribute_update_settings: Option<UserAttributeUpdateSettingsType>,
    device_configuration: Option<DeviceConfigurationType>,
    email_configuration: Option<EmailConfigurationType>,
    sms_configuration: Option<SmsConfigurationType>,
    admin_create_user_config: Option<AdminCreateUserConfigType>,
    user_pool_add_ons: Option<UserPoolAddOnsType>,
    account_recovery_setting: Option<AccountRecoverySettingType>,
    user_pool_tier: Option<String>,
}

impl Updatable {
    fn from_create(r: &CreateUserPoolRequest) -> Self {
        Updatable {
            policies: r.policies.clone(),
            deletion_protection: r.deletion_protection.clone(),
            lambda_config: r.lambda_config.clone(),
            auto_verified_attributes: r.auto_verified_attributes.clone(),
            sms_verification_message: r.sms_verification_message.clone(),
            email_verification_message: r.email_verification_message.clone(),
            email_verification_subject: r.email_verification_subject.clone(),
            verification_message_template: r.verification_message_template.clone(),
            sms_authentication_message: r.sms_authentication_message.clone(),
            mfa_configuration: r.mfa_configuration.clone(),
            user_attribute_update_settings: r.user_attribute_update_settings.clone(),
            device_configuration: r.device_configuration.clone(),
            email_configuration: r.email_configuration.clone(),
            sms_configuration: r.sms_configuration.clone(),
            admin_create_user_config: r.admin_create_user_config.clone(),
            user_pool_add_ons: r.user_pool_add_ons.clone(),
            account_recovery_setting: r.account_recovery_setting.clone(),
            user_pool_tier: r.user_pool_tier.clone(),
        }
    }

    fn from_update(r: &UpdateUserPoolRequest) -> Self {
        Updatable {
            policies: r.policies.clone(),
            deletion_protection: r.deletion_protection.clone(),
            lambda_config: r.lambda_config.clone(),
            auto_verified_attributes: r.auto_verified_attributes.clone(),
            sms_verification_message: r.sms_verification_message.clone(),
            email_verification_message: r.email_verification_message.clone(),
            email_verification_subject: r.email_verification_subject.clone(),
            verification_message_template: r.verification_message_template.clone(),
            sms_authentication_message: r.sms_authentication_message.clone(),
            mfa_configuration: r.mfa_configuration.clone(),
            user_attribute_update_settings: r.user_attribute_update_settings.clone(),
            device_configuration: r.device_configuration.clone(),
            email_configuration: r.email_configuration.clone(),
            sms_configuration: r.sms_configuration.clone(),
            admin_create_user_config: r.admin_create_user_config.clone(),
            user_pool_add_ons: r.user_pool_add_ons.clone(),
            account_recovery_setting: r.account_recovery_setting.clone(),
            user_pool_tier: r.user_pool_tier.clone(),
        }
    }
}

fn apply_updatable(s: &mut UserPoolType, u: Updatable, mfa_factors: &PoolMfa) -> ApiResult<()> {
    let mfa = u.mfa_configuration.unwrap_or_else(|| "OFF".into());
    let other_factors = mfa_factors.software_token.as_ref().is_some_and(|t| t.enabled == Some(true)) || mfa_factors.email.is_some();
    if mfa != "OFF" && u.sms_configuration.is_none() && s.sms_configuration.is_none() && !other_factors {
        // TOTP and email MFA are configured with SetUserPoolMfaConfig; here only SMS can be.
        return Err(api_error!(
            InvalidParameterException,
            "SMS configuration and Auto verification for phone_number are required when MFA is required/optional"
        ));
    }
    let mut policies = u.policies.unwrap_or_default();
    let mut pw = policies.password_policy.take().unwrap_or_else(password_policy::default_policy);
    if pw.minimum_length.is_none() {
        pw.minimum_length = Some(8);
    }
    for flag in [&mut pw.require_uppercase, &mut pw.require_lowercase, &mut pw.require_numbers, &mut pw.require_symbols] {
        flag.get_or_insert(false);
    }
    pw.temporary_password_validity_days.get_or_insert(7);
    policies.password_policy = Some(pw);
    let sign_in = policies.sign_in_policy.get_or_insert_with(Default::default);
    if sign_in.allowed_first_auth_factors.is_none() {
        sign_in.allowed_first_auth_factors = Some(DEFAULT_FIRST_FACTORS.iter().map(|f| f.as_str().to_string()).collect());
    }
    if let Some(factors) = &sign_in.allowed_first_auth_factors {
        // The model lists SOFTWARE_TOKEN in the enum but documents it as "not currently supported as
        // a first auth factor"; the messages here are Cognate's (docs/user-auth.md).
        if factors.iter().any(|f| f == AuthFactorType::SoftwareToken.as_str()) {
            return Err(api_error!(InvalidParameterException, "SOFTWARE_TOKEN is not supported as a first auth factor."));
        }
        if !factors.iter().any(|f| f == AuthFactorType::Password.as_str()) {
            return Err(api_error!(InvalidParameterException, "PASSWORD must be included in AllowedFirstAuthFactors."));
        }
    }
    let tier = u.user_pool_tier.unwrap_or_else(|| s.user_pool_tier.clone().unwrap_or_else(|| "ESSENTIALS".into()));
    if tier == "LITE"
        && let Some(f) = &sign_in.allowed_first_auth_factors
        && f.iter().any(|f| f != AuthFactorType::Password.as_str())
    {
        return Err(crate::api_error!(
            FeatureUnavailableInTierException,
            "The following features need to be disabled for the LITE pricing tier configured: Passwordless Sign-In"
        ));
    }
    s.policies = Some(policies);
    s.deletion_protection = Some(u.deletion_protection.unwrap_or_else(|| "INACTIVE".into()));
    s.lambda_config = Some(u.lambda_config.unwrap_or_default());
    s.auto_verified_attributes = u.auto_verified_attributes;
    s.sms_verification_message = u.sms_verification_message;
    s.email_verification_message = u.email_verification_message;
    s.email_verification_subject = u.email_verification_subject;
    s.verification_message_template = Some(u.verification_message_template.unwrap_or_else(|| VerificationMessageTemplateType {
        default_email_option: Some("CONFIRM_WITH_CODE".into()),
        ..Default::default()
    }));
    s.sms_authentication_message = u.sms_authentication_message;
    s.mfa_configuration = Some(mfa);
    s.user_attribute_update_settings = u.user_attribute_update_settings;
    s.device_configuration = u.device_configuration;
    s.email_configuration = Some(
        u.email_configuration
            .unwrap_or_else(|| EmailConfigurationType { email_sending_account: Some("COGNITO_DEFAULT".into()), ..Default::default() }),
    );
    s.sms_configuration = u.sms_configuration.or(s.sms_configuration.take());
    s.admin_create_user_config = Some(u.admin_create_user_config.unwrap_or(AdminCreateUserConfigType {
        allow_admin_create_user_only: Some(false),
        unused_account_validity_days: Some(7),
        invite_message_template: None,
    }));
    s.user_pool_add_ons = u.user_pool_add_ons;
    s.account_recovery_setting = u.account_recovery_setting;
    s.user_pool_tier = Some(tier);
    Ok(())
}
