//! Authentication factors and MFA through the AWS SDK for Rust: pool configuration, authenticator
//! apps, preferences, GetUserAuthFactors, and MFA challenges in sign-in with real codes.

use std::sync::Arc;

use crate::common;
use crate::common::TestServer;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, EmailMfaConfigType, ExplicitAuthFlowsType, SmsMfaSettingsType, SoftwareTokenMfaConfigType,
    SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use cognate_core::ManualClock;
use cognate_crypto::totp;

const PASSWORD: &str = "Correct-horse-9";
const T0: i64 = 1_800_000_000_000;

struct F {
    c: Client,
    pool_id: String,
    client_id: String,
    clock: Arc<ManualClock>,
    server: TestServer,
}

fn err_text<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

async fn fixture(mode: UserPoolMfaType) -> F {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_at(clock.clone()).await;
    let c = server.client();
    let pool_id =
        c.create_user_pool().pool_name("mfa").send().await.expect("pool").user_pool().and_then(|p| p.id().map(str::to_string)).expect("id");
    if mode != UserPoolMfaType::Off {
        c.set_user_pool_mfa_config()
            .user_pool_id(&pool_id)
            .mfa_configuration(mode)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .email_mfa_configuration(EmailMfaConfigType::builder().build())
            .send()
            .await
            .expect("mfa config");
    }
    let client_id = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id");
    F { c, pool_id, client_id, clock, server }
}

impl F {
    async fn user(&self, name: &str, attrs: &[(&str, &str)]) {
        common::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, attrs).await;
    }

    async fn sign_in(&self, name: &str) -> aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput {
        self.c
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in")
    }

    async fn token(&self, name: &str) -> String {
        self.sign_in(name).await.authentication_result().and_then(|r| r.access_token().map(str::to_string)).expect("tokens without MFA")
    }

    fn code(&self, secret: &str) -> String {
        totp::code_at(secret, (self.clock.now_ms() / 1000) as u64).expect("code")
    }

    async fn respond(
        &self,
        challenge: ChallengeNameType,
        session: &str,
        name: &str,
        key: &str,
        value: &str,
    ) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, String> {
        self.c
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(challenge)
            .session(session)
            .challenge_responses("USERNAME", name)
            .challenge_responses(key, value)
            .send()
            .await
            .map_err(|e| err_text(&e.into_service_error()))
    }

    /// The newest code in the development outbox for `user`.
    async fn outbox_code(&self, user: &str) -> String {
        common::outbox_code(self.server.addr, &self.pool_id, user).await
    }
}

use cognate_core::Clock;

#[tokio::test]
async fn pool_mfa_configuration_rules() {
    let f = fixture(UserPoolMfaType::Off).await;
    let err =
        f.c.set_user_pool_mfa_config()
            .user_pool_id(&f.pool_id)
            .mfa_configuration(UserPoolMfaType::Off)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await
            .expect_err("off plus factor")
            .into_service_error();
    assert_eq!(
        err_text(&err),
        "InvalidParameterException: Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
    );
    let err =
        f.c.set_user_pool_mfa_config()
            .user_pool_id(&f.pool_id)
            .mfa_configuration(UserPoolMfaType::On)
            .send()
            .await
            .expect_err("on alone")
            .into_service_error();
    assert_eq!(
        err_text(&err),
        "InvalidParameterException: Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
    );
    let set =
        f.c.set_user_pool_mfa_config()
            .user_pool_id(&f.pool_id)
            .mfa_configuration(UserPoolMfaType::Optional)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await
            .expect("optional totp");
    assert_eq!(set.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(set.software_token_mfa_configuration().map(|t| t.enabled()), Some(true));
    assert!(set.sms_mfa_configuration().is_none() && set.email_mfa_configuration().is_none());
    let got = f.c.get_user_pool_mfa_config().user_pool_id(&f.pool_id).send().await.expect("get");
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(got.software_token_mfa_configuration().map(|t| t.enabled()), Some(true));
}

#[tokio::test]
async fn the_totp_story() {
    let f = fixture(UserPoolMfaType::Optional).await;
    f.user("alice", &[]).await;
    let token = f.token("alice").await;

    let err =
        f.c.set_user_mfa_preference()
            .access_token(&token)
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await
            .expect_err("not verified")
            .into_service_error();
    assert_eq!(err_text(&err), "InvalidParameterException: User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA");

    let assoc = f.c.associate_software_token().access_token(&token).send().await.expect("associate");
    assert!(assoc.session().is_none());
    let secret = assoc.secret_code().expect("secret").to_string();
    assert_eq!(secret.len(), 52);
    let err = f.c.verify_software_token().access_token(&token).user_code("000000").send().await;
    if let Err(e) = err {
        let se = e.into_service_error();
        assert!(se.is_enable_software_token_mfa_exception(), "{se:?}");
        assert_eq!(se.meta().message(), Some("Code mismatch and fail enable Software Token MFA"));
    }
    let ok =
        f.c.verify_software_token()
            .access_token(&token)
            .user_code(f.code(&secret))
            .friendly_device_name("phone")
            .send()
            .await
            .expect("verify");
    assert_eq!(ok.status().map(|s| s.as_str()), Some("SUCCESS"));
    // Verified but not yet activated: OPTIONAL pools still sign in without MFA.
    let factors = f.c.get_user_auth_factors().access_token(&token).send().await.expect("factors");
    assert!(factors.user_mfa_setting_list().is_empty());
    assert_eq!(factors.configured_user_auth_factors().iter().map(|f| f.as_str()).collect::<Vec<_>>(), vec!["PASSWORD"]);

    f.c.set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .expect("prefer totp");
    let me = f.c.get_user().access_token(&token).send().await.expect("get user");
    assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    assert_eq!(me.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA".to_string()]);
    assert!(me.mfa_options().is_empty());
    let factors = f.c.get_user_auth_factors().access_token(&token).send().await.expect("factors");
    assert_eq!(factors.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    assert_eq!(factors.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA".to_string()]);

    // Next sign-in asks for the code.
    f.clock.advance_ms(60_000);
    let out = f.sign_in("alice").await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(p.get("FRIENDLY_DEVICE_NAME").map(String::as_str), Some("phone"));
    assert_eq!(p.get("USER_ID_FOR_SRP").map(String::as_str), Some("alice"));
    let session = out.session().expect("session").to_string();
    assert_eq!(
        f.respond(ChallengeNameType::SoftwareTokenMfa, &session, "alice", "SOFTWARE_TOKEN_MFA_CODE", "123456")
            .await
            .err()
            .as_deref()
            .map(|e| e.starts_with("CodeMismatchException: Invalid code received for user")),
        Some(true)
    );
    let code = f.code(&secret);
    let done =
        f.respond(ChallengeNameType::SoftwareTokenMfa, &session, "alice", "SOFTWARE_TOKEN_MFA_CODE", &code).await.expect("right code");
    assert!(done.authentication_result().and_then(|r| r.access_token()).is_some());

    // The same code again, in a new sign-in within the same 30 s step: a replay.
    let again = f.sign_in("alice").await;
    let err = f
        .respond(ChallengeNameType::SoftwareTokenMfa, again.session().unwrap_or_default(), "alice", "SOFTWARE_TOKEN_MFA_CODE", &code)
        .await
        .err();
    assert_eq!(err.as_deref(), Some("ExpiredCodeException: Your software token has already been used once."));

    // Disabling TOTP brings back password-only sign-in.
    f.c.set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(false).build())
        .send()
        .await
        .expect("disable");
    let me = f.c.get_user().access_token(&token).send().await.expect("get user");
    assert!(me.preferred_mfa_setting().is_none() && me.user_mfa_setting_list().is_empty());
    assert!(f.sign_in("alice").await.authentication_result().is_some());
}

#[tokio::test]
async fn sms_and_email_codes_and_select_mfa_type() {
    let f = fixture(UserPoolMfaType::Optional).await;
    f.c.set_user_pool_mfa_config()
        .user_pool_id(&f.pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .email_mfa_configuration(EmailMfaConfigType::builder().build())
        .sms_mfa_configuration(
            aws_sdk_cognitoidentityprovider::types::SmsMfaConfigType::builder().sms_authentication_message("Code {####}").build(),
        )
        .send()
        .await
        .expect("all factors");
    f.user("bob", &[("phone_number", "+14155550100"), ("email", "bob@example.com")]).await;
    let token = f.token("bob").await;
    f.c.admin_set_user_mfa_preference()
        .user_pool_id(&f.pool_id)
        .username("bob")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .email_mfa_settings(aws_sdk_cognitoidentityprovider::types::EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .expect("enable sms and email");
    let factors = f.c.admin_get_user_auth_factors().user_pool_id(&f.pool_id).username("bob").send().await.expect("factors");
    assert_eq!(factors.user_mfa_setting_list(), ["SMS_MFA".to_string(), "EMAIL_OTP".to_string()]);
    assert!(factors.preferred_mfa_setting().is_none());

    let out = f.sign_in("bob").await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectMfaType));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(p.get("MFAS_CAN_CHOOSE").map(String::as_str), Some(r#"["SMS_MFA","EMAIL_OTP"]"#));
    let sms = f
        .respond(ChallengeNameType::SelectMfaType, out.session().unwrap_or_default(), "bob", "ANSWER", "SMS_MFA")
        .await
        .expect("select sms");
    assert_eq!(sms.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let p = sms.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(p.get("CODE_DELIVERY_DELIVERY_MEDIUM").map(String::as_str), Some("SMS"));
    assert_eq!(p.get("CODE_DELIVERY_DESTINATION").map(String::as_str), Some("+*******0100"));
    let code = f.outbox_code("bob").await;
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        f.respond(ChallengeNameType::SmsMfa, sms.session().unwrap_or_default(), "bob", "SMS_MFA_CODE", wrong).await.err().as_deref(),
        Some("CodeMismatchException: Invalid code or auth state for the user.")
    );
    let done =
        f.respond(ChallengeNameType::SmsMfa, sms.session().unwrap_or_default(), "bob", "SMS_MFA_CODE", &code).await.expect("sms code");
    assert!(done.authentication_result().is_some());
    let attrs = f.c.admin_get_user().user_pool_id(&f.pool_id).username("bob").send().await.expect("get");
    assert!(
        attrs.user_attributes().iter().any(|a| a.name() == "phone_number_verified" && a.value() == Some("true")),
        "an SMS code proves the phone number"
    );

    // Prefer email: the next sign-in goes straight to EMAIL_OTP.
    f.c.set_user_mfa_preference()
        .access_token(&token)
        .email_mfa_settings(
            aws_sdk_cognitoidentityprovider::types::EmailMfaSettingsType::builder().enabled(true).preferred_mfa(true).build(),
        )
        .send()
        .await
        .expect("prefer email");
    let out = f.sign_in("bob").await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let code = f.outbox_code("bob").await;
    let done = f
        .respond(ChallengeNameType::EmailOtp, out.session().unwrap_or_default(), "bob", "EMAIL_OTP_CODE", &code)
        .await
        .expect("email code");
    assert!(done.authentication_result().is_some());
    let err = f.respond(ChallengeNameType::EmailOtp, out.session().unwrap_or_default(), "bob", "EMAIL_OTP_CODE", &code).await.err();
    assert_eq!(err.as_deref(), Some("NotAuthorizedException: Invalid session for the user, session can only be used once."));

    // Removing the email turns email MFA off and drops the preference.
    f.c.admin_delete_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("bob")
        .user_attribute_names("email")
        .send()
        .await
        .expect("delete email");
    let factors = f.c.admin_get_user_auth_factors().user_pool_id(&f.pool_id).username("bob").send().await.expect("factors");
    assert_eq!(factors.user_mfa_setting_list(), ["SMS_MFA".to_string()]);
    assert!(factors.preferred_mfa_setting().is_none());
}

#[tokio::test]
async fn mfa_setup_when_the_pool_requires_it() {
    let f = fixture(UserPoolMfaType::On).await;
    f.user("carol", &[]).await;
    let out = f.sign_in("carol").await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(p.get("MFAS_CAN_SETUP").map(String::as_str), Some(r#"["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]"#));
    let assoc = f.c.associate_software_token().session(out.session().unwrap_or_default()).send().await.expect("associate with session");
    let secret = assoc.secret_code().expect("secret").to_string();
    let verify =
        f.c.verify_software_token()
            .session(assoc.session().expect("new session"))
            .user_code(f.code(&secret))
            .send()
            .await
            .expect("verify with session");
    assert_eq!(verify.status().map(|s| s.as_str()), Some("SUCCESS"));
    let err =
        f.c.respond_to_auth_challenge()
            .client_id(&f.client_id)
            .challenge_name(ChallengeNameType::MfaSetup)
            .challenge_responses("USERNAME", "carol")
            .send()
            .await
            .expect_err("no session")
            .into_service_error();
    assert_eq!(err_text(&err), "InvalidParameterException: Missing required parameter Session");
    let done = f
        .respond(ChallengeNameType::MfaSetup, verify.session().expect("session"), "carol", "USERNAME", "carol")
        .await
        .expect("mfa setup done");
    assert!(done.authentication_result().is_some());
    f.clock.advance_ms(30_000);
    let out = f.sign_in("carol").await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa), "the new authenticator is used from now on");
    let _ = f.clock.now_ms();
}

/// Email MFA set up during sign-in, as Amplify does it: MFA_SETUP answered with EMAIL, then the
/// EMAIL_OTP challenge with the code sent to that address.
#[tokio::test]
async fn mfa_setup_through_email() {
    let f = fixture(UserPoolMfaType::On).await;
    f.user("dora", &[]).await;
    let setup = f.sign_in("dora").await;
    assert_eq!(setup.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let session = setup.session().expect("session").to_string();

    let err = f.respond(ChallengeNameType::MfaSetup, &session, "dora", "EMAIL", "not-an-address").await.expect_err("bad address");
    assert_eq!(err, "InvalidParameterException: Invalid email address format.");
    let out = f.respond(ChallengeNameType::MfaSetup, &session, "dora", "EMAIL", "dora@example.com").await.expect("email setup");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(p.get("CODE_DELIVERY_DELIVERY_MEDIUM").map(String::as_str), Some("EMAIL"));
    assert_eq!(p.get("CODE_DELIVERY_DESTINATION").map(String::as_str), Some("d***@e***"));
    let again = f.respond(ChallengeNameType::MfaSetup, &session, "dora", "EMAIL", "dora@example.com").await.expect_err("used up");
    assert!(again.starts_with("NotAuthorizedException"), "{again}");

    // Nothing changes before the address is proved.
    let before = f.c.admin_get_user().user_pool_id(&f.pool_id).username("dora").send().await.expect("user");
    assert!(before.user_attributes().iter().all(|a| a.name() != "email"));
    let otp_session = out.session().expect("otp session");
    let wrong = f.respond(ChallengeNameType::EmailOtp, otp_session, "dora", "EMAIL_OTP_CODE", "00000000").await.expect_err("wrong code");
    assert!(wrong.starts_with("CodeMismatchException"), "{wrong}");
    let code = f.outbox_code("dora").await;
    assert_eq!(code.len(), 8);
    let done = f.respond(ChallengeNameType::EmailOtp, otp_session, "dora", "EMAIL_OTP_CODE", &code).await.expect("tokens");
    assert!(done.authentication_result().is_some());

    let after = f.c.admin_get_user().user_pool_id(&f.pool_id).username("dora").send().await.expect("user");
    let attr = |n: &str| after.user_attributes().iter().find(|a| a.name() == n).and_then(|a| a.value().map(str::to_string));
    assert_eq!(attr("email").as_deref(), Some("dora@example.com"));
    assert_eq!(attr("email_verified").as_deref(), Some("true"));
    assert_eq!(after.user_mfa_setting_list(), ["EMAIL_OTP".to_string()]);
    assert_eq!(after.preferred_mfa_setting(), Some("EMAIL_OTP"));
    let next = f.sign_in("dora").await;
    assert_eq!(next.challenge_name(), Some(&ChallengeNameType::EmailOtp), "email MFA is used from now on");
}

/// EMAIL is refused where the pool does not offer email MFA.
#[tokio::test]
async fn mfa_setup_through_email_needs_email_mfa_on_the_pool() {
    let f = fixture(UserPoolMfaType::Off).await;
    f.c.set_user_pool_mfa_config()
        .user_pool_id(&f.pool_id)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .send()
        .await
        .expect("TOTP only");
    f.user("ed", &[]).await;
    let setup = f.sign_in("ed").await;
    let p = setup.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(p.get("MFAS_CAN_SETUP").map(String::as_str), Some(r#"["SOFTWARE_TOKEN_MFA"]"#));
    let err = f
        .respond(ChallengeNameType::MfaSetup, setup.session().expect("session"), "ed", "EMAIL", "ed@example.com")
        .await
        .expect_err("no email MFA");
    assert_eq!(err, "InvalidParameterException: Email MFA is not enabled for this user pool.");
}
