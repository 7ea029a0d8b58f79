//! The sign-in state machine: InitiateAuth / AdminInitiateAuth start a flow, RespondToAuthChallenge /
//! AdminRespondToAuthChallenge answer its challenges, until tokens are issued (spec §3.6–3.8, §5).

pub mod initiate;
pub mod lockout;
pub mod refresh;
pub mod respond;
pub mod session;
pub mod srp;
pub mod user_auth;

use std::collections::BTreeMap;

use cognate_wire::shapes::AuthenticationResultType;

use crate::store::{ClientRecord, PoolRecord, UserRecord};
use crate::users::{self, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, UNCONFIRMED};
use crate::{ApiError, ApiResult, App, api_error};

/// Where a sign-in takes place: the pool, the app client, and whether it came through an admin call.
pub struct SignIn {
    pub pool: PoolRecord,
    pub client: ClientRecord,
    pub admin: bool,
}

/// What InitiateAuth and RespondToAuthChallenge answer: a challenge, or tokens.
#[derive(Debug, Default)]
pub struct Step {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    pub challenge_parameters: BTreeMap<String, String>,
    pub authentication_result: Option<AuthenticationResultType>,
    pub available_challenges: Option<Vec<String>>,
}

impl Step {
    pub fn tokens(result: AuthenticationResultType) -> Self {
        // Token responses carry an empty ChallengeParameters map, as real ones do.
        Step { authentication_result: Some(result), ..Default::default() }
    }

    pub fn challenge(name: &str, session: Option<String>, parameters: BTreeMap<String, String>) -> Self {
        Step { challenge_name: Some(name.to_string()), session, challenge_parameters: parameters, ..Default::default() }
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

/// The ALLOW_ values of a client; a client created without any allows SRP, custom and refresh.
pub fn allowed_flows(client: &ClientRecord) -> Vec<String> {
    client
        .settings
        .explicit_auth_flows
        .clone()
        .unwrap_or_else(|| ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"].iter().map(|s| s.to_string()).collect())
}

/// Whether `client` allows `flow` (one of the AuthFlowType values).
pub fn flow_allowed(client: &ClientRecord, flow: &str) -> bool {
    let flows = allowed_flows(client);
    let has = |v: &str| flows.iter().any(|f| f == v);
    let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
    match flow {
        "USER_PASSWORD_AUTH" => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH"),
        "USER_SRP_AUTH" => has("ALLOW_USER_SRP_AUTH") || (legacy && !has("CUSTOM_AUTH_FLOW_ONLY")),
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => has("ALLOW_REFRESH_TOKEN_AUTH") || legacy,
        "USER_AUTH" => has("ALLOW_USER_AUTH"),
        "CUSTOM_AUTH" => has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY"),
        _ => false,
    }
}

/// The pool and client of a sign-in request, checked.
pub async fn sign_in(app: &App, pool_id: Option<&str>, client_id: &str, admin: bool) -> ApiResult<SignIn> {
    let client = app
        .store
        .get_client(client_id)
        .await
        .map_err(crate::app::internal)?
        .filter(|c| pool_id.is_none_or(|p| p == c.pool_id))
        .ok_or_else(|| api_error!(ResourceNotFoundException, "User pool client {client_id} does not exist."))?;
    let pool = app.pool(&client.pool_id).await?;
    Ok(SignIn { pool, client, admin })
}

/// SECRET_HASH for clients with a secret (spec §5.6). Any of `names` may be the one the client hashed
/// (the typed username, or the internal one after SRP).
pub fn check_secret_hash(client: &ClientRecord, provided: Option<&str>, names: &[&str]) -> ApiResult<()> {
    let Some(secret) = client.settings.client_secret.as_deref() else { return Ok(()) };
    let id = &client.client_id;
    let Some(provided) = provided else {
        return Err(api_error!(NotAuthorizedException, "Client {id} is configured with secret but SECRET_HASH was not received"));
    };
    if names.iter().any(|n| cognate_crypto::secret_hash::verify(secret, n, id, provided)) {
        Ok(())
    } else {
        Err(api_error!(NotAuthorizedException, "Unable to verify secret hash for client {id}"))
    }
}

/// The user a sign-in names, applying PreventUserExistenceErrors: with `ENABLED` an unknown user
/// looks like a wrong password.
pub async fn find_user(app: &App, s: &SignIn, username: &str) -> ApiResult<UserRecord> {
    match users::find(app, &s.pool, username).await? {
        Some(u) => Ok(u),
        None if prevents_existence_errors(&s.client) => Err(wrong_password()),
        None => Err(users::user_not_found()),
    }
}

pub fn prevents_existence_errors(client: &ClientRecord) -> bool {
    client.settings.prevent_user_existence_errors.as_deref() == Some("ENABLED")
}

pub fn wrong_password() -> ApiError {
    api_error!(NotAuthorizedException, "Incorrect username or password.")
}

pub fn required_param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> ApiResult<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| api_error!(InvalidParameterException, "Missing required parameter {name}"))
}

/// A user's state before a password is checked: unconfirmed users are told so even when the password
/// is wrong (spec §3.6).
pub fn check_can_sign_in(user: &UserRecord) -> ApiResult<()> {
    if user.data.status == UNCONFIRMED {
        return Err(api_error!(UserNotConfirmedException, "User is not confirmed."));
    }
    Ok(())
}

/// A user's state once the password is proven.
pub fn check_after_password(user: &UserRecord) -> ApiResult<()> {
    if !user.data.enabled {
        return Err(api_error!(NotAuthorizedException, "User is disabled."));
    }
    if user.data.status == RESET_REQUIRED {
        return Err(api_error!(PasswordResetRequiredException, "Password reset required for the user"));
    }
    Ok(())
}

/// A password as the first factor (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH's PASSWORD):
/// checked under the lockout rules, then whatever follows a first factor.
pub async fn password_first_factor(app: &App, s: &SignIn, user: UserRecord, password: &str) -> ApiResult<Step> {
    check_can_sign_in(&user)?;
    lockout::check(app, &user)?;
    let ok = match &user.data.password {
        Some(record) => users::password_matches(record, password).await,
        None => false,
    };
    if !ok {
        lockout::record_failure(app, &s.pool, &user).await?;
        return Err(wrong_password());
    }
    check_after_password(&user)?;
    after_first_factor(app, s, user).await
}

/// After the first factor (password, SRP): a forced password change, then MFA, then tokens.
pub async fn after_first_factor(app: &App, s: &SignIn, user: UserRecord) -> ApiResult<Step> {
    lockout::record_success(app, &s.pool, &user).await?;
    if user.data.status == FORCE_CHANGE_PASSWORD {
        if let Some(pw) = &user.data.password {
            let days = s
                .pool
                .settings
                .policies
                .as_ref()
                .and_then(|p| p.password_policy.as_ref())
                .and_then(|p| p.temporary_password_validity_days)
                .unwrap_or(7);
            if pw.temporary && app.now_ms() > pw.set_ms + days * 86_400_000 {
                return Err(api_error!(NotAuthorizedException, "Temporary password has expired and must be reset by an administrator."));
            }
        }
        return respond::new_password_required(app, s, &user).await;
    }
    finish(app, s, &user, app.clock.now_secs()).await
}

/// The last step of every sign-in: MFA if it applies, otherwise tokens.
pub async fn finish(app: &App, s: &SignIn, user: &UserRecord, auth_time: i64) -> ApiResult<Step> {
    crate::mfa::challenge::next_step(app, s, user, auth_time).await
}
