//! Authenticator apps: AssociateSoftwareToken, VerifySoftwareToken (with an access token, or with a
//! sign-in Session on the MFA_SETUP path) and AdminDeleteSoftwareToken (docs/mfa.md, TOTP).

use cognate_crypto::totp::{self, TotpCheck};
use cognate_wire::enums::ChallengeNameType as ChallengeName;
use cognate_wire::shapes::*;

use crate::signin::errors::{invalid_session, session_expired};
use crate::signin::policy::mfa::pool_factors;
use crate::signin::session;
use crate::store::{AuthSession, ChallengeState, PoolRecord, TotpDevice, UserRecord};
use crate::tokens::StatusCheck;
use crate::{ApiError, ApiResult, App, IamCaller, api_error, users};

fn not_enabled_by_pool() -> ApiError {
    api_error!(SoftwareTokenMFANotFoundException, "Software Token MFA has not been enabled by the userPool")
}

fn check_pool(pool: &PoolRecord) -> ApiResult<()> {
    if pool_factors(pool).totp { Ok(()) } else { Err(not_enabled_by_pool()) }
}

/// Who is enrolling: a signed-in user, or a user in the middle of an MFA_SETUP sign-in.
struct Enrolment {
    pool: PoolRecord,
    user: UserRecord,
    /// The MFA_SETUP session, on the sign-in path.
    session: Option<AuthSession>,
}

async fn enrolment(app: &App, access_token: Option<&str>, session: Option<&str>, check: StatusCheck) -> ApiResult<Enrolment> {
    match (access_token, session) {
        (Some(token), None) => {
            let me = app.authenticate(token, check).await?;
            Ok(Enrolment { pool: std::sync::Arc::unwrap_or_clone(me.pool), user: std::sync::Arc::unwrap_or_clone(me.user), session: None })
        }
        (None, Some(token)) => {
            let s = session::find(app, token).await?.ok_or_else(invalid_session)?;
            if !matches!(s.state, ChallengeState::MfaSetup { .. }) || s.used {
                return Err(invalid_session());
            }
            if app.now_ms() > s.expires_ms {
                return Err(session_expired());
            }
            let pool = app.pool(&s.pool_id).await?;
            let user = users::find(app, &pool, &s.username_key).await?.ok_or_else(invalid_session)?;
            Ok(Enrolment { pool, user, session: Some(s) })
        }
        _ => Err(api_error!(InvalidParameterException, "Exactly one of AccessToken or Session must be provided.")),
    }
}

pub async fn associate_software_token(app: &App, input: AssociateSoftwareTokenRequest) -> ApiResult<AssociateSoftwareTokenResponse> {
    // The model lists neither UserNotConfirmedException nor PasswordResetRequiredException here.
    let who = enrolment(app, input.access_token.as_deref(), input.session.as_deref(), StatusCheck::NoUnconfirmed).await?;
    let (pool, user) = (&who.pool, &who.user);
    check_pool(pool)?;
    let secret = totp::generate_secret();
    users::modify(app, pool, &user.username, |u| {
        u.data.mfa.pending_totp_secret = Some(secret.clone());
        Ok(())
    })
    .await?;
    let session = match &who.session {
        None => None,
        Some(s) => Some(session::replace(app, s, s.state.clone()).await?),
    };
    Ok(AssociateSoftwareTokenResponse { secret_code: Some(secret), session })
}

pub async fn verify_software_token(app: &App, input: VerifySoftwareTokenRequest) -> ApiResult<VerifySoftwareTokenResponse> {
    let who = enrolment(app, input.access_token.as_deref(), input.session.as_deref(), StatusCheck::Full).await?;
    let (pool, user) = (&who.pool, &who.user);
    check_pool(pool)?;
    let now = app.clock.now_secs().max(0) as u64;
    let friendly = input.friendly_device_name.clone();
    let verified_ms = app.now_ms();
    users::modify(app, pool, &user.username, |u| {
        let Some(secret) = u.data.mfa.pending_totp_secret.clone() else {
            return Err(api_error!(SoftwareTokenMFANotFoundException, "Software Token MFA does not exist for the user."));
        };
        match totp::check(&secret, &input.user_code, now, u.data.mfa.totp_last_step) {
            TotpCheck::Accepted { step } => {
                // The new authenticator replaces the old one only now that it is verified.
                u.data.mfa.totp = Some(TotpDevice { secret, friendly_name: friendly.clone(), verified_ms });
                u.data.mfa.pending_totp_secret = None;
                u.data.mfa.totp_last_step = Some(step);
                Ok(())
            }
            TotpCheck::Replayed => Err(api_error!(ExpiredCodeException, "Your software token has already been used once.")),
            TotpCheck::Mismatch => Err(api_error!(EnableSoftwareTokenMFAException, "Code mismatch and fail enable Software Token MFA")),
        }
    })
    .await?;
    let session = match &who.session {
        None => None,
        Some(s) => Some(session::replace(app, s, ChallengeState::MfaSetup { totp_verified: true }).await?),
    };
    Ok(VerifySoftwareTokenResponse { status: Some("SUCCESS".into()), session })
}

pub async fn admin_delete_software_token(
    app: &App,
    _caller: &IamCaller,
    input: AdminDeleteSoftwareTokenRequest,
) -> ApiResult<AdminDeleteSoftwareTokenResponse> {
    let pool = app.pool(&input.user_pool_id).await?;
    users::modify(app, &pool, &input.username, |u| {
        let m = &mut u.data.mfa;
        m.totp = None;
        m.pending_totp_secret = None;
        m.totp_enabled = false;
        if m.preferred.as_deref() == Some(ChallengeName::SoftwareTokenMfa.as_str()) {
            m.preferred = None;
        }
        Ok(())
    })
    .await?;
    Ok(AdminDeleteSoftwareTokenResponse {})
}
