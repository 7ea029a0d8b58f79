//! USER_AUTH, choice-based sign-in, through the AWS SDK for Rust: SELECT_CHALLENGE and what it offers,
//! PASSWORD, PASSWORD_SRP, and passwordless EMAIL_OTP / SMS_OTP with codes read from the outbox.

use std::collections::HashMap;
use std::sync::Arc;

use crate::common;
use crate::common::TestServer;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFactorType, AuthFlowType, AuthenticationResultType, ChallengeNameType, EmailMfaConfigType, EmailMfaSettingsType,
    ExplicitAuthFlowsType, PreventUserExistenceErrorTypes, SignInPolicyType, UserPoolMfaType, UserPoolPolicyType, UserPoolTierType,
};
use cognate_core::ManualClock;
use cognate_crypto::srp;

const PASSWORD: &str = "Correct-horse-9";
const T0: i64 = 1_800_000_000_000;
const EMAIL: &str = "alice@example.com";
const PHONE: &str = "+14155550123";

fn err_text<E: ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

fn sdk_err<E: ProvideErrorMetadata, R>(e: aws_sdk_cognitoidentityprovider::error::SdkError<E, R>) -> String {
    e.as_service_error().map(err_text).unwrap_or_else(|| "not a service error".into())
}

fn sign_in_policy(factors: &[AuthFactorType]) -> UserPoolPolicyType {
    UserPoolPolicyType::builder()
        .sign_in_policy(SignInPolicyType::builder().set_allowed_first_auth_factors(Some(factors.to_vec())).build())
        .build()
}

struct F {
    c: Client,
    pool_id: String,
    client_id: String,
    clock: Arc<ManualClock>,
    server: TestServer,
}

async fn fixture() -> F {
    fixture_with(PreventUserExistenceErrorTypes::Legacy).await
}

/// A pool that allows every first factor Cognate offers, and a client with ALLOW_USER_AUTH only.
async fn fixture_with(prevent: PreventUserExistenceErrorTypes) -> F {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_at(clock.clone()).await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("choice")
        .policies(sign_in_policy(&[AuthFactorType::Password, AuthFactorType::EmailOtp, AuthFactorType::SmsOtp]))
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    let client_id = user_auth_client(&c, &pool_id, Some(prevent)).await;
    F { c, pool_id, client_id, clock, server }
}

/// An app client with ALLOW_USER_AUTH only.
async fn user_auth_client(c: &Client, pool_id: &str, prevent: Option<PreventUserExistenceErrorTypes>) -> String {
    c.create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .set_prevent_user_existence_errors(prevent)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id")
}

impl F {
    /// A confirmed user with a password and the given attributes.
    async fn user(&self, name: &str, attrs: &[(&str, &str)]) {
        common::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, attrs).await;
    }

    /// A user with a verified email and a verified phone number.
    async fn full_user(&self, name: &str) {
        self.user(name, &[("email", EMAIL), ("email_verified", "true"), ("phone_number", PHONE), ("phone_number_verified", "true")]).await;
    }

    async fn initiate(&self, params: &[(&str, &str)]) -> Result<InitiateAuthOutput, String> {
        let mut req = self.c.initiate_auth().client_id(&self.client_id).auth_flow(AuthFlowType::UserAuth);
        for (k, v) in params {
            req = req.auth_parameters(*k, *v);
        }
        req.send().await.map_err(|e| err_text(&e.into_service_error()))
    }

    async fn respond(
        &self,
        challenge: ChallengeNameType,
        session: Option<&str>,
        responses: &[(&str, &str)],
    ) -> Result<RespondToAuthChallengeOutput, String> {
        let mut req =
            self.c.respond_to_auth_challenge().client_id(&self.client_id).challenge_name(challenge).set_session(session.map(String::from));
        for (k, v) in responses {
            req = req.challenge_responses(*k, *v);
        }
        req.send().await.map_err(|e| err_text(&e.into_service_error()))
    }

    /// The newest message in the development outbox for `user`: its body's digits.
    async fn outbox_code(&self, user: &str) -> String {
        common::outbox_code(self.server.addr, &self.pool_id, user).await
    }

    async fn outbox_count(&self, user: &str) -> usize {
        let r = common::raw_get(self.server.addr, &format!("/_cognate/outbox?pool={}&user={user}", self.pool_id)).await;
        r.json()["Messages"].as_array().map(Vec::len).unwrap_or(0)
    }

    async fn factors(&self, user: &str) -> Vec<String> {
        let out = self.c.admin_get_user_auth_factors().user_pool_id(&self.pool_id).username(user).send().await.expect("factors");
        out.configured_user_auth_factors().iter().map(|f| f.as_str().to_string()).collect()
    }

    /// The tokens work: GetUser answers for `user`.
    async fn assert_usable(&self, result: Option<&AuthenticationResultType>, user: &str) {
        let access = result.and_then(|r| r.access_token()).expect("access token");
        assert!(result.and_then(|r| r.id_token()).is_some() && result.and_then(|r| r.refresh_token()).is_some());
        let me = self.c.get_user().access_token(access).send().await.expect("GetUser with the new token");
        assert_eq!(me.username(), user);
    }

    async fn stop(self) {
        self.server.stop().await;
    }
}

fn names(list: &[ChallengeNameType]) -> Vec<String> {
    list.iter().map(|c| c.as_str().to_string()).collect()
}

fn expand(factors: &[String]) -> Vec<String> {
    factors.iter().flat_map(|f| if f == "PASSWORD" { vec![f.clone(), "PASSWORD_SRP".into()] } else { vec![f.clone()] }).collect()
}

fn params(out: &HashMap<String, String>, key: &str) -> String {
    out.get(key).cloned().unwrap_or_default()
}

#[tokio::test]
async fn select_challenge_offers_exactly_what_get_user_auth_factors_reports() {
    let f = fixture().await;
    f.full_user("alice").await;
    f.user("bob", &[("email", "bob@example.com")]).await; // unverified: password only
    f.user("carol", &[("phone_number", PHONE), ("phone_number_verified", "true")]).await;
    for (user, expected) in
        [("alice", vec!["PASSWORD", "EMAIL_OTP", "SMS_OTP"]), ("bob", vec!["PASSWORD"]), ("carol", vec!["PASSWORD", "SMS_OTP"])]
    {
        let factors = f.factors(user).await;
        assert_eq!(factors, expected, "{user}");
        let out = f.initiate(&[("USERNAME", user)]).await.expect("SELECT_CHALLENGE");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
        assert!(out.session().is_some_and(|s| s.len() >= 20));
        assert!(out.authentication_result().is_none());
        assert_eq!(names(out.available_challenges()), expand(&factors), "{user}");
        let p = out.challenge_parameters().cloned().unwrap_or_default();
        assert_eq!(params(&p, "USERNAME"), user);
    }
    // The same list through the access token of a passwordless sign-in.
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await.expect("code sent");
    let done = f
        .respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &f.outbox_code("alice").await)])
        .await
        .expect("tokens");
    let token = done.authentication_result().and_then(|r| r.access_token()).expect("access").to_string();
    let mine = f.c.get_user_auth_factors().access_token(&token).send().await.expect("own factors");
    let listed: Vec<String> = mine.configured_user_auth_factors().iter().map(|x| x.as_str().to_string()).collect();
    assert_eq!(listed, ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]);
    // Pools created without a SignInPolicy allow only the password.
    let plain = f.c.create_user_pool().pool_name("plain").send().await.expect("pool");
    let policy = plain.user_pool().and_then(|p| p.policies()).and_then(|p| p.sign_in_policy()).expect("sign-in policy");
    assert_eq!(policy.allowed_first_auth_factors(), [AuthFactorType::Password]);
    let tier = plain.user_pool().and_then(|p| p.user_pool_tier()).cloned();
    assert_eq!(tier, Some(UserPoolTierType::Essentials));
    f.stop().await;
}

#[tokio::test]
async fn password_directly_as_a_challenge_and_through_select_challenge() {
    let f = fixture().await;
    f.full_user("alice").await;
    // PREFERRED_CHALLENGE=PASSWORD with the password: checked at once.
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "PASSWORD"), ("PASSWORD", PASSWORD)]).await.expect("tokens");
    assert!(out.challenge_name().is_none());
    f.assert_usable(out.authentication_result(), "alice").await;
    let wrong = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "PASSWORD"), ("PASSWORD", "Wrong-horse-9")]).await;
    assert_eq!(wrong.err().as_deref(), Some("NotAuthorizedException: Incorrect username or password."));

    // Without the password: a PASSWORD challenge, answered once.
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "PASSWORD")]).await.expect("PASSWORD challenge");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::Password));
    let done =
        f.respond(ChallengeNameType::Password, out.session(), &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)]).await.expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;
    let again = f.respond(ChallengeNameType::Password, out.session(), &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)]).await;
    assert_eq!(again.err().as_deref(), Some("NotAuthorizedException: Invalid session for the user, session can only be used once."));

    // SELECT_CHALLENGE answered with PASSWORD and the password in one step.
    let out = f.initiate(&[("USERNAME", "alice")]).await.expect("SELECT_CHALLENGE");
    let done = f
        .respond(
            ChallengeNameType::SelectChallenge,
            out.session(),
            &[("USERNAME", "alice"), ("ANSWER", "PASSWORD"), ("PASSWORD", PASSWORD)],
        )
        .await
        .expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;

    // AdminInitiateAuth takes the same flow.
    let admin =
        f.c.admin_initiate_auth()
            .user_pool_id(&f.pool_id)
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("admin USER_AUTH");
    f.assert_usable(admin.authentication_result(), "alice").await;
    f.stop().await;
}

/// Answers a PASSWORD_VERIFIER challenge with the SRP client.
async fn answer_verifier(
    f: &F,
    out_params: &HashMap<String, String>,
    secret: &srp::client::ClientSecret,
    password: &str,
) -> Result<RespondToAuthChallengeOutput, String> {
    let timestamp = srp::format_timestamp(chrono::DateTime::from_timestamp_millis(T0).expect("time"));
    let signature = srp::client::respond(
        secret,
        &srp::client::Challenge {
            pool_name: srp::pool_name(&f.pool_id),
            user_id_for_srp: &out_params["USER_ID_FOR_SRP"],
            password,
            salt_hex: &out_params["SALT"],
            srp_b_hex: &out_params["SRP_B"],
            secret_block_b64: &out_params["SECRET_BLOCK"],
            timestamp: &timestamp,
        },
    )
    .expect("client signature");
    f.respond(
        ChallengeNameType::PasswordVerifier,
        None,
        &[
            ("USERNAME", &out_params["USER_ID_FOR_SRP"]),
            ("PASSWORD_CLAIM_SECRET_BLOCK", &out_params["SECRET_BLOCK"]),
            ("PASSWORD_CLAIM_SIGNATURE", &signature),
            ("TIMESTAMP", &timestamp),
        ],
    )
    .await
}

#[tokio::test]
async fn password_srp_through_preferred_challenge_and_select_challenge() {
    let f = fixture().await;
    f.full_user("alice").await;
    let (secret, srp_a) = srp::client::start();
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "PASSWORD_SRP"), ("SRP_A", &srp_a)]).await.expect("verifier");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
    let done = answer_verifier(&f, &out.challenge_parameters().cloned().unwrap_or_default(), &secret, PASSWORD).await.expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;

    let (secret, srp_a) = srp::client::start();
    let select = f.initiate(&[("USERNAME", "alice")]).await.expect("SELECT_CHALLENGE");
    let missing =
        f.respond(ChallengeNameType::SelectChallenge, select.session(), &[("USERNAME", "alice"), ("ANSWER", "PASSWORD_SRP")]).await;
    assert_eq!(missing.err().as_deref(), Some("InvalidParameterException: Missing required parameter SRP_A"));
    let out = f
        .respond(
            ChallengeNameType::SelectChallenge,
            select.session(),
            &[("USERNAME", "alice"), ("ANSWER", "PASSWORD_SRP"), ("SRP_A", &srp_a)],
        )
        .await
        .expect("verifier");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    let wrong = answer_verifier(&f, &p, &secret, "Wrong-horse-9").await;
    assert_eq!(wrong.err().as_deref(), Some("NotAuthorizedException: Incorrect username or password."));
    f.stop().await;
}

#[tokio::test]
async fn email_otp_sign_in_with_the_emailed_code() {
    let f = fixture().await;
    f.full_user("alice").await;
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await.expect("code sent");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(params(&p, "CODE_DELIVERY_DELIVERY_MEDIUM"), "EMAIL");
    assert_eq!(params(&p, "CODE_DELIVERY_DESTINATION"), "a***@e***");
    assert_eq!(params(&p, "USER_ID_FOR_SRP"), "alice");
    let code = f.outbox_code("alice").await;
    assert_eq!(code.len(), 8, "passwordless codes are 8 digits");
    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    let err = f.respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", wrong)]).await;
    assert_eq!(err.err().as_deref(), Some("CodeMismatchException: Invalid code or auth state for the user."));
    // The same session still takes the right code, once; no second factor follows.
    let done =
        f.respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]).await.expect("tokens");
    assert!(done.challenge_name().is_none());
    f.assert_usable(done.authentication_result(), "alice").await;
    let reused = f.respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]).await;
    assert_eq!(reused.err().as_deref(), Some("NotAuthorizedException: Invalid session for the user, session can only be used once."));

    // Through SELECT_CHALLENGE: a new code, and the old one is worthless for the new session.
    let select = f.initiate(&[("USERNAME", "alice")]).await.expect("SELECT_CHALLENGE");
    let out = f
        .respond(ChallengeNameType::SelectChallenge, select.session(), &[("USERNAME", "alice"), ("ANSWER", "EMAIL_OTP")])
        .await
        .expect("code sent");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let fresh = f.outbox_code("alice").await;
    if fresh != code {
        let old = f.respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]).await;
        assert_eq!(old.err().as_deref(), Some("CodeMismatchException: Invalid code or auth state for the user."));
    }
    let done =
        f.respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &fresh)]).await.expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;
    f.stop().await;
}

#[tokio::test]
async fn sms_otp_sign_in_with_the_texted_code() {
    let f = fixture().await;
    f.full_user("alice").await;
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "SMS_OTP")]).await.expect("code sent");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsOtp));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(params(&p, "CODE_DELIVERY_DELIVERY_MEDIUM"), "SMS");
    assert_eq!(params(&p, "CODE_DELIVERY_DESTINATION"), "+*******0123");
    let code = f.outbox_code("alice").await;
    assert_eq!(code.len(), 8);
    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    let err = f.respond(ChallengeNameType::SmsOtp, out.session(), &[("USERNAME", "alice"), ("SMS_OTP_CODE", wrong)]).await;
    assert_eq!(err.err().as_deref(), Some("CodeMismatchException: Invalid code or auth state for the user."));
    let done =
        f.respond(ChallengeNameType::SmsOtp, out.session(), &[("USERNAME", "alice"), ("SMS_OTP_CODE", &code)]).await.expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;
    f.stop().await;
}

#[tokio::test]
async fn codes_expire_with_the_session_and_wrong_guesses_are_limited() {
    let f = fixture().await;
    f.full_user("alice").await;
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await.expect("code sent");
    let code = f.outbox_code("alice").await;
    // AuthSessionValidity defaults to 3 minutes.
    f.clock.advance_ms(3 * 60_000 + 1_000);
    let late = f.respond(ChallengeNameType::EmailOtp, out.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]).await;
    assert_eq!(late.err().as_deref(), Some("NotAuthorizedException: Invalid session for the user, session is expired."));

    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "SMS_OTP")]).await.expect("code sent");
    let code = f.outbox_code("alice").await;
    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    for _ in 0..3 {
        let err = f.respond(ChallengeNameType::SmsOtp, out.session(), &[("USERNAME", "alice"), ("SMS_OTP_CODE", wrong)]).await;
        assert_eq!(err.err().as_deref(), Some("CodeMismatchException: Invalid code or auth state for the user."));
    }
    let after = f.respond(ChallengeNameType::SmsOtp, out.session(), &[("USERNAME", "alice"), ("SMS_OTP_CODE", &code)]).await;
    assert_eq!(after.err().as_deref(), Some("NotAuthorizedException: Invalid session for the user, session can only be used once."));
    f.stop().await;
}

#[tokio::test]
async fn users_with_mfa_are_offered_only_the_password_then_the_mfa_challenge() {
    let f = fixture().await;
    f.c.set_user_pool_mfa_config()
        .user_pool_id(&f.pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .email_mfa_configuration(EmailMfaConfigType::builder().build())
        .send()
        .await
        .expect("email MFA");
    f.full_user("alice").await;
    assert_eq!(f.factors("alice").await, ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]);
    // A code sent before MFA was turned on no longer signs in afterwards, nor does a choice made before.
    let pending = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await.expect("code sent");
    let pending_code = f.outbox_code("alice").await;
    let select = f.initiate(&[("USERNAME", "alice")]).await.expect("SELECT_CHALLENGE");
    f.c.admin_set_user_mfa_preference()
        .user_pool_id(&f.pool_id)
        .username("alice")
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .expect("email MFA on");
    assert_eq!(f.factors("alice").await, ["PASSWORD"]);
    let late = f.respond(ChallengeNameType::EmailOtp, pending.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &pending_code)]).await;
    assert_eq!(late.err().as_deref(), Some("CodeMismatchException: Invalid code or auth state for the user."));
    let late = f.respond(ChallengeNameType::SelectChallenge, select.session(), &[("USERNAME", "alice"), ("ANSWER", "SMS_OTP")]).await;
    assert!(late.err().is_some_and(|e| e.starts_with("InvalidParameterException: ")));
    let out = f.initiate(&[("USERNAME", "alice")]).await.expect("SELECT_CHALLENGE");
    assert_eq!(names(out.available_challenges()), ["PASSWORD", "PASSWORD_SRP"]);
    // A one-time code is not offered even when preferred: the choice falls back to the list.
    let sent = f.outbox_count("alice").await;
    let out = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await.expect("SELECT_CHALLENGE");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    assert_eq!(names(out.available_challenges()), ["PASSWORD", "PASSWORD_SRP"]);
    assert_eq!(f.outbox_count("alice").await, sent, "no code sent");
    let mfa = f
        .respond(
            ChallengeNameType::SelectChallenge,
            out.session(),
            &[("USERNAME", "alice"), ("ANSWER", "PASSWORD"), ("PASSWORD", PASSWORD)],
        )
        .await
        .expect("MFA challenge");
    assert_eq!(mfa.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let code = f.outbox_code("alice").await;
    let done =
        f.respond(ChallengeNameType::EmailOtp, mfa.session(), &[("USERNAME", "alice"), ("EMAIL_OTP_CODE", &code)]).await.expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;
    // Answering the MFA challenge as if it were the first factor is refused.
    let out = f.initiate(&[("USERNAME", "alice")]).await.expect("SELECT_CHALLENGE");
    let not_offered = f.respond(ChallengeNameType::SelectChallenge, out.session(), &[("USERNAME", "alice"), ("ANSWER", "EMAIL_OTP")]).await;
    assert!(not_offered.err().is_some_and(|e| e.starts_with("InvalidParameterException: ")));
    f.stop().await;
}

#[tokio::test]
async fn tier_client_and_pool_configuration_refusals() {
    let f = fixture().await;
    f.full_user("alice").await;
    // Pool configuration.
    let no_password =
        f.c.create_user_pool().pool_name("x").policies(sign_in_policy(&[AuthFactorType::EmailOtp])).send().await.map_err(sdk_err).err();
    assert_eq!(no_password.as_deref(), Some("InvalidParameterException: PASSWORD must be included in AllowedFirstAuthFactors."));
    let totp =
        f.c.create_user_pool()
            .pool_name("x")
            .policies(sign_in_policy(&[AuthFactorType::Password, AuthFactorType::SoftwareToken]))
            .send()
            .await
            .map_err(sdk_err)
            .err();
    assert_eq!(totp.as_deref(), Some("InvalidParameterException: SOFTWARE_TOKEN is not supported as a first auth factor."));
    let lite =
        f.c.create_user_pool()
            .pool_name("x")
            .user_pool_tier(UserPoolTierType::Lite)
            .policies(sign_in_policy(&[AuthFactorType::Password, AuthFactorType::EmailOtp]))
            .send()
            .await
            .map_err(sdk_err)
            .err();
    assert_eq!(
        lite.as_deref(),
        Some(
            "FeatureUnavailableInTierException: The following features need to be disabled for the LITE pricing tier configured: Passwordless Sign-In"
        )
    );
    let update =
        f.c.update_user_pool()
            .user_pool_id(&f.pool_id)
            .user_pool_tier(UserPoolTierType::Lite)
            .policies(sign_in_policy(&[AuthFactorType::Password, AuthFactorType::SmsOtp]))
            .send()
            .await
            .map_err(sdk_err)
            .err();
    assert!(update.is_some_and(|e| e.starts_with("FeatureUnavailableInTierException: ")));

    // USER_AUTH on a LITE pool.
    let lite_pool = f.c.create_user_pool().pool_name("lite").user_pool_tier(UserPoolTierType::Lite).send().await.expect("lite pool");
    let lite_pool = lite_pool.user_pool().and_then(|p| p.id()).expect("id").to_string();
    let lite_client = user_auth_client(&f.c, &lite_pool, None).await;
    let out =
        f.c.initiate_auth()
            .client_id(&lite_client)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "alice")
            .send()
            .await
            .map_err(sdk_err)
            .err();
    assert!(out.is_some_and(|e| e.starts_with("FeatureUnavailableInTierException: ")));

    // A client without ALLOW_USER_AUTH.
    let other =
        f.c.create_user_pool_client()
            .user_pool_id(&f.pool_id)
            .client_name("password-only")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .send()
            .await
            .expect("client");
    let other = other.user_pool_client().and_then(|c| c.client_id()).expect("id").to_string();
    let out =
        f.c.initiate_auth()
            .client_id(&other)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "alice")
            .send()
            .await
            .map_err(sdk_err)
            .err();
    assert_eq!(out.as_deref(), Some("InvalidParameterException: USER_AUTH flow not enabled for this client"));

    // Request parameters.
    let bad = f.initiate(&[("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "CARRIER_PIGEON")]).await;
    assert_eq!(
        bad.err().as_deref(),
        Some("InvalidParameterException: Invalid value for PREFERRED_CHALLENGE: CARRIER_PIGEON is not a challenge name.")
    );
    let missing = f.initiate(&[("PREFERRED_CHALLENGE", "PASSWORD")]).await;
    assert_eq!(missing.err().as_deref(), Some("InvalidParameterException: Missing required parameter USERNAME"));
    let ghost = f.initiate(&[("USERNAME", "ghost")]).await;
    assert_eq!(ghost.err().as_deref(), Some("UserNotFoundException: User does not exist."));
    // A challenge name the user cannot use falls back to the list; WEB_AUTHN is not offered yet.
    f.user("bob", &[]).await;
    for preferred in ["SMS_OTP", "WEB_AUTHN", "SOFTWARE_TOKEN_MFA"] {
        let out = f.initiate(&[("USERNAME", "bob"), ("PREFERRED_CHALLENGE", preferred)]).await.expect("SELECT_CHALLENGE");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge), "{preferred}");
        assert_eq!(names(out.available_challenges()), ["PASSWORD", "PASSWORD_SRP"]);
        let refused = f.respond(ChallengeNameType::SelectChallenge, out.session(), &[("USERNAME", "bob"), ("ANSWER", preferred)]).await;
        assert_eq!(
            refused.err(),
            Some(format!("InvalidParameterException: Invalid value for ANSWER: {preferred} is not one of AvailableChallenges."))
        );
    }
    // The session names its user.
    let out = f.initiate(&[("USERNAME", "bob")]).await.expect("SELECT_CHALLENGE");
    let other_user = f
        .respond(
            ChallengeNameType::SelectChallenge,
            out.session(),
            &[("USERNAME", "alice"), ("ANSWER", "PASSWORD"), ("PASSWORD", PASSWORD)],
        )
        .await;
    assert_eq!(other_user.err().as_deref(), Some("NotAuthorizedException: Invalid session for the user."));
    f.stop().await;
}

#[tokio::test]
async fn unknown_users_get_plausible_challenges_when_existence_errors_are_prevented() {
    let f = fixture_with(PreventUserExistenceErrorTypes::Enabled).await;
    f.full_user("alice").await;
    let real = f.initiate(&[("USERNAME", "alice")]).await.expect("real");
    let fake = f.initiate(&[("USERNAME", "ghost")]).await.expect("decoy");
    assert_eq!(fake.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    assert_eq!(fake.available_challenges(), real.available_challenges());
    assert_eq!(fake.session().map(str::len), real.session().map(str::len));
    let answer = f
        .respond(
            ChallengeNameType::SelectChallenge,
            fake.session(),
            &[("USERNAME", "ghost"), ("ANSWER", "PASSWORD"), ("PASSWORD", PASSWORD)],
        )
        .await;
    assert_eq!(answer.err().as_deref(), Some("NotAuthorizedException: Incorrect username or password."));

    let fake = f.initiate(&[("USERNAME", "ghost@example.com"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await.expect("decoy code");
    assert_eq!(fake.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let p = fake.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(params(&p, "CODE_DELIVERY_DESTINATION"), "g***@e***");
    let guess =
        f.respond(ChallengeNameType::EmailOtp, fake.session(), &[("USERNAME", "ghost@example.com"), ("EMAIL_OTP_CODE", "12345678")]).await;
    assert_eq!(guess.err().as_deref(), Some("CodeMismatchException: Invalid code or auth state for the user."));
    assert_eq!(f.outbox_count("ghost@example.com").await, 0, "nothing is sent for an unknown user");

    let fake = f.initiate(&[("USERNAME", "ghost"), ("PREFERRED_CHALLENGE", "PASSWORD")]).await.expect("decoy PASSWORD");
    assert_eq!(fake.challenge_name(), Some(&ChallengeNameType::Password));
    let answer = f.respond(ChallengeNameType::Password, fake.session(), &[("USERNAME", "ghost"), ("PASSWORD", PASSWORD)]).await;
    assert_eq!(answer.err().as_deref(), Some("NotAuthorizedException: Incorrect username or password."));
    f.stop().await;
}

#[tokio::test]
async fn clients_with_a_secret_and_the_admin_operations() {
    let f = fixture().await;
    f.full_user("alice").await;
    let created =
        f.c.create_user_pool_client()
            .user_pool_id(&f.pool_id)
            .client_name("server")
            .generate_secret(true)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
            .send()
            .await
            .expect("client");
    let client = created.user_pool_client().expect("client");
    let (id, secret) = (client.client_id().expect("id").to_string(), client.client_secret().expect("secret").to_string());
    let hash = cognate_crypto::secret_hash::compute(&secret, "alice", &id);
    let admin_initiate = |with_hash: bool| {
        let mut req =
            f.c.admin_initiate_auth()
                .user_pool_id(&f.pool_id)
                .client_id(&id)
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PREFERRED_CHALLENGE", "SMS_OTP");
        if with_hash {
            req = req.auth_parameters("SECRET_HASH", &hash);
        }
        req.send()
    };
    let missing = admin_initiate(false).await.map_err(sdk_err).err();
    assert_eq!(missing, Some(format!("NotAuthorizedException: Client {id} is configured with secret but SECRET_HASH was not received")));
    let out = admin_initiate(true).await.expect("code sent");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsOtp));
    let code = f.outbox_code("alice").await;
    let admin_respond = |with_hash: bool| {
        let mut req =
            f.c.admin_respond_to_auth_challenge()
                .user_pool_id(&f.pool_id)
                .client_id(&id)
                .challenge_name(ChallengeNameType::SmsOtp)
                .set_session(out.session().map(String::from))
                .challenge_responses("USERNAME", "alice")
                .challenge_responses("SMS_OTP_CODE", &code);
        if with_hash {
            req = req.challenge_responses("SECRET_HASH", &hash);
        }
        req.send()
    };
    let missing = admin_respond(false).await.map_err(sdk_err).err();
    assert!(missing.is_some_and(|e| e.contains("SECRET_HASH was not received")));
    let done = admin_respond(true).await.expect("tokens");
    f.assert_usable(done.authentication_result(), "alice").await;
    f.stop().await;
}

/// ConfirmSignUp answers a Session; InitiateAuth USER_AUTH with it signs the new user in without a
/// second code: once, for that user, within the client's AuthSessionValidity (InitiateAuth's
/// `Session` parameter in the API reference; docs/user-auth.md).
#[tokio::test]
async fn the_confirm_sign_up_session_signs_the_new_user_in() {
    let f = fixture().await;
    let pool_id =
        f.c.create_user_pool()
            .pool_name("sign-up")
            .auto_verified_attributes(aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email)
            .policies(sign_in_policy(&[AuthFactorType::Password, AuthFactorType::EmailOtp]))
            .send()
            .await
            .expect("pool")
            .user_pool()
            .and_then(|p| p.id().map(str::to_string))
            .expect("id");
    let client_id = user_auth_client(&f.c, &pool_id, None).await;
    let email = |v: &str| AttributeType::builder().name("email").value(v).build().expect("attr");
    for name in ["nina", "omar"] {
        f.c.sign_up()
            .client_id(&client_id)
            .username(name)
            .password(PASSWORD)
            .user_attributes(email(&format!("{name}@example.com")))
            .send()
            .await
            .expect("sign up");
    }
    let confirm = |name: &'static str| {
        let (c, client_id, addr, pool_id) = (f.c.clone(), client_id.clone(), f.server.addr, pool_id.clone());
        async move {
            let code = common::outbox_code(addr, &pool_id, name).await;
            let out = c.confirm_sign_up().client_id(&client_id).username(name).confirmation_code(code).send().await.expect("confirm");
            out.session().expect("ConfirmSignUp answers a Session").to_string()
        }
    };
    let initiate = |name: &'static str, session: String| {
        let (c, client_id) = (f.c.clone(), client_id.clone());
        async move {
            c.initiate_auth()
                .client_id(&client_id)
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", name)
                .session(session)
                .send()
                .await
                .map_err(sdk_err)
        }
    };

    let nina = confirm("nina").await;
    let err = initiate("omar", nina.clone()).await.expect_err("another user's session");
    assert_eq!(err, "NotAuthorizedException: Invalid session for the user.");
    let out = initiate("nina", nina.clone()).await.expect("signed in");
    let tokens = out.authentication_result().expect("tokens without a second code");
    let me = f.c.get_user().access_token(tokens.access_token().expect("access")).send().await.expect("get user");
    assert_eq!(me.username(), "nina");
    let again = initiate("nina", nina).await.expect_err("single use");
    assert_eq!(again, "NotAuthorizedException: Invalid session for the user, session can only be used once.");

    let omar = confirm("omar").await;
    f.clock.advance_ms(3 * 60_000 + 1);
    let late = initiate("omar", omar).await.expect_err("expired");
    assert_eq!(late, "NotAuthorizedException: Invalid session for the user, session is expired.");
    let forged = initiate("omar", "A".repeat(300)).await.expect_err("unknown session");
    assert_eq!(forged, "NotAuthorizedException: Invalid session for the user.");
    // A challenge's session is not a sign-up session.
    let select =
        f.c.initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "omar")
            .send()
            .await
            .expect("select challenge");
    assert_eq!(select.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    let other = initiate("omar", select.session().expect("session").to_string()).await.expect_err("not from ConfirmSignUp");
    assert_eq!(other, "NotAuthorizedException: Invalid session for the user.");
}
