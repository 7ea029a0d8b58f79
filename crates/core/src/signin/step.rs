//! What InitiateAuth and RespondToAuthChallenge (and their Admin forms) answer: a challenge, or
//! tokens.

use cognate_wire::shapes::AuthenticationResultType;

use super::params::Params;

#[derive(Debug, Default)]
pub struct Step {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    pub challenge_parameters: Params,
    pub authentication_result: Option<AuthenticationResultType>,
    pub available_challenges: Option<Vec<String>>,
}

impl Step {
    pub fn tokens(result: AuthenticationResultType) -> Self {
        // Token responses carry an empty ChallengeParameters map, as real ones do.
        Step { authentication_result: Some(result), ..Default::default() }
    }
}

macro_rules! step_into {
    ($($ty:ident),*) => {$(
        impl From<Step> for cognate_wire::shapes::$ty {
            fn from(s: Step) -> Self {
                cognate_wire::shapes::$ty {
                    challenge_name: s.challenge_name,
                    session: s.session,
                    challenge_parameters: Some(s.challenge_parameters),
                    authentication_result: s.authentication_result,
                    available_challenges: s.available_challenges,
                }
            }
        }
    )*};
}

step_into!(InitiateAuthResponse, AdminInitiateAuthResponse, RespondToAuthChallengeResponse, AdminRespondToAuthChallengeResponse);
