//! Races through the API, on SQLite and (when `COGNATE_TEST_POSTGRES_URL` is set) PostgreSQL: one
//! TOTP code used by ten concurrent sign-ins is accepted once; ten concurrent SetUserMFAPreference
//! calls leave a state that some serial order of them would leave.

use crate::common;
use crate::common::postgres::ScratchDatabase;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SmsMfaConfigType, SmsMfaSettingsType,
    SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use cognate::config::Config;
use cognate_crypto::totp;

const PASSWORD: &str = "Correct-horse-9";

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

async fn run_races(c: Client) {
    let pool_id = c
        .create_user_pool()
        .pool_name("races")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .sms_mfa_configuration(SmsMfaConfigType::builder().sms_authentication_message("Code {####}").build())
        .send()
        .await
        .expect("mfa config");
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
    c.admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .message_action("SUPPRESS".into())
        .user_attributes(AttributeType::builder().name("phone_number").value("+14155550100").build().expect("attr"))
        .send()
        .await
        .expect("user");
    c.admin_set_user_password().user_pool_id(&pool_id).username("alice").password(PASSWORD).permanent(true).send().await.expect("password");
    let sign_in = || {
        c.initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
    };
    let token =
        sign_in().await.expect("sign in").authentication_result().and_then(|r| r.access_token().map(str::to_string)).expect("token");
    let secret =
        c.associate_software_token().access_token(&token).send().await.expect("associate").secret_code().expect("secret").to_string();
    c.verify_software_token().access_token(&token).user_code(totp::code_at(&secret, now()).expect("code")).send().await.expect("verify");

    // Ten concurrent preference changes: afterwards the state is one a serial order leaves.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (c, token) = (c.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let prefer_totp = i % 2 == 0;
            c.set_user_mfa_preference()
                .access_token(&token)
                .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(prefer_totp).build())
                .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).preferred_mfa(!prefer_totp).build())
                .send()
                .await
                .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("every preference call succeeds");
    }
    let me = c.get_user().access_token(&token).send().await.expect("get user");
    let factors = c.get_user_auth_factors().access_token(&token).send().await.expect("factors");
    assert_eq!(me.user_mfa_setting_list(), ["SMS_MFA".to_string(), "SOFTWARE_TOKEN_MFA".to_string()]);
    let preferred = me.preferred_mfa_setting().expect("one preferred").to_string();
    assert!(preferred == "SMS_MFA" || preferred == "SOFTWARE_TOKEN_MFA");
    assert_eq!(
        (factors.preferred_mfa_setting(), factors.user_mfa_setting_list()),
        (me.preferred_mfa_setting(), me.user_mfa_setting_list())
    );

    // Prefer TOTP, then ten sign-ins race with the same code: exactly one is accepted.
    c.set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .expect("prefer totp");
    let mut sessions = Vec::new();
    for _ in 0..10 {
        let out = sign_in().await.expect("challenge");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
        sessions.push(out.session().expect("session").to_string());
    }
    let code = totp::code_at(&secret, now() + 30).expect("next step's code");
    let mut tasks = Vec::new();
    for session in sessions {
        let (c, client_id, code) = (c.clone(), client_id.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            c.respond_to_auth_challenge()
                .client_id(&client_id)
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session(session)
                .challenge_responses("USERNAME", "alice")
                .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", &code)
                .send()
                .await
                .map_err(|e| e.into_service_error().meta().code().unwrap_or("").to_string())
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => accepted += 1,
            Err(code) => assert_eq!(code, "ExpiredCodeException"),
        }
    }
    assert_eq!(accepted, 1, "a TOTP code is accepted exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn races_on_sqlite() {
    let server = common::TestServer::start().await;
    run_races(server.client()).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn races_on_postgres() {
    let Some(database) = ScratchDatabase::create("races").await else {
        eprintln!("COGNATE_TEST_POSTGRES_URL not set: PostgreSQL races not run (scripts/test.sh sets it)");
        return;
    };
    let url = database.url();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config { port: 0, data_dir: dir.path().to_path_buf(), database_url: Some(url), ..Config::default() };
    let running = cognate::start(&config).await.expect("start on PostgreSQL");
    run_races(common::TestServer::client_for(&format!("http://{}", running.addr))).await;
    running.stop().await;
    database.drop().await;
}
