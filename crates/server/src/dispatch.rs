//! From a decoded operation and body to the domain handler. The `match` covers every operation in
//! the wire table, so an operation without a handler does not compile. The access class of each arm
//! decides what the handler receives: the verified IAM caller, the user proven by the access token
//! in the body, or nothing; and each arm's class is checked at compile time against the table's
//! (`Operation::access`), so the dispatcher cannot hand a handler less than the HTTP layer proved.

use cognate_core::handlers::{
    account, auth_factors, clients, devices, groups, me, mfa_config, mfa_preferences, passkey_credentials, passkey_registration, pools,
    sign_in, software_token, tokens, users,
};
use cognate_core::tokens::StatusCheck;
use cognate_core::{App, Caller, IamCaller};
use cognate_wire::codec::{encode_output, into_input};
use cognate_wire::{Access, ApiError, ErrorCode, HasAccessToken, Operation};
use serde_json::Value;

fn iam(caller: Caller) -> Result<IamCaller, ApiError> {
    match caller {
        Caller::Iam(c) => Ok(c),
        // The HTTP layer verifies SigV4 for every `Access::Iam` operation before dispatching.
        Caller::Anonymous => Err(ApiError::new(ErrorCode::MissingAuthenticationTokenException, "Missing Authentication Token")),
    }
}

async fn authenticate<T: HasAccessToken>(app: &App, input: &T) -> Result<cognate_core::tokens::TokenUser, ApiError> {
    app.authenticate(input.access_token(), StatusCheck::Full).await
}

macro_rules! route {
    ($app:expr, $op:expr, $caller:expr, $value:expr;
     iam { $( $iv:ident => $ih:path ),* $(,)? }
     token { $( $tv:ident => $th:path ),* $(,)? }
     public { $( $pv:ident => $ph:path ),* $(,)? }) => {{
        $( const _: () = assert!(matches!(Operation::$iv.access(), Access::Iam), concat!(stringify!($iv), " is not an IAM operation in the wire table")); )*
        $( const _: () = assert!(matches!(Operation::$tv.access(), Access::AccessToken), concat!(stringify!($tv), " is not an access-token operation in the wire table")); )*
        $( const _: () = assert!(matches!(Operation::$pv.access(), Access::Public), concat!(stringify!($pv), " is not a public operation in the wire table")); )*
        match $op {
            $( Operation::$iv => {
                let caller = iam($caller)?;
                let input = into_input($value)?;
                Ok(encode_output(&Box::pin($ih($app, &caller, input)).await?))
            } )*
            $( Operation::$tv => {
                let input = into_input($value)?;
                let user = authenticate($app, &input).await?;
                Ok(encode_output(&Box::pin($th($app, user, input)).await?))
            } )*
            $( Operation::$pv => {
                let input = into_input($value)?;
                Ok(encode_output(&Box::pin($ph($app, input)).await?))
            } )*
        }
    }};
}

/// Run `op` and return the encoded response body.
///
/// Each handler's future is boxed: unboxed, this function's future would be as large as the
/// largest of them all (the sign-in flows hold kilobytes of state across their awaits), and every
/// request, a GetUser included, would copy that much each time the future moves. Profiles of
/// GetUser showed the copies at about a tenth of the server's time; one allocation is cheaper.
pub async fn dispatch(app: &App, op: Operation, caller: Caller, value: Value) -> Result<Vec<u8>, ApiError> {
    route!(app, op, caller, value;
        iam {
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
            AdminInitiateAuth => sign_in::admin_initiate_auth,
            AdminRespondToAuthChallenge => sign_in::admin_respond_to_auth_challenge,
            AdminResetUserPassword => account::admin_reset_user_password,
            AdminUserGlobalSignOut => me::admin_user_global_sign_out,
            SetUserPoolMfaConfig => mfa_config::set_user_pool_mfa_config,
            GetUserPoolMfaConfig => mfa_config::get_user_pool_mfa_config,
            AdminDeleteSoftwareToken => software_token::admin_delete_software_token,
            AdminSetUserMFAPreference => mfa_preferences::admin_set_user_mfa_preference,
            AdminSetUserSettings => mfa_preferences::admin_set_user_settings,
            AdminGetUserAuthFactors => auth_factors::admin_get_user_auth_factors,
            AdminGetDevice => devices::admin_get_device,
            AdminListDevices => devices::admin_list_devices,
            AdminUpdateDeviceStatus => devices::admin_update_device_status,
            AdminForgetDevice => devices::admin_forget_device,
        }
        token {
            GetUser => me::get_user,
            ChangePassword => me::change_password,
            UpdateUserAttributes => me::update_user_attributes,
            DeleteUserAttributes => me::delete_user_attributes,
            GetUserAttributeVerificationCode => me::get_user_attribute_verification_code,
            VerifyUserAttribute => me::verify_user_attribute,
            DeleteUser => me::delete_user,
            GlobalSignOut => me::global_sign_out,
            SetUserMFAPreference => mfa_preferences::set_user_mfa_preference,
            SetUserSettings => mfa_preferences::set_user_settings,
            GetUserAuthFactors => auth_factors::get_user_auth_factors,
            StartWebAuthnRegistration => passkey_registration::start_web_authn_registration,
            CompleteWebAuthnRegistration => passkey_registration::complete_web_authn_registration,
            ListWebAuthnCredentials => passkey_credentials::list_web_authn_credentials,
            DeleteWebAuthnCredential => passkey_credentials::delete_web_authn_credential,
            ConfirmDevice => devices::confirm_device,
            GetDevice => devices::get_device,
            ListDevices => devices::list_devices,
            UpdateDeviceStatus => devices::update_device_status,
            ForgetDevice => devices::forget_device,
        }
        public {
            InitiateAuth => sign_in::initiate_auth,
            RespondToAuthChallenge => sign_in::respond_to_auth_challenge,
            GetTokensFromRefreshToken => tokens::get_tokens_from_refresh_token,
            RevokeToken => tokens::revoke_token,
            SignUp => account::sign_up,
            ConfirmSignUp => account::confirm_sign_up,
            ResendConfirmationCode => account::resend_confirmation_code,
            ForgotPassword => account::forgot_password,
            ConfirmForgotPassword => account::confirm_forgot_password,
            AssociateSoftwareToken => software_token::associate_software_token,
            VerifySoftwareToken => software_token::verify_software_token,
        }
    )
}
