//! Two `cognate` processes sharing one PostgreSQL database behave as one service. Needs
//! `COGNATE_TEST_POSTGRES_URL` (scripts/test.sh sets it); without it the test says so and passes.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common;
use crate::common::postgres::ScratchDatabase;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use aws_sdk_cognitoidentityprovider::{Client, Config};
use cognate_crypto::{srp, totp};

struct Node {
    child: Child,
    endpoint: String,
    addr: std::net::SocketAddr,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(database_url: &str) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognate"))
        // Nodes behind one load balancer share the public URL, hence the token issuer.
        .args(["--port", "0", "--database-url", database_url, "--public-url", "http://cognate.internal:9229"])
        .env("COGNATE_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cognate");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("cognate exited before listening").expect("read log");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Node { child, endpoint: format!("http://{addr}"), addr: addr.parse().expect("addr") }
}

fn client(endpoint: &str) -> Client {
    Client::from_conf(
        Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .build(),
    )
}

fn err_text<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_act_as_one() {
    let Some(database) = ScratchDatabase::create("multinode").await else {
        eprintln!("COGNATE_TEST_POSTGRES_URL not set: multi-node test not run (scripts/test.sh sets it)");
        return;
    };
    let url = database.url();

    let a = spawn(&url);
    let b = spawn(&url);
    let (ca, cb) = (client(&a.endpoint), client(&b.endpoint));

    let pool_id = ca
        .create_user_pool()
        .pool_name("shared")
        .auto_verified_attributes(aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email)
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    cb.set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .send()
        .await
        .expect("mfa config on B");
    let client_id = ca
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id");
    let password = "Correct-horse-9";

    // Sign up on A, confirm on B with the code from the shared outbox.
    ca.sign_up()
        .client_id(&client_id)
        .username("alice")
        .password(password)
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("email")
                .value("alice@example.com")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("sign up on A");
    let outbox = common::raw_get(b.addr, &format!("/_cognate/outbox?pool={pool_id}&user=alice")).await;
    let code: String = outbox.json()["Messages"][0]["Body"].as_str().unwrap_or_default().chars().filter(|c| c.is_ascii_digit()).collect();
    cb.confirm_sign_up().client_id(&client_id).username("alice").confirmation_code(&code).send().await.expect("confirm on B");

    // SRP on A.
    let (secret, srp_a) = srp::client::start();
    let out = ca
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("SRP_A", &srp_a)
        .send()
        .await
        .expect("SRP on A");
    let p: HashMap<String, String> = out.challenge_parameters().cloned().unwrap_or_default();
    let ts = srp::format_timestamp(chrono::Utc::now());
    let sig = srp::client::respond(
        &secret,
        &srp::client::Challenge {
            pool_name: srp::pool_name(&pool_id),
            user_id_for_srp: &p["USER_ID_FOR_SRP"],
            password,
            salt_hex: &p["SALT"],
            srp_b_hex: &p["SRP_B"],
            secret_block_b64: &p["SECRET_BLOCK"],
            timestamp: &ts,
        },
    )
    .expect("signature");
    // The PASSWORD_VERIFIER answer goes to the other node: the SRP state is in the shared store.
    let tokens = cb
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", &p["USER_ID_FOR_SRP"])
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", &sig)
        .challenge_responses("TIMESTAMP", &ts)
        .send()
        .await
        .expect("SRP answer on B");
    let access = tokens.authentication_result().and_then(|r| r.access_token()).expect("token").to_string();

    // Enrol TOTP on B.
    let secret = cb
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .expect("associate on B")
        .secret_code()
        .expect("secret")
        .to_string();
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    cb.verify_software_token()
        .access_token(&access)
        .user_code(totp::code_at(&secret, now()).expect("code"))
        .send()
        .await
        .expect("verify on B");
    cb.set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .expect("prefer on B");

    // MFA sign-in on A, with the next step's code (the current one was used to verify).
    let out = ca
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .expect("sign in on A");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
    let code = totp::code_at(&secret, now() + 30).expect("code");
    let done = ca
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(out.session().unwrap_or_default())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", &code)
        .send()
        .await
        .expect("MFA on A");
    let access2 = done.authentication_result().and_then(|r| r.access_token()).expect("token").to_string();

    // The same code on B is a replay: the used step is shared.
    let again = cb
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .expect("sign in on B");
    let replay = cb
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(again.session().unwrap_or_default())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", &code)
        .send()
        .await
        .expect_err("replay on B")
        .into_service_error();
    assert_eq!(err_text(&replay), "ExpiredCodeException: Your software token has already been used once.");

    // GetUserAuthFactors identical on both nodes.
    let fa = ca.get_user_auth_factors().access_token(&access2).send().await.expect("factors on A");
    let fb = cb.get_user_auth_factors().access_token(&access2).send().await.expect("factors on B");
    assert_eq!(
        (fa.username(), fa.preferred_mfa_setting(), fa.user_mfa_setting_list()),
        (fb.username(), fb.preferred_mfa_setting(), fb.user_mfa_setting_list())
    );
    assert_eq!(fa.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));

    // Global sign-out on B; A refuses the token at once.
    assert!(ca.get_user().access_token(&access2).send().await.is_ok());
    cb.global_sign_out().access_token(&access2).send().await.expect("sign out on B");
    let err = ca.get_user().access_token(&access2).send().await.expect_err("revoked on A").into_service_error();
    assert_eq!(err_text(&err), "NotAuthorizedException: Access Token has been revoked");

    for n in [a, b] {
        let r = common::raw_get(n.addr, "/ready").await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    database.drop().await;
}
