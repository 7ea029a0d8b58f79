//! What a pending sign-in challenge remembers between two requests: one variant per kind of
//! challenge, stored as tagged JSON in the session record. A session stored in another shape (an
//! older version's) does not decode; the migration that introduced this enum deleted them.

use cognate_wire::enums::ChallengeNameType as ChallengeName;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChallengeState {
    /// PASSWORD_VERIFIER (USER_SRP_AUTH, and USER_AUTH's PASSWORD_SRP): the server's secret `b`
    /// and public `B`, and the client's `A`, all hex.
    PasswordVerifier { b: String, big_b: String, a: String },
    /// DEVICE_PASSWORD_VERIFIER: device SRP on `device_key`, as PasswordVerifier; `mfa_answered`
    /// carries over from the sign-in's DEVICE_SRP_AUTH (`crate::store::PendingDeviceAuth`).
    DevicePasswordVerifier { device_key: String, b: String, big_b: String, a: String, mfa_answered: bool },
    /// NEW_PASSWORD_REQUIRED: a user created by an administrator signs in for the first time.
    NewPasswordRequired,
    /// SMS_MFA or EMAIL_OTP as the second factor: the hash of the code sent. `setup_email` is set
    /// when MFA_SETUP is proving a new email address, which becomes the user's only once proven.
    MfaCode {
        factor: ChallengeName,
        code_hash: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        setup_email: Option<String>,
    },
    /// SOFTWARE_TOKEN_MFA: the code is checked against the user's authenticator.
    SoftwareTokenMfa,
    /// SELECT_MFA_TYPE: the factors offered.
    SelectMfaType { choices: Vec<ChallengeName> },
    /// MFA_SETUP: set once VerifySoftwareToken has verified an authenticator with this session.
    MfaSetup { totp_verified: bool },
    /// USER_AUTH's SELECT_CHALLENGE: the first factors offered. A `decoy` session stands for an
    /// unknown user under PreventUserExistenceErrors and can never complete.
    SelectChallenge { available: Vec<ChallengeName>, decoy: bool },
    /// USER_AUTH's PASSWORD challenge (the password was not sent up front).
    Password { decoy: bool },
    /// USER_AUTH's EMAIL_OTP or SMS_OTP as the first factor: the hash of the code sent, none for a
    /// decoy (nothing was sent, so nothing matches).
    OneTimeCode { factor: ChallengeName, code_hash: Option<String> },
    /// USER_AUTH's WEB_AUTHN: the challenge the assertion must sign (base64url), for `rp_id`.
    WebAuthn { challenge: String, rp_id: String, require_uv: bool },
    /// The `Session` a successful ConfirmSignUp returns: not a challenge (RespondToAuthChallenge
    /// cannot answer it); InitiateAuth USER_AUTH takes it as the first factor.
    SignUpConfirmed,
}

/// What the session record's `challenge` column says of [`ChallengeState::SignUpConfirmed`].
pub const SIGN_UP_CONFIRMED: &str = "SIGN_UP_CONFIRMED";

impl ChallengeState {
    /// The challenge name this state answers, as RespondToAuthChallenge's `ChallengeName` gives it.
    pub fn challenge_name(&self) -> Option<ChallengeName> {
        Some(match self {
            ChallengeState::PasswordVerifier { .. } => ChallengeName::PasswordVerifier,
            ChallengeState::DevicePasswordVerifier { .. } => ChallengeName::DevicePasswordVerifier,
            ChallengeState::NewPasswordRequired => ChallengeName::NewPasswordRequired,
            ChallengeState::MfaCode { factor, .. } | ChallengeState::OneTimeCode { factor, .. } => *factor,
            ChallengeState::SoftwareTokenMfa => ChallengeName::SoftwareTokenMfa,
            ChallengeState::SelectMfaType { .. } => ChallengeName::SelectMfaType,
            ChallengeState::MfaSetup { .. } => ChallengeName::MfaSetup,
            ChallengeState::SelectChallenge { .. } => ChallengeName::SelectChallenge,
            ChallengeState::Password { .. } => ChallengeName::Password,
            ChallengeState::WebAuthn { .. } => ChallengeName::WebAuthn,
            ChallengeState::SignUpConfirmed => return None,
        })
    }

    /// The session record's `challenge` column.
    pub fn record_name(&self) -> &'static str {
        self.challenge_name().map_or(SIGN_UP_CONFIRMED, ChallengeName::as_str)
    }

    /// Whether this session stands for an unknown user (see [`ChallengeState::SelectChallenge`]).
    pub fn is_decoy(&self) -> bool {
        match self {
            ChallengeState::SelectChallenge { decoy, .. } | ChallengeState::Password { decoy } => *decoy,
            ChallengeState::OneTimeCode { code_hash, .. } => code_hash.is_none(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_as_tagged_json() {
        let state = ChallengeState::MfaCode { factor: ChallengeName::SmsMfa, code_hash: "s$h".into(), setup_email: None };
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "mfa_code", "factor": "SMS_MFA", "code_hash": "s$h"}));
        assert_eq!(serde_json::from_value::<ChallengeState>(json).unwrap(), state);
    }

    #[test]
    fn an_older_untagged_state_does_not_decode() {
        assert!(serde_json::from_value::<ChallengeState>(serde_json::json!({"auth_time": 1})).is_err());
    }

    #[test]
    fn names() {
        let otp = ChallengeState::OneTimeCode { factor: ChallengeName::EmailOtp, code_hash: None };
        assert_eq!(otp.record_name(), "EMAIL_OTP");
        assert!(otp.is_decoy());
        assert_eq!(ChallengeState::SignUpConfirmed.record_name(), SIGN_UP_CONFIRMED);
        assert_eq!(ChallengeState::SignUpConfirmed.challenge_name(), None);
    }
}
