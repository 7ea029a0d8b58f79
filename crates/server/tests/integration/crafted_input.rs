//! Crafted input and browsers (docs/security.md): bounded error messages, multibyte names on the
//! decoy paths, the operation a SigV4 signature covers, and which origins get CORS grants.

use std::net::SocketAddr;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes, SignInPolicyType,
    UserPoolPolicyType,
};

use crate::common::{self, RawResponse, TestServer, raw, raw_path, sigv4_headers};

const KEY: &str = "AKIDCRAFTED";
const SECRET: &str = "crafted-secret";

/// SigV4 headers for a POST of `body` to `/`, signing the listed request headers only.
fn sigv4(addr: SocketAddr, key: &str, secret: &str, signed: &[(&str, &str)], body: &[u8]) -> Vec<(String, String)> {
    sigv4_headers(addr, "POST", "/", signed, body, (key, secret), std::time::SystemTime::now()).expect("sign")
}

/// A signed admin call in local mode (any well-formed signature), with extra unsigned headers.
async fn admin_call(addr: SocketAddr, op: &str, body: &str, extra: &[(&str, &str)]) -> RawResponse {
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    let base = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target.as_str())];
    let signature = sigv4(addr, "test", "test", &base, body.as_bytes());
    let mut all: Vec<(&str, &str)> = base.to_vec();
    all.extend(signature.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    all.extend_from_slice(extra);
    raw(addr, "POST", &all, body.as_bytes()).await
}

#[tokio::test]
async fn a_70_kb_value_gets_a_short_error_message() {
    let server = TestServer::start().await;
    let c = server.client();
    // The pool id is echoed in validation messages (the username is sensitive and never is).
    let long = "é".repeat(35 * 1024);
    let err = c.admin_get_user().user_pool_id(&long).username("someone").send().await.expect_err("too long");
    let se = err.into_service_error();
    assert_eq!(se.meta().code(), Some("InvalidParameterException"));
    let message = se.meta().message().unwrap_or_default();
    assert!(message.starts_with(&format!("2 validation errors detected: Value '{}...' at 'userPoolId'", "é".repeat(256))), "{message}");
    assert!(message.len() < 2048, "{} bytes", message.len());

    // The header carrying the message stays small whatever the message.
    let body = serde_json::json!({ "UserPoolId": "x".repeat(70 * 1024), "Username": "someone" }).to_string();
    let resp = admin_call(server.addr, "AdminGetUser", &body, &[]).await;
    assert_eq!(resp.error_type(), "InvalidParameterException");
    assert!(resp.header("x-amzn-errormessage").is_some_and(|h| h.len() <= 2048), "{:?}", resp.header("x-amzn-errormessage").map(str::len));
    let key = "k".repeat(70 * 1024);
    let body = serde_json::json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "x", "AuthParameters": { key: 1 } }).to_string();
    let resp = common::call(server.addr, "InitiateAuth", &body).await;
    assert_eq!(resp.error_type(), "SerializationException", "{}", resp.body.len());
    assert!(resp.body.len() < 2048, "{} bytes", resp.body.len());
    server.stop().await;
}

#[tokio::test]
async fn multibyte_names_on_the_one_time_code_decoys_get_challenges() {
    let server = TestServer::start().await;
    let c = server.client();
    let factors = [AuthFactorType::Password, AuthFactorType::EmailOtp, AuthFactorType::SmsOtp];
    let policy = UserPoolPolicyType::builder()
        .sign_in_policy(SignInPolicyType::builder().set_allowed_first_auth_factors(Some(factors.to_vec())).build())
        .build();
    let pool = c.create_user_pool().pool_name("decoys").policies(policy).send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).unwrap_or_default().to_string();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .expect("client");
    let client_id = client.user_pool_client().and_then(|c| c.client_id()).unwrap_or_default().to_string();
    for (name, preferred, challenge) in [
        ("+ééééé", "SMS_OTP", ChallengeNameType::SmsOtp),
        ("+1€😀", "SMS_OTP", ChallengeNameType::SmsOtp),
        ("😀😀@é", "EMAIL_OTP", ChallengeNameType::EmailOtp),
        ("ééé", "SMS_OTP", ChallengeNameType::SmsOtp),
    ] {
        let out = c
            .initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PREFERRED_CHALLENGE", preferred)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {:?}", e.into_service_error()));
        assert_eq!(out.challenge_name(), Some(&challenge), "{name}");
        let destination = out.challenge_parameters().and_then(|p| p.get("CODE_DELIVERY_DESTINATION")).cloned().unwrap_or_default();
        assert!(destination.starts_with('+') || destination.contains("***@"), "{name}: {destination}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_operation_must_be_signed() {
    let server = TestServer::start_with(vec![(KEY, SECRET)]).await;
    let body = r#"{"MaxResults":10}"#;
    let target = ("x-amz-target", "AWSCognitoIdentityProviderService.ListUserPools");
    let json = ("content-type", "application/x-amz-json-1.1");
    let signed_target = sigv4(server.addr, KEY, SECRET, &[json, target], body.as_bytes());
    let mut all = vec![json, target];
    all.extend(signed_target.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(raw(server.addr, "POST", &all, body.as_bytes()).await.status, 200);

    // Signed without the target, which is then added: the signature does not cover the operation.
    let unsigned_target = sigv4(server.addr, KEY, SECRET, &[json], body.as_bytes());
    let mut all = vec![json, target];
    all.extend(unsigned_target.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let resp = raw(server.addr, "POST", &all, body.as_bytes()).await;
    assert_eq!(resp.error_type(), "InvalidSignatureException", "{}", resp.body);
    assert_eq!(resp.json()["message"], "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    server.stop().await;
}

fn allowed_origin(resp: &RawResponse) -> Option<&str> {
    resp.header("access-control-allow-origin")
}

async fn preflight(addr: SocketAddr, path: &str, origin: &str, headers: &str) -> RawResponse {
    raw_path(
        addr,
        "OPTIONS",
        path,
        &[("origin", origin), ("access-control-request-method", "POST"), ("access-control-request-headers", headers)],
        b"",
    )
    .await
}

#[tokio::test]
async fn foreign_origins_get_public_operations_but_not_admin_ones_in_local_mode() {
    let server = TestServer::start().await;
    let evil = "https://evil.example";
    // The browser SDKs' public calls: granted to any origin.
    let public = preflight(server.addr, "/", evil, "content-type,x-amz-target,x-amz-user-agent").await;
    assert_eq!(allowed_origin(&public), Some(evil));
    let body = r#"{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"nope","AuthParameters":{"USERNAME":"a","PASSWORD":"b"}}"#;
    let target = "AWSCognitoIdentityProviderService.InitiateAuth";
    let resp = raw(
        server.addr,
        "POST",
        &[("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target), ("origin", evil)],
        body.as_bytes(),
    )
    .await;
    assert_eq!(resp.error_type(), "ResourceNotFoundException", "{}", resp.body);
    assert_eq!(allowed_origin(&resp), Some(evil));

    // A signed call's preflight, the admin call itself and the outbox: no grant, and not run.
    let signed = preflight(server.addr, "/", evil, "authorization,content-type,x-amz-date,x-amz-target").await;
    assert_eq!(allowed_origin(&signed), None);
    let outbox = preflight(server.addr, "/_cognate/outbox", evil, "content-type").await;
    assert_eq!(allowed_origin(&outbox), None);
    let resp = admin_call(server.addr, "CreateUserPool", r#"{"PoolName":"from-a-web-page"}"#, &[("origin", evil)]).await;
    assert_eq!(resp.error_type(), "AccessDeniedException", "{}", resp.body);
    assert_eq!(resp.json()["message"], "Admin operations are not allowed from this browser origin (see --cors-origin).");
    assert_eq!(allowed_origin(&resp), None);
    let resp = raw_path(server.addr, "GET", "/_cognate/outbox?pool=us-east-1_x", &[("origin", evil)], b"").await;
    assert_eq!(resp.error_type(), "AccessDeniedException", "{}", resp.body);
    assert_eq!(allowed_origin(&resp), None);
    let pools = server.client().list_user_pools().max_results(60).send().await.expect("list");
    assert!(pools.user_pools().is_empty(), "the refused call created nothing");

    // Without an Origin (CLI, SDKs) admin calls work as before.
    let resp = admin_call(server.addr, "ListUserPools", r#"{"MaxResults":1}"#, &[]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    server.stop().await;
}

#[tokio::test]
async fn configured_origins_get_admin_operations() {
    let admin = "https://admin.example";
    let clock = std::sync::Arc::new(cognate_core::ManualClock::new(1_800_000_000_000));
    let server = TestServer::start_configured(clock, |c| c.cors_origins = vec![format!("{admin}/")]).await;
    let signed = preflight(server.addr, "/", admin, "authorization,content-type,x-amz-date,x-amz-target").await;
    assert_eq!(allowed_origin(&signed), Some(admin));
    let resp = admin_call(server.addr, "ListUserPools", r#"{"MaxResults":1}"#, &[("origin", admin)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(allowed_origin(&resp), Some(admin));
    let resp = admin_call(server.addr, "ListUserPools", r#"{"MaxResults":1}"#, &[("origin", "https://admin.example.evil")]).await;
    assert_eq!(resp.error_type(), "AccessDeniedException", "{}", resp.body);
    server.stop().await;
}
