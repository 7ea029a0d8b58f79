//! AWS's request-rate categories (Amazon Cognito developer guide, "Quotas in Amazon Cognito":
//! operations are grouped into categories such as UserAuthentication and UserCreation, each with
//! one quota) and the rate each gets by default. The `match` covers every operation, so a new
//! operation does not compile until it has a category.

use cognate_wire::Operation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    UserAuthentication,
    /// RespondToAuthChallenge and its Admin form: AWS counts them apart from the InitiateAuth calls,
    /// at three times the UserAuthentication quota (one sign-in may answer several challenges).
    UserAuthenticationChallenge,
    UserCreation,
    UserAccountRecovery,
    UserRead,
    UserUpdate,
    UserList,
    UserToken,
    UserResourceRead,
    UserResourceUpdate,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::UserAuthentication,
        Category::UserAuthenticationChallenge,
        Category::UserCreation,
        Category::UserAccountRecovery,
        Category::UserRead,
        Category::UserUpdate,
        Category::UserList,
        Category::UserToken,
        Category::UserResourceRead,
        Category::UserResourceUpdate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::UserAuthentication => "UserAuthentication",
            Category::UserAuthenticationChallenge => "UserAuthenticationChallenge",
            Category::UserCreation => "UserCreation",
            Category::UserAccountRecovery => "UserAccountRecovery",
            Category::UserRead => "UserRead",
            Category::UserUpdate => "UserUpdate",
            Category::UserList => "UserList",
            Category::UserToken => "UserToken",
            Category::UserResourceRead => "UserResourceRead",
            Category::UserResourceUpdate => "UserResourceUpdate",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Requests per second by default. UserAuthentication (120, and three times that for challenge
    /// answers) and UserCreation (50) are AWS's documented defaults; the others follow the same
    /// page's published defaults as far as they could be confirmed, and are Cognate's choice where
    /// not (docs/security.md).
    pub fn default_rate(self) -> u32 {
        match self {
            Category::UserAuthentication => 120,
            Category::UserAuthenticationChallenge => 360,
            Category::UserCreation => 50,
            Category::UserAccountRecovery => 30,
            Category::UserRead => 120,
            Category::UserUpdate => 25,
            Category::UserList => 30,
            Category::UserToken => 120,
            Category::UserResourceRead => 20,
            Category::UserResourceUpdate => 10,
        }
    }
}

pub fn category(op: Operation) -> Category {
    use Category::*;
    use Operation as O;
    match op {
        O::InitiateAuth | O::AdminInitiateAuth => UserAuthentication,
        O::RespondToAuthChallenge | O::AdminRespondToAuthChallenge => UserAuthenticationChallenge,
        O::SignUp | O::ConfirmSignUp | O::AdminCreateUser | O::AdminConfirmSignUp => UserCreation,
        O::ForgotPassword
        | O::ConfirmForgotPassword
        | O::ResendConfirmationCode
        | O::ChangePassword
        | O::AdminResetUserPassword
        | O::AdminSetUserPassword => UserAccountRecovery,
        O::GetUser
        | O::AdminGetUser
        | O::GetUserAuthFactors
        | O::AdminGetUserAuthFactors
        | O::AdminListGroupsForUser
        | O::ListWebAuthnCredentials
        | O::GetDevice
        | O::AdminGetDevice
        | O::ListDevices
        | O::AdminListDevices => UserRead,
        O::UpdateUserAttributes
        | O::AdminUpdateUserAttributes
        | O::DeleteUserAttributes
        | O::AdminDeleteUserAttributes
        | O::GetUserAttributeVerificationCode
        | O::VerifyUserAttribute
        | O::DeleteUser
        | O::AdminDeleteUser
        | O::AdminDisableUser
        | O::AdminEnableUser
        | O::GlobalSignOut
        | O::AdminUserGlobalSignOut
        | O::SetUserMFAPreference
        | O::AdminSetUserMFAPreference
        | O::SetUserSettings
        | O::AdminSetUserSettings
        | O::AssociateSoftwareToken
        | O::VerifySoftwareToken
        | O::AdminDeleteSoftwareToken
        | O::AdminAddUserToGroup
        | O::AdminRemoveUserFromGroup
        | O::StartWebAuthnRegistration
        | O::CompleteWebAuthnRegistration
        | O::DeleteWebAuthnCredential
        | O::ConfirmDevice
        | O::UpdateDeviceStatus
        | O::AdminUpdateDeviceStatus
        | O::ForgetDevice
        | O::AdminForgetDevice => UserUpdate,
        O::ListUsers | O::ListUsersInGroup => UserList,
        O::GetTokensFromRefreshToken | O::RevokeToken => UserToken,
        O::DescribeUserPool
        | O::ListUserPools
        | O::DescribeUserPoolClient
        | O::ListUserPoolClients
        | O::GetGroup
        | O::ListGroups
        | O::GetUserPoolMfaConfig => UserResourceRead,
        O::CreateUserPool
        | O::UpdateUserPool
        | O::DeleteUserPool
        | O::CreateUserPoolClient
        | O::UpdateUserPoolClient
        | O::DeleteUserPoolClient
        | O::CreateGroup
        | O::DeleteGroup
        | O::SetUserPoolMfaConfig => UserResourceUpdate,
    }
}
