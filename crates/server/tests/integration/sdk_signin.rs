//! Sign-in, tokens and the access-token checks through the AWS SDK for Rust.

use std::collections::HashMap;
use std::sync::Arc;

use crate::common;
use crate::common::TestServer;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType};
use cognate_core::ManualClock;
use cognate_crypto::srp;

const PASSWORD: &str = "Correct-horse-9";

struct Fixture {
    c: Client,
    pool_id: String,
    client_id: String,
}

async fn fixture(server: &TestServer, secret: bool) -> Fixture {
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("signin")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .generate_secret(secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client");
    let client_id = client.user_pool_client().and_then(|c| c.client_id().map(str::to_string)).expect("client id");
    Fixture { c, pool_id, client_id }
}

impl Fixture {
    async fn user(&self, name: &str) {
        self.c.admin_create_user().user_pool_id(&self.pool_id).username(name).message_action("SUPPRESS".into()).send().await.expect("user");
        self.c
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(name)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .expect("password");
    }

    async fn password_sign_in(
        &self,
        name: &str,
        password: &str,
    ) -> Result<aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput, String> {
        self.c
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(|e| {
                let se = e.into_service_error();
                format!("{}: {}", se.meta().code().unwrap_or(""), se.meta().message().unwrap_or(""))
            })
    }

    async fn access_token(&self, name: &str) -> String {
        let out = self.password_sign_in(name, PASSWORD).await.expect("sign in");
        out.authentication_result().and_then(|r| r.access_token().map(str::to_string)).expect("access token")
    }
}

fn claims(token: &str) -> serde_json::Value {
    let part = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, part).unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

#[tokio::test]
async fn password_sign_in_issues_real_tokens() {
    let server = TestServer::start().await;
    let f = fixture(&server, false).await;
    f.user("alice").await;
    f.c.create_group().user_pool_id(&f.pool_id).group_name("admins").send().await.expect("group");
    f.c.admin_add_user_to_group().user_pool_id(&f.pool_id).username("alice").group_name("admins").send().await.expect("member");
    let out = f.password_sign_in("alice", PASSWORD).await.expect("sign in");
    assert!(out.challenge_name().is_none());
    assert!(out.challenge_parameters().is_some_and(|p| p.is_empty()), "token responses carry an empty ChallengeParameters");
    let result = out.authentication_result().expect("tokens");
    assert_eq!(result.token_type(), Some("Bearer"));
    assert_eq!(result.expires_in(), 3600);
    assert!(result.refresh_token().is_some());
    let access = claims(result.access_token().expect("access"));
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["client_id"], f.client_id.as_str());
    assert_eq!(access["username"], "alice");
    assert_eq!(access["iss"], format!("{}/{}", server.endpoint(), f.pool_id));
    assert_eq!(access["cognito:groups"], serde_json::json!(["admins"]));
    assert!(access.get("aud").is_none(), "access tokens have no aud");
    let id = claims(result.id_token().expect("id"));
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], f.client_id.as_str());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["origin_jti"], access["origin_jti"]);
    // event_id is the x-amzn-RequestId of the answer that carried the tokens, in both tokens.
    let request_id = aws_sdk_cognitoidentityprovider::operation::RequestId::request_id(&out).expect("x-amzn-RequestId");
    assert_eq!(access["event_id"], request_id);
    assert_eq!(id["event_id"], request_id);

    let me = f.c.get_user().access_token(result.access_token().expect("access")).send().await.expect("get user");
    assert_eq!(me.username(), "alice");
    assert!(me.user_mfa_setting_list().is_empty() && me.preferred_mfa_setting().is_none());

    // JWKS serves the keys that verify the tokens.
    let jwks = common::raw_get(server.addr, &format!("/{}/.well-known/jwks.json", f.pool_id)).await;
    assert_eq!(jwks.status, 200);
    let keys = jwks.json()["keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys.len(), 2);
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            result.access_token().unwrap_or_default().split('.').next().unwrap_or_default(),
        )
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(header["alg"], "RS256");
    assert!(keys.iter().any(|k| k["kid"] == header["kid"]));
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_unknown_user_and_flow_rules() {
    let server = TestServer::start().await;
    let f = fixture(&server, false).await;
    f.user("bob").await;
    assert_eq!(
        f.password_sign_in("bob", "Wrong-pass-1").await.err().as_deref(),
        Some("NotAuthorizedException: Incorrect username or password.")
    );
    assert_eq!(f.password_sign_in("nobody", PASSWORD).await.err().as_deref(), Some("UserNotFoundException: User does not exist."));

    let srp_only =
        f.c.create_user_pool_client()
            .user_pool_id(&f.pool_id)
            .client_name("srp-only")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .send()
            .await
            .expect("client");
    let err =
        f.c.initiate_auth()
            .client_id(srp_only.user_pool_client().and_then(|c| c.client_id()).unwrap_or_default())
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect_err("flow not allowed")
            .into_service_error();
    assert_eq!(err.meta().message(), Some("USER_PASSWORD_AUTH flow not enabled for this client"));
    let err =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect_err("admin flow on the public call")
            .into_service_error();
    assert_eq!(err.meta().message(), Some("Initiate Auth method not supported"));
    let admin =
        f.c.admin_initiate_auth()
            .user_pool_id(&f.pool_id)
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("admin sign in");
    assert!(admin.authentication_result().is_some());
    server.stop().await;
}

#[tokio::test]
async fn lockout_after_five_failures() {
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let server = TestServer::start_at(clock.clone()).await;
    let f = fixture(&server, false).await;
    f.user("carol").await;
    for _ in 0..5 {
        assert_eq!(
            f.password_sign_in("carol", "Wrong-pass-1").await.err().as_deref(),
            Some("NotAuthorizedException: Incorrect username or password.")
        );
    }
    assert_eq!(f.password_sign_in("carol", PASSWORD).await.err().as_deref(), Some("NotAuthorizedException: Password attempts exceeded"));
    clock.advance_ms(1_500);
    assert!(f.password_sign_in("carol", PASSWORD).await.is_ok(), "the lock lifts after a second");
    server.stop().await;
}

#[tokio::test]
async fn new_password_required_for_admin_created_users() {
    let server = TestServer::start().await;
    let f = fixture(&server, false).await;
    f.c.admin_create_user()
        .user_pool_id(&f.pool_id)
        .username("dave")
        .temporary_password("Temp-pass-1")
        .message_action("SUPPRESS".into())
        .send()
        .await
        .expect("user");
    let out = f.password_sign_in("dave", "Temp-pass-1").await.expect("first sign in");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::NewPasswordRequired));
    let params = out.challenge_parameters().cloned().unwrap_or_default();
    assert_eq!(params.get("USER_ID_FOR_SRP").map(String::as_str), Some("dave"));
    assert_eq!(params.get("requiredAttributes").map(String::as_str), Some("[]"));
    assert!(params.get("userAttributes").is_some_and(|a| serde_json::from_str::<serde_json::Value>(a).is_ok()));
    let session = out.session().expect("session").to_string();
    let done =
        f.c.respond_to_auth_challenge()
            .client_id(&f.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "dave")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .send()
            .await
            .expect("new password");
    assert!(done.authentication_result().and_then(|r| r.access_token()).is_some());
    let again =
        f.c.respond_to_auth_challenge()
            .client_id(&f.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "dave")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .send()
            .await
            .expect_err("session reused")
            .into_service_error();
    assert_eq!(err_text(&again), "NotAuthorizedException: Invalid session for the user, session can only be used once.");
    let garbage =
        f.c.respond_to_auth_challenge()
            .client_id(&f.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session("x".repeat(40))
            .challenge_responses("USERNAME", "dave")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .send()
            .await
            .expect_err("garbage session")
            .into_service_error();
    assert_eq!(err_text(&garbage), "NotAuthorizedException: Invalid session for the user.");
    assert_eq!(
        f.c.admin_get_user().user_pool_id(&f.pool_id).username("dave").send().await.expect("get").user_status().map(|s| s.as_str()),
        Some("CONFIRMED")
    );
    server.stop().await;
}

fn err_text<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

#[tokio::test]
async fn sessions_expire_after_auth_session_validity() {
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let server = TestServer::start_at(clock.clone()).await;
    let f = fixture(&server, false).await;
    f.c.admin_create_user().user_pool_id(&f.pool_id).username("erin").temporary_password("Temp-pass-1").send().await.expect("user");
    let out = f.password_sign_in("erin", "Temp-pass-1").await.expect("challenge");
    clock.advance_ms(3 * 60_000 + 1_000);
    let err =
        f.c.respond_to_auth_challenge()
            .client_id(&f.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(out.session().unwrap_or_default())
            .challenge_responses("USERNAME", "erin")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .send()
            .await
            .expect_err("expired")
            .into_service_error();
    assert_eq!(err_text(&err), "NotAuthorizedException: Invalid session for the user, session is expired.");
    server.stop().await;
}

#[tokio::test]
async fn srp_sign_in_with_the_real_protocol() {
    let server = TestServer::start().await;
    let f = fixture(&server, false).await;
    f.user("frank").await;
    for (password, ok) in [(PASSWORD, true), ("Wrong-pass-1", false)] {
        let (secret, srp_a) = srp::client::start();
        let out =
            f.c.initiate_auth()
                .client_id(&f.client_id)
                .auth_flow(AuthFlowType::UserSrpAuth)
                .auth_parameters("USERNAME", "frank")
                .auth_parameters("SRP_A", &srp_a)
                .send()
                .await
                .expect("PASSWORD_VERIFIER");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
        assert!(out.session().is_none(), "PASSWORD_VERIFIER carries no session, as on AWS");
        let p: HashMap<String, String> = out.challenge_parameters().cloned().unwrap_or_default();
        let timestamp = srp::format_timestamp(chrono::Utc::now());
        let signature = srp::client::respond(
            &secret,
            &srp::client::Challenge {
                pool_name: srp::pool_name(&f.pool_id),
                user_id_for_srp: &p["USER_ID_FOR_SRP"],
                password,
                salt_hex: &p["SALT"],
                srp_b_hex: &p["SRP_B"],
                secret_block_b64: &p["SECRET_BLOCK"],
                timestamp: &timestamp,
            },
        )
        .expect("client signature");
        let result =
            f.c.respond_to_auth_challenge()
                .client_id(&f.client_id)
                .challenge_name(ChallengeNameType::PasswordVerifier)
                .challenge_responses("USERNAME", &p["USER_ID_FOR_SRP"])
                .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
                .challenge_responses("PASSWORD_CLAIM_SIGNATURE", &signature)
                .challenge_responses("TIMESTAMP", &timestamp)
                .send()
                .await;
        match (ok, result) {
            (true, Ok(out)) => assert!(out.authentication_result().and_then(|r| r.id_token()).is_some()),
            (false, Err(e)) => assert_eq!(err_text(&e.into_service_error()), "NotAuthorizedException: Incorrect username or password."),
            (ok, other) => panic!("expected success={ok}, got {other:?}"),
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn secret_hash_is_required_and_checked() {
    let server = TestServer::start().await;
    let f = fixture(&server, true).await;
    f.user("gina").await;
    let described = f.c.describe_user_pool_client().user_pool_id(&f.pool_id).client_id(&f.client_id).send().await.expect("describe");
    let secret = described.user_pool_client().and_then(|c| c.client_secret()).expect("secret").to_string();
    let missing = f.password_sign_in("gina", PASSWORD).await.err().unwrap_or_default();
    assert_eq!(
        missing,
        format!("NotAuthorizedException: Client {} is configured with secret but SECRET_HASH was not received", f.client_id)
    );
    let sign_in = |hash: String| {
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "gina")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", hash)
            .send()
    };
    let err = sign_in("AAAA".into()).await.expect_err("wrong hash").into_service_error();
    assert_eq!(err_text(&err), format!("NotAuthorizedException: Unable to verify secret hash for client {}", f.client_id));
    let ok = sign_in(cognate_crypto::secret_hash::compute(&secret, "gina", &f.client_id)).await.expect("right hash");
    assert!(ok.authentication_result().is_some());
    server.stop().await;
}

#[tokio::test]
async fn refresh_global_sign_out_and_revoke() {
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let server = TestServer::start_at(clock.clone()).await;
    let f = fixture(&server, false).await;
    f.user("hank").await;
    let first = f.password_sign_in("hank", PASSWORD).await.expect("sign in");
    let tokens = first.authentication_result().expect("tokens");
    let refresh_token = tokens.refresh_token().expect("refresh").to_string();
    let refreshed =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh_token)
            .send()
            .await
            .expect("refresh");
    let new = refreshed.authentication_result().expect("tokens");
    assert!(new.refresh_token().is_none(), "no new refresh token without rotation");
    assert_eq!(
        claims(new.access_token().unwrap_or_default())["origin_jti"],
        claims(tokens.access_token().unwrap_or_default())["origin_jti"]
    );

    // RevokeToken revokes the refresh token and the access tokens minted from it.
    f.c.revoke_token().client_id(&f.client_id).token(&refresh_token).send().await.expect("revoke");
    let err = f.c.get_user().access_token(new.access_token().unwrap_or_default()).send().await.expect_err("revoked").into_service_error();
    assert_eq!(err_text(&err), "NotAuthorizedException: Access Token has been revoked");
    let err =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh_token)
            .send()
            .await
            .expect_err("revoked refresh")
            .into_service_error();
    assert_eq!(err_text(&err), "NotAuthorizedException: Refresh Token has been revoked");

    // GlobalSignOut revokes every token issued up to now.
    let token = f.access_token("hank").await;
    clock.advance_ms(1_000);
    let other = f.access_token("hank").await;
    f.c.global_sign_out().access_token(&other).send().await.expect("sign out");
    for t in [&token, &other] {
        let err = f.c.get_user().access_token(t).send().await.expect_err("revoked").into_service_error();
        assert_eq!(err_text(&err), "NotAuthorizedException: Access Token has been revoked");
    }
    clock.advance_ms(1_000);
    let fresh = f.access_token("hank").await;
    assert!(f.c.get_user().access_token(&fresh).send().await.is_ok(), "signing in again works");
    server.stop().await;
}

#[tokio::test]
async fn the_access_token_matrix() {
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let server = TestServer::start_at(clock.clone()).await;
    let f = fixture(&server, false).await;
    f.user("ivy").await;
    let out = f.password_sign_in("ivy", PASSWORD).await.expect("sign in");
    let access = out.authentication_result().and_then(|r| r.access_token()).unwrap_or_default().to_string();
    let id = out.authentication_result().and_then(|r| r.id_token()).unwrap_or_default().to_string();
    let get = |t: String| {
        let c = f.c.clone();
        async move { c.get_user().access_token(t).send().await.map(|_| ()).map_err(|e| err_text(&e.into_service_error())) }
    };
    assert_eq!(get(access.clone()).await, Ok(()));
    let invalid = Err("NotAuthorizedException: Invalid Access Token".to_string());
    assert_eq!(get("abc.def.ghi".into()).await, invalid, "garbage");
    assert_eq!(get(id.clone()).await, invalid, "an ID token");
    let parts: Vec<&str> = access.split('.').collect();
    let tampered = {
        let mut c = claims(&access);
        c["username"] = "mallory".into();
        let body = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, c.to_string());
        format!("{}.{}.{}", parts[0], body, parts[2])
    };
    assert_eq!(get(tampered).await, invalid, "tampered payload");
    let none_alg =
        format!("{}.{}.", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, r#"{"alg":"none"}"#), parts[1]);
    assert_eq!(get(none_alg).await, invalid, "alg none");
    let bad_pattern = f.c.get_user().access_token("not a token!").send().await.expect_err("pattern").into_service_error();
    assert_eq!(bad_pattern.meta().code(), Some("InvalidParameterException"));

    f.c.admin_disable_user().user_pool_id(&f.pool_id).username("ivy").send().await.expect("disable");
    assert_eq!(get(access.clone()).await, Err("NotAuthorizedException: Access Token has been revoked".into()));
    f.c.admin_enable_user().user_pool_id(&f.pool_id).username("ivy").send().await.expect("enable");
    clock.advance_ms(1_000);
    let access = f.access_token("ivy").await;
    clock.advance_ms(3600 * 1000 + 1);
    assert_eq!(get(access.clone()).await, Err("NotAuthorizedException: Access Token has expired".into()));
    clock.set_ms(1_800_000_000_000 + 2_000);
    f.c.admin_update_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("ivy")
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name("email").value("ivy@example.com").build().expect("attr"),
        )
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name("email_verified").value("true").build().expect("attr"),
        )
        .send()
        .await
        .expect("email");
    f.c.admin_reset_user_password().user_pool_id(&f.pool_id).username("ivy").send().await.expect("reset");
    assert_eq!(get(access.clone()).await, Err("PasswordResetRequiredException: Password reset required for the user".into()));
    f.c.admin_delete_user().user_pool_id(&f.pool_id).username("ivy").send().await.expect("delete");
    assert_eq!(get(access).await, Err("UserNotFoundException: User does not exist.".into()));
    server.stop().await;
}
