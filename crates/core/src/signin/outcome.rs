//! What a factor hands back to the flow. Factors never decide what comes next: they say what they
//! found, and the flow (`signin/flow.rs`) decides.

use cognate_wire::enums::ChallengeNameType as ChallengeName;

use super::params::Params;
use super::subject::Subject;
use crate::store::{ChallengeState, UserRecord};

pub enum Outcome {
    /// Ask the client this challenge next.
    Challenge(Challenge),
    /// USER_AUTH: the user chose this first factor (up front with PREFERRED_CHALLENGE, or from
    /// SELECT_CHALLENGE); `answers` may already hold what it needs (PASSWORD, SRP_A).
    FirstFactorChosen { who: Subject, factor: ChallengeName, answers: Params },
    /// The first factor is proven (a password, an SRP proof, a passkey). `satisfies_mfa`: it
    /// counts as multi-factor by itself (a user-verified passkey under passkey MFA).
    FirstFactorPassed { user: UserRecord, satisfies_mfa: bool },
    /// Nothing is left before the second factor (a new password was set; ConfirmSignUp's session).
    SecondFactorDue(UserRecord),
    /// SELECT_MFA_TYPE: the user chose this second factor.
    SecondFactorChosen(UserRecord, ChallengeName),
    /// The user answered an MFA challenge (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP): every factor
    /// is proven, and a device this sign-in is on may skip MFA from now on.
    MfaPassed(UserRecord),
    /// Every factor the sign-in needs is proven.
    SignedIn(UserRecord),
    /// The sign-in proved the device `device_key` (DEVICE_PASSWORD_VERIFIER), its last step.
    DeviceProven { user: UserRecord, device_key: String },
}

/// A challenge to issue, and what its answer will be checked against.
pub struct Challenge {
    pub name: ChallengeName,
    pub parameters: Params,
    /// USER_AUTH's SELECT_CHALLENGE lists the first factors on offer.
    pub available: Option<Vec<ChallengeName>>,
    pub pending: Pending,
}

/// Where a challenge's state is kept until the answer comes.
pub enum Pending {
    /// In a new session whose token is returned as `Session`.
    Session { username_key: String, state: ChallengeState },
    /// Under the hash of a token the parameters already carry (SRP's SECRET_BLOCK; no `Session`).
    UnderToken { token: String, username_key: String, state: ChallengeState },
    /// Nowhere: no answer can succeed (the SRP decoy of an unknown user).
    Nothing,
    /// Already kept elsewhere (DEVICE_SRP_AUTH's, on the device); `session` is the `Session` to
    /// return.
    Issued { session: String },
}

impl Challenge {
    pub fn new(name: ChallengeName, parameters: Params, pending: Pending) -> Self {
        Challenge { name, parameters, available: None, pending }
    }

    /// A challenge whose state is kept in a new session for `username_key`.
    pub fn in_session(name: ChallengeName, username_key: &str, state: ChallengeState, parameters: Params) -> Self {
        Challenge::new(name, parameters, Pending::Session { username_key: username_key.to_string(), state })
    }
}
