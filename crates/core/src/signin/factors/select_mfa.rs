//! SELECT_MFA_TYPE: a user with several second factors activated and none preferred chooses one.

use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::error::quoted;

use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::{Outcome, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::{ApiResult, App, api_error};

pub fn challenge(user: &UserRecord, choices: Vec<ChallengeName>) -> Outcome {
    let list = serde_json::to_string(&choices).unwrap_or_else(|_| "[]".into());
    let parameters = params::with_user_id(&user.username, &[("MFAS_CAN_CHOOSE", list)]);
    let state = ChallengeState::SelectMfaType { choices };
    Outcome::Challenge(Challenge::in_session(ChallengeName::SelectMfaType, &user.username_key, state, parameters))
}

pub async fn answer(
    app: &App,
    session: &AuthSession,
    user: UserRecord,
    choices: &[ChallengeName],
    responses: &Params,
) -> ApiResult<Outcome> {
    let answer = params::required(responses, "ANSWER")?;
    // The documentation says EMAIL_MFA; Amplify sends EMAIL_OTP. Both are accepted.
    let factor = if answer == "EMAIL_MFA" { Some(ChallengeName::EmailOtp) } else { ChallengeName::parse(answer) };
    let Some(factor) = factor.filter(|f| choices.contains(f)) else {
        let answer = if answer == "EMAIL_MFA" { ChallengeName::EmailOtp.as_str() } else { answer };
        return Err(api_error!(InvalidParameterException, "Invalid value for ANSWER: {} is not one of MFAS_CAN_CHOOSE.", quoted(answer)));
    };
    session::consume(app, session).await?;
    Ok(Outcome::SecondFactorChosen(user, factor))
}
