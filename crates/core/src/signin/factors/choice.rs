//! USER_AUTH, choice-based sign-in (AWS: "Authentication flows", choice-based): the user picks a
//! first factor, either up front with PREFERRED_CHALLENGE or from the SELECT_CHALLENGE list. What
//! is offered is exactly GetUserAuthFactors' list (`policy::first_factors`). The chosen factor is
//! handed back to the flow, which starts it.

use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::error::quoted;

use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::policy::first_factors::{available_challenges, decoy_offer};
use crate::signin::policy::user_state::check_can_sign_in;
use crate::signin::subject::Subject;
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{AuthSession, ChallengeState, PoolRecord};
use crate::{ApiResult, App, api_error, users};

/// The checks every USER_AUTH request starts with; returns the USERNAME.
pub fn check_request<'a>(ctx: &ClientContext, request: &'a Params) -> ApiResult<&'a str> {
    if ctx.pool.settings.user_pool_tier.as_deref() == Some("LITE") {
        return Err(api_error!(
            FeatureUnavailableInTierException,
            "The following features need to be disabled for the LITE pricing tier configured: Choice-based authentication"
        ));
    }
    let username = params::required(request, "USERNAME")?;
    ctx.check_secret_hash(params::secret_hash(request), &[username])?;
    Ok(username)
}

/// InitiateAuth USER_AUTH (without ConfirmSignUp's Session): the preferred factor if the user has
/// it, else SELECT_CHALLENGE.
pub async fn initiate(app: &App, ctx: &ClientContext, username: &str, request: &Params) -> ApiResult<Outcome> {
    let preferred = params::optional(request, "PREFERRED_CHALLENGE").filter(|p| !p.is_empty());
    let preferred = match preferred {
        None => None,
        Some(p) => Some(ChallengeName::parse(p).ok_or_else(|| {
            api_error!(InvalidParameterException, "Invalid value for PREFERRED_CHALLENGE: {} is not a challenge name.", quoted(p))
        })?),
    };
    let who = match users::find(app, &ctx.pool, username).await? {
        Some(user) => {
            check_can_sign_in(&user)?;
            Subject::User(Box::new(user))
        }
        None if ctx.prevents_existence_errors() => Subject::Unknown(username.to_string()),
        None => return Err(users::user_not_found()),
    };
    let available = offered(&ctx.pool, &who);
    match preferred {
        Some(p) if available.contains(&p) => Ok(Outcome::FirstFactorChosen { who, factor: p, answers: request.clone() }),
        _ => select_challenge(app, ctx, &who, available).await,
    }
}

/// What `who` may choose from.
fn offered(pool: &PoolRecord, who: &Subject) -> Vec<ChallengeName> {
    match who {
        Subject::User(user) => available_challenges(pool, user),
        Subject::Unknown(_) => decoy_offer(pool),
    }
}

async fn select_challenge(app: &App, ctx: &ClientContext, who: &Subject, available: Vec<ChallengeName>) -> ApiResult<Outcome> {
    let name = who.internal_name(app, &ctx.pool).await?;
    let parameters = Params::from([("USERNAME".to_string(), name.clone()), ("USER_ID_FOR_SRP".to_string(), name)]);
    let state = ChallengeState::SelectChallenge { available: available.clone(), decoy: who.is_decoy() };
    let mut challenge = Challenge::in_session(ChallengeName::SelectChallenge, &who.username_key(&ctx.pool), state, parameters);
    challenge.available = Some(available);
    Ok(Outcome::Challenge(challenge))
}

/// The answer to SELECT_CHALLENGE: `ANSWER`, with `PASSWORD` or `SRP_A` when it needs them.
pub async fn answer(
    app: &App,
    ctx: &ClientContext,
    session: &AuthSession,
    who: Subject,
    available: &[ChallengeName],
    responses: &Params,
) -> ApiResult<Outcome> {
    let choice = params::required(responses, "ANSWER")?;
    let not_offered =
        || api_error!(InvalidParameterException, "Invalid value for ANSWER: {} is not one of AvailableChallenges.", quoted(choice));
    let factor = ChallengeName::parse(choice).ok_or_else(not_offered)?;
    // Offered then and still offered now: a user who turned MFA on in between gets no one-time code.
    if !available.contains(&factor) || !offered(&ctx.pool, &who).contains(&factor) {
        return Err(not_offered());
    }
    if factor == ChallengeName::PasswordSrp {
        params::required(responses, "SRP_A")?;
    }
    session::consume(app, session).await?;
    Ok(Outcome::FirstFactorChosen { who, factor, answers: responses.clone() })
}
