//! The one table of operations Cognate serves. The `Operation` enum, the access check, the dispatcher
//! (a `match` that must cover every variant) and the README's list of supported operations all come
//! from here, so an operation added to the table without a handler does not compile.

use crate::schema::{ModelOperation, model_operation};

/// How a caller proves who they are (design: "A request's way through", step 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// SigV4-signed administrative call.
    Iam,
    /// The signed-in user's access token, in the body's `AccessToken` member.
    AccessToken,
    /// Unsigned and unauthenticated (sign-up, sign-in, challenge responses, ...), or authorized by a
    /// member the handler checks itself (a sign-in `Session`, a refresh token).
    Public,
}

macro_rules! operations {
    ($($name:ident: $access:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($name),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$name),*];

            pub fn name(self) -> &'static str {
                match self { $(Operation::$name => stringify!($name)),* }
            }

            pub const fn access(self) -> Access {
                match self { $(Operation::$name => Access::$access),* }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $(stringify!($name) => Some(Operation::$name),)* _ => None }
            }
        }
    };
}

operations! {
    // User pools
    CreateUserPool: Iam,
    DescribeUserPool: Iam,
    UpdateUserPool: Iam,
    ListUserPools: Iam,
    DeleteUserPool: Iam,
    // App clients
    CreateUserPoolClient: Iam,
    DescribeUserPoolClient: Iam,
    UpdateUserPoolClient: Iam,
    ListUserPoolClients: Iam,
    DeleteUserPoolClient: Iam,
    // Users (administration)
    AdminCreateUser: Iam,
    AdminGetUser: Iam,
    AdminDeleteUser: Iam,
    AdminSetUserPassword: Iam,
    AdminUpdateUserAttributes: Iam,
    AdminDeleteUserAttributes: Iam,
    AdminDisableUser: Iam,
    AdminEnableUser: Iam,
    AdminConfirmSignUp: Iam,
    ListUsers: Iam,
    // Groups
    CreateGroup: Iam,
    GetGroup: Iam,
    ListGroups: Iam,
    DeleteGroup: Iam,
    AdminAddUserToGroup: Iam,
    AdminRemoveUserFromGroup: Iam,
    AdminListGroupsForUser: Iam,
    ListUsersInGroup: Iam,
    // Sign-in
    InitiateAuth: Public,
    AdminInitiateAuth: Iam,
    RespondToAuthChallenge: Public,
    AdminRespondToAuthChallenge: Iam,
    GetTokensFromRefreshToken: Public,
    RevokeToken: Public,
    // Account lifecycle
    SignUp: Public,
    ConfirmSignUp: Public,
    ResendConfirmationCode: Public,
    ForgotPassword: Public,
    ConfirmForgotPassword: Public,
    AdminResetUserPassword: Iam,
    // The signed-in user
    GetUser: AccessToken,
    ChangePassword: AccessToken,
    UpdateUserAttributes: AccessToken,
    DeleteUserAttributes: AccessToken,
    GetUserAttributeVerificationCode: AccessToken,
    VerifyUserAttribute: AccessToken,
    DeleteUser: AccessToken,
    GlobalSignOut: AccessToken,
    AdminUserGlobalSignOut: Iam,
    // Authentication factors and MFA
    SetUserPoolMfaConfig: Iam,
    GetUserPoolMfaConfig: Iam,
    AssociateSoftwareToken: Public,
    VerifySoftwareToken: Public,
    AdminDeleteSoftwareToken: Iam,
    SetUserMFAPreference: AccessToken,
    AdminSetUserMFAPreference: Iam,
    SetUserSettings: AccessToken,
    AdminSetUserSettings: Iam,
    GetUserAuthFactors: AccessToken,
    AdminGetUserAuthFactors: Iam,
    // Devices
    ConfirmDevice: AccessToken,
    GetDevice: AccessToken,
    ListDevices: AccessToken,
    UpdateDeviceStatus: AccessToken,
    ForgetDevice: AccessToken,
    AdminGetDevice: Iam,
    AdminListDevices: Iam,
    AdminUpdateDeviceStatus: Iam,
    AdminForgetDevice: Iam,
    // Passkeys
    StartWebAuthnRegistration: AccessToken,
    CompleteWebAuthnRegistration: AccessToken,
    ListWebAuthnCredentials: AccessToken,
    DeleteWebAuthnCredential: AccessToken,
}

impl Operation {
    /// The model's entry for this operation (input and output shapes, errors, signing).
    pub fn model(self) -> &'static ModelOperation {
        match model_operation(self.name()) {
            Some(m) => m,
            // Guarded by the `every_operation_is_in_the_model` test.
            None => unreachable!("operation {} is not in the model", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_in_the_model_with_the_same_signing() {
        for op in Operation::ALL {
            let m = model_operation(op.name()).unwrap_or_else(|| panic!("{} not in model", op.name()));
            assert_eq!(m.unsigned, op.access() != Access::Iam, "{}: access class disagrees with the model", op.name());
        }
    }
}
