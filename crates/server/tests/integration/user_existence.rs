//! PreventUserExistenceErrors=ENABLED on every path an app client has for a user who does not exist
//! (docs/security.md, "Attributes and user existence"): ConfirmSignUp, ConfirmForgotPassword,
//! ResendConfirmationCode and ForgotPassword answer as they would a real user, never
//! UserNotFoundException; the SRP and USER_AUTH decoys keep one salt and USER_ID_FOR_SRP per name.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes, UsernameAttributeType, VerifiedAttributeType,
};
use cognate_crypto::srp;

use crate::common::TestServer;

const PASSWORD: &str = "Correct-horse-9";
const MISMATCH: &str = "CodeMismatchException: Invalid verification code provided, please try again.";

fn err_text<E: ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or_default(), e.message().unwrap_or_default())
}

/// A pool auto-verifying email (signing in with it when `email_names`) and a client preventing
/// user existence errors; returns (pool id, client id).
async fn pool_and_client(c: &Client, email_names: bool) -> (String, String) {
    let mut pool = c.create_user_pool().pool_name("existence").auto_verified_attributes(VerifiedAttributeType::Email);
    if email_names {
        pool = pool.username_attributes(UsernameAttributeType::Email);
    }
    let pool = pool.send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("id").to_string();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .expect("client");
    (pool_id, client.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string())
}

#[tokio::test]
async fn confirmation_and_recovery_never_say_user_not_found() {
    let server = TestServer::start().await;
    let c = server.client();
    let (_, client_id) = pool_and_client(&c, false).await;

    let err =
        c.confirm_sign_up().client_id(&client_id).username("ghost").confirmation_code("123456").send().await.expect_err("no such user");
    assert_eq!(err_text(&err.into_service_error()), MISMATCH);
    let err = c
        .confirm_forgot_password()
        .client_id(&client_id)
        .username("ghost")
        .confirmation_code("123456")
        .password(PASSWORD)
        .send()
        .await
        .expect_err("no such user");
    assert_eq!(err_text(&err.into_service_error()), MISMATCH);

    let resent = c.resend_confirmation_code().client_id(&client_id).username("ghost@example.com").send().await.expect("simulated");
    let details = resent.code_delivery_details().expect("details");
    assert_eq!(details.destination(), Some("g***@e***"));
    assert_eq!(details.delivery_medium().map(|m| m.as_str()), Some("EMAIL"));
    assert_eq!(details.attribute_name(), Some("email"));

    // A name that is not an address gets a made-up one, the same at every attempt.
    let forgot = || async {
        let out = c.forgot_password().client_id(&client_id).username("ghost").send().await.expect("simulated");
        out.code_delivery_details().and_then(|d| d.destination()).map(str::to_string)
    };
    let first = forgot().await.expect("destination");
    assert_eq!(forgot().await.as_deref(), Some(first.as_str()));
    assert!(first.ends_with("***") && first.contains("***@"), "{first}");
    server.stop().await;
}

async fn srp_parameters(c: &Client, client_id: &str, name: &str) -> HashMap<String, String> {
    let (_, srp_a) = srp::client::start();
    let out = c
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("SRP_A", srp_a)
        .send()
        .await
        .expect("PASSWORD_VERIFIER");
    out.challenge_parameters().cloned().unwrap_or_default()
}

async fn user_auth_user_id(c: &Client, client_id: &str, name: &str) -> Option<String> {
    let out = c
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", name)
        .send()
        .await
        .expect("USER_AUTH answers a decoy");
    out.challenge_parameters().and_then(|p| p.get("USER_ID_FOR_SRP").cloned())
}

#[tokio::test]
async fn decoys_keep_one_salt_and_user_id_per_name() {
    let server = TestServer::start().await;
    let c = server.client();
    let (pool_id, client_id) = pool_and_client(&c, true).await;
    crate::common::confirmed_user(&c, &pool_id, "real@example.com", PASSWORD, &[("email_verified", "true")]).await;
    let real = srp_parameters(&c, &client_id, "real@example.com").await;

    let first = srp_parameters(&c, &client_id, "ghost@example.com").await;
    let second = srp_parameters(&c, &client_id, "ghost@example.com").await;
    for key in ["SALT", "USER_ID_FOR_SRP", "USERNAME"] {
        assert_eq!(first.get(key), second.get(key), "{key} stays the same, as a real user's does");
        assert_eq!(first.get(key).map(String::len), real.get(key).map(String::len), "{key} is shaped as a real user's");
    }
    assert_ne!(first.get("SRP_B"), second.get("SRP_B"), "B is fresh at every attempt, as a real user's is");
    let other = srp_parameters(&c, &client_id, "other@example.com").await;
    assert_ne!(other.get("SALT"), first.get("SALT"));
    assert_ne!(other.get("USER_ID_FOR_SRP"), first.get("USER_ID_FOR_SRP"));

    // USER_AUTH's decoy names the same internal user as the SRP decoy does.
    let id = user_auth_user_id(&c, &client_id, "ghost@example.com").await;
    assert_eq!(id.as_ref(), first.get("USER_ID_FOR_SRP"));
    assert_eq!(user_auth_user_id(&c, &client_id, "ghost@example.com").await, id);
    server.stop().await;
}
