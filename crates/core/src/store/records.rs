//! The domain records the store keeps. Pool and client settings are kept as the model's own
//! description types (`UserPoolType`, `UserPoolClientType`): the Cognito model is the schema of those
//! settings, and AWS only ever adds members to it, so a stored document stays readable.

use cognate_wire::shapes::{
    EmailMfaConfigType, GroupType, SmsMfaConfigType, SoftwareTokenMfaConfigType, UserPoolClientType, UserPoolType,
    WebAuthnConfigurationType,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct PoolRecord {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Settings as DescribeUserPool reports them, less the members computed at read time.
    pub settings: UserPoolType,
    /// The MFA factors SetUserPoolMfaConfig configures beyond what `UserPoolType` describes.
    pub mfa: PoolMfa,
    /// Incremented by every write; see [`super::PoolStore::update_pool`].
    pub version: i64,
}

/// A pool's MFA factor configuration (SetUserPoolMfaConfig). The mode itself (`OFF`/`ON`/`OPTIONAL`)
/// is `UserPoolType::mfa_configuration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolMfa {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsMfaConfigType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_token: Option<SoftwareTokenMfaConfigType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailMfaConfigType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_authn: Option<WebAuthnConfigurationType>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    pub client_id: String,
    pub pool_id: String,
    pub name: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub settings: UserPoolClientType,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupRecord {
    pub pool_id: String,
    pub name: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub settings: GroupType,
}

/// A user. `username_key` is the username as looked up (lower-cased in case-insensitive pools);
/// `username` keeps the case it was created with.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub pool_id: String,
    pub username_key: String,
    pub username: String,
    pub sub: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub data: UserData,
    /// Every key the user can be found by (`UserKey`), claimed uniquely within the pool.
    pub keys: Vec<String>,
    pub version: i64,
}

/// The user's mutable state, stored as one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserData {
    pub status: String,
    pub enabled: bool,
    /// In the order they were first set; `sub` is not stored here.
    pub attributes: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<PasswordRecord>,
    #[serde(default)]
    pub mfa: MfaState,
    /// Sign-in protection and token revocation.
    #[serde(default)]
    pub security: SecurityState,
    /// Registered passkeys and a registration in progress.
    #[serde(default, skip_serializing_if = "PasskeyState::is_empty")]
    pub passkeys: PasskeyState,
    /// New emails or phone numbers not in force yet: the pool's
    /// `AttributesRequireVerificationBeforeUpdate` keeps the old value until the new one is
    /// verified (`crate::attribute_updates`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_attributes: Vec<(String, String)>,
}

/// A user's passkeys (docs/passkeys.md). Kept in the user document: at most 20 small entries, and
/// the signature counter is then updated under the user record's optimistic `version`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasskeyState {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<Passkey>,
    /// The challenge of the last StartWebAuthnRegistration, until completed or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingRegistration>,
}

impl PasskeyState {
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty() && self.pending.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passkey {
    /// base64url credential id, as ListWebAuthnCredentials shows it.
    pub id: String,
    /// base64url COSE_Key.
    pub public_key: String,
    /// -7 (ES256) or -257 (RS256).
    pub algorithm: i64,
    pub sign_count: u32,
    pub friendly_name: String,
    pub rp_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
    #[serde(default)]
    pub transports: Vec<String>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingRegistration {
    /// base64url challenge sent in CredentialCreationOptions.
    pub challenge: String,
    /// The app client of the access token that started it (WebAuthnClientMismatchException).
    pub client_id: String,
    pub rp_id: String,
    pub require_user_verification: bool,
    pub expires_ms: i64,
}

/// Failed sign-ins (for lockout) and revocations that access-token checks consult.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityState {
    /// Consecutive failed password attempts.
    #[serde(default)]
    pub failed_attempts: u32,
    #[serde(default)]
    pub last_failure_ms: i64,
    /// No password attempt is accepted before this time.
    #[serde(default)]
    pub locked_until_ms: i64,
    /// GlobalSignOut: tokens issued at or before this second are revoked (AWS revokes at second
    /// granularity: docs/tokens.md, Sign-out and revocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_out_at_s: Option<i64>,
    /// RevokeToken: sign-ins (origin_jti) whose tokens are revoked, kept until their refresh token
    /// would have expired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_origins: Vec<RevokedOrigin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevokedOrigin {
    pub origin_jti: String,
    pub until_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordRecord {
    /// argon2id PHC string.
    pub hash: String,
    /// Cognito SRP salt and verifier, derived when the password is set (docs/sign-in.md, SRP).
    pub srp_salt: String,
    pub srp_verifier: String,
    pub set_ms: i64,
    /// An administrator's temporary password (user in FORCE_CHANGE_PASSWORD); expires.
    #[serde(default)]
    pub temporary: bool,
}

/// MFA settings of one user (docs/mfa.md). Filled in by the MFA operations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MfaState {
    #[serde(default)]
    pub sms_enabled: bool,
    #[serde(default)]
    pub totp_enabled: bool,
    #[serde(default)]
    pub email_enabled: bool,
    #[serde(default)]
    pub webauthn_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
    /// Legacy SetUserSettings MFAOptions (SMS / phone_number only).
    #[serde(default)]
    pub legacy_sms: bool,
    /// The verified authenticator app, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpDevice>,
    /// A secret from AssociateSoftwareToken not yet verified; it replaces `totp` once verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_totp_secret: Option<String>,
    /// The last TOTP time step accepted (by VerifySoftwareToken or a sign-in): codes of that step or
    /// earlier are refused as replays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_last_step: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotpDevice {
    /// RFC 4648 base32 secret. Kept readable: the server must compute codes from it.
    pub secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub verified_ms: i64,
}

/// Keys a user is found by: `u:` username, `s:` sub, `a:<attr>:` a sign-in alias.
pub struct UserKey;

impl UserKey {
    pub fn username(key: &str) -> String {
        format!("u:{key}")
    }
    pub fn sub(sub: &str) -> String {
        format!("s:{sub}")
    }
    pub fn alias(attribute: &str, value: &str) -> String {
        format!("a:{attribute}:{value}")
    }
}

impl UserRecord {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        if name == "sub" {
            return Some(&self.sub);
        }
        self.data.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn attribute_is_true(&self, name: &str) -> bool {
        self.attribute(name) == Some("true")
    }
}
