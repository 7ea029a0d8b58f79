//! NEW_PASSWORD_REQUIRED: the challenge a user created by an administrator meets at first sign-in,
//! answered with a new password and any required attributes the user lacks.

use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::shapes::AttributeType;

use crate::attribute_access::{Writer, client_may_read};
use crate::signin::outcome::Challenge;
use crate::signin::params::{self, Params};
use crate::signin::{ClientContext, Outcome, session};
use crate::store::{AuthSession, ChallengeState, UserRecord};
use crate::users::CONFIRMED;
use crate::{ApiResult, App, attribute_updates, attributes, password_policy, users};

pub fn challenge(ctx: &ClientContext, user: &UserRecord) -> Outcome {
    // What the client may read of the user, as GetUser would show it (ReadAttributes).
    let current: serde_json::Map<String, serde_json::Value> = user
        .data
        .attributes
        .iter()
        .filter(|(k, _)| client_may_read(&ctx.client.settings, k))
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let required: Vec<String> = ctx
        .pool
        .settings
        .schema_attributes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|a| a.required == Some(true))
        .filter_map(|a| a.name.clone())
        .filter(|n| n != "sub" && user.attribute(n).is_none())
        .map(|n| format!("userAttributes.{n}"))
        .collect();
    let parameters = Params::from([
        ("USER_ID_FOR_SRP".to_string(), user.username.clone()),
        ("requiredAttributes".to_string(), serde_json::Value::from(required).to_string()),
        ("userAttributes".to_string(), serde_json::Value::Object(current).to_string()),
    ]);
    let state = ChallengeState::NewPasswordRequired;
    Outcome::Challenge(Challenge::in_session(ChallengeName::NewPasswordRequired, &user.username_key, state, parameters))
}

pub async fn answer(app: &App, ctx: &ClientContext, session: &AuthSession, user: UserRecord, responses: &Params) -> ApiResult<Outcome> {
    let new_password = params::required(responses, "NEW_PASSWORD")?;
    password_policy::check(&password_policy::of(&ctx.pool), new_password)?;
    let requested: Vec<AttributeType> = responses
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|name| AttributeType { name: name.to_string(), value: Some(v.clone()) }))
        .collect();
    // The app client's WriteAttributes bound these answers as they bound UpdateUserAttributes.
    let writes = attribute_updates::check(&ctx.pool, Writer::Client(&ctx.client), &requested)?;
    let mut attrs = user.data.attributes.clone();
    attributes::apply(&mut attrs, &writes);
    attributes::check_required(&ctx.pool.settings, &attrs)?;
    session::consume(app, session).await?;
    let record = users::password_record(&ctx.pool.id, &user.username, new_password, false, app.now_ms()).await?;
    // The same update path as UpdateUserAttributes: a changed email or phone number loses its
    // verified flag and gets a code as the pool says.
    let applied = attribute_updates::apply(app, &ctx.pool, &user.username, &writes, |u| {
        u.data.password = Some(record.clone());
        u.data.status = CONFIRMED.into();
        Ok(())
    })
    .await?;
    Ok(Outcome::SecondFactorDue(applied.user))
}
