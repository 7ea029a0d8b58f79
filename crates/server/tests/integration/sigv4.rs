//! Admin calls against a server with configured access keys: signatures are verified for real.

use std::time::{Duration, SystemTime};

use crate::common;
use crate::common::{TestServer, signed_call};

const KEY: &str = "AKIDCOGNATETEST";
const SECRET: &str = "s3cr3t/K7MDENG+bPxRfiCYEXAMPLEKEY";

#[tokio::test]
async fn sdk_signed_with_a_configured_key_succeeds_and_others_fail() {
    let server = TestServer::start_with(vec![(KEY, SECRET)]).await;
    let ok = server.client_with(KEY, SECRET).create_user_pool().pool_name("signed").send().await;
    assert!(ok.is_ok(), "{ok:?}");

    let err = server.client_with(KEY, "wrong-secret").list_user_pools().max_results(10).send().await.expect_err("wrong secret");
    let se = err.into_service_error();
    assert_eq!(se.meta().code(), Some("InvalidSignatureException"));
    assert!(se.meta().message().is_some_and(|m| m.starts_with("The request signature we calculated does not match")));

    let err = server.client_with("AKIDUNKNOWN", SECRET).list_user_pools().max_results(10).send().await.expect_err("unknown key");
    let se = err.into_service_error();
    assert_eq!(se.meta().code(), Some("UnrecognizedClientException"));
    assert_eq!(se.meta().message(), Some("The security token included in the request is invalid."));
    server.stop().await;
}

#[tokio::test]
async fn stale_tampered_and_missing_signatures_are_refused() {
    let server = TestServer::start_with(vec![(KEY, SECRET)]).await;
    let body = r#"{"MaxResults":10}"#;
    let good = signed_call(server.addr, "ListUserPools", body, KEY, SECRET, SystemTime::now(), None).await;
    assert_eq!(good.status, 200, "{}", good.body);

    let stale = signed_call(server.addr, "ListUserPools", body, KEY, SECRET, SystemTime::now() - Duration::from_secs(20 * 60), None).await;
    assert_eq!(stale.error_type(), "InvalidSignatureException", "{}", stale.body);
    assert!(stale.json()["message"].as_str().is_some_and(|m| m.starts_with("Signature expired")), "{}", stale.body);

    let tampered = signed_call(server.addr, "ListUserPools", body, KEY, SECRET, SystemTime::now(), Some(r#"{"MaxResults":11}"#)).await;
    assert_eq!(tampered.error_type(), "InvalidSignatureException", "{}", tampered.body);

    let unsigned = common::call(server.addr, "ListUserPools", body).await;
    assert_eq!(unsigned.error_type(), "MissingAuthenticationTokenException", "{}", unsigned.body);

    let garbage = common::raw(
        server.addr,
        "POST",
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AWSCognitoIdentityProviderService.ListUserPools"),
            ("authorization", "AWS4-HMAC-SHA256 nonsense"),
        ],
        body.as_bytes(),
    )
    .await;
    assert_eq!(garbage.error_type(), "IncompleteSignatureException", "{}", garbage.body);
    for r in [&stale, &tampered, &unsigned, &garbage] {
        assert!(r.status >= 400 && r.status < 500);
    }
    server.stop().await;
}

#[tokio::test]
async fn local_mode_accepts_any_well_formed_signature_but_not_none() {
    let server = TestServer::start().await;
    let ok = server.client_with("anything", "whatever").list_user_pools().max_results(1).send().await;
    assert!(ok.is_ok(), "{ok:?}");
    let unsigned = common::call(server.addr, "ListUserPools", r#"{"MaxResults":1}"#).await;
    assert_eq!(unsigned.error_type(), "MissingAuthenticationTokenException");
    server.stop().await;
}
