//! Refresh tokens through the AWS SDK for Rust: a token replaced by rotation is dead on every path
//! and its reuse revokes the whole sign-in; GetTokensFromRefreshToken needs the refresh flow;
//! rotation keeps the original expiry; a deleted app client's tokens stop working
//! (docs/security.md, Guessing, lockout and refresh tokens; docs/tokens.md, Refresh).

use std::sync::Arc;

use crate::common::TestServer;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ExplicitAuthFlowsType, RefreshTokenRotationType, TimeUnitsType, TokenValidityUnitsType,
};
use cognate_core::ManualClock;

const PASSWORD: &str = "Correct-horse-9";
const T0: i64 = 1_800_000_000_000;
const REUSED: &str = "RefreshTokenReuseException: Refresh token has already been used.";
const REVOKED: &str = "NotAuthorizedException: Refresh Token has been revoked";
const ACCESS_REVOKED: &str = "NotAuthorizedException: Access Token has been revoked";

fn err_text<E: ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

struct F {
    c: Client,
    pool_id: String,
    clock: Arc<ManualClock>,
    server: TestServer,
}

async fn fixture() -> F {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_at(clock.clone()).await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("refresh")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    crate::common::confirmed_user(&c, &pool_id, "alice", PASSWORD, &[]).await;
    F { c, pool_id, clock, server }
}

/// How an app client of the test refreshes.
struct ClientShape {
    rotation: Option<i32>,
    refresh_flow: bool,
}

impl F {
    /// An app client with USER_PASSWORD_AUTH, refresh tokens valid 60 minutes, and `shape`.
    async fn client(&self, shape: ClientShape) -> String {
        let mut req = self
            .c
            .create_user_pool_client()
            .user_pool_id(&self.pool_id)
            .client_name("app")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .refresh_token_validity(60)
            .token_validity_units(TokenValidityUnitsType::builder().refresh_token(TimeUnitsType::Minutes).build());
        if shape.refresh_flow {
            req = req.explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
        }
        if let Some(grace) = shape.rotation {
            req = req.refresh_token_rotation(
                RefreshTokenRotationType::builder().feature("ENABLED".into()).retry_grace_period_seconds(grace).build().expect("rotation"),
            );
        }
        req.send().await.expect("client").user_pool_client().and_then(|c| c.client_id().map(str::to_string)).expect("client id")
    }

    async fn sign_in(&self, client_id: &str) -> AuthenticationResultType {
        self.c
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in")
            .authentication_result()
            .cloned()
            .expect("tokens")
    }

    async fn get_tokens(&self, client_id: &str, refresh: &str) -> Result<AuthenticationResultType, String> {
        self.c
            .get_tokens_from_refresh_token()
            .client_id(client_id)
            .refresh_token(refresh)
            .send()
            .await
            .map(|out| out.authentication_result().cloned().unwrap_or_else(|| AuthenticationResultType::builder().build()))
            .map_err(|e| err_text(&e.into_service_error()))
    }

    async fn refresh_token_auth(&self, client_id: &str, refresh: &str) -> Result<AuthenticationResultType, String> {
        self.c
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh)
            .send()
            .await
            .map(|out| out.authentication_result().cloned().unwrap_or_else(|| AuthenticationResultType::builder().build()))
            .map_err(|e| err_text(&e.into_service_error()))
    }

    async fn get_user(&self, result: &AuthenticationResultType) -> Result<(), String> {
        let token = result.access_token().expect("access token");
        self.c.get_user().access_token(token).send().await.map(drop).map_err(|e| err_text(&e.into_service_error()))
    }
}

fn refresh_of(result: &AuthenticationResultType) -> String {
    result.refresh_token().expect("a refresh token").to_string()
}

/// With rotation and no grace period, using a replaced refresh token again is reuse: it is refused
/// and the whole sign-in is revoked, the tokens rotation handed out included.
#[tokio::test]
async fn reuse_of_a_rotated_token_revokes_the_sign_in() {
    let f = fixture().await;
    let client_id = f.client(ClientShape { rotation: Some(0), refresh_flow: true }).await;
    let first = f.sign_in(&client_id).await;
    let second = f.get_tokens(&client_id, &refresh_of(&first)).await.expect("rotation");
    let r1 = refresh_of(&second);
    assert_ne!(r1, refresh_of(&first));
    assert_eq!(f.get_tokens(&client_id, &refresh_of(&first)).await.err().as_deref(), Some(REUSED));
    assert_eq!(f.get_tokens(&client_id, &r1).await.err().as_deref(), Some(REVOKED), "the newer token of the same sign-in");
    assert_eq!(f.get_user(&second).await.err().as_deref(), Some(ACCESS_REVOKED), "access tokens of the sign-in");
    // Another sign-in of the same user is untouched.
    let other = f.sign_in(&client_id).await;
    f.get_user(&other).await.expect("another sign-in");
    f.get_tokens(&client_id, &refresh_of(&other)).await.expect("another sign-in refreshes");
    f.server.stop().await;
}

/// Within the grace period a replaced token may be used again (a client's retry); after it, reuse.
#[tokio::test]
async fn the_grace_period_allows_retries_and_no_more() {
    let f = fixture().await;
    let client_id = f.client(ClientShape { rotation: Some(30), refresh_flow: true }).await;
    let first = f.sign_in(&client_id).await;
    let r0 = refresh_of(&first);
    let a = f.get_tokens(&client_id, &r0).await.expect("rotation");
    f.clock.advance_ms(29_000);
    let b = f.get_tokens(&client_id, &r0).await.expect("a retry within the grace period");
    f.get_user(&b).await.expect("the retry's tokens work");
    f.clock.advance_ms(2_000);
    assert_eq!(f.get_tokens(&client_id, &r0).await.err().as_deref(), Some(REUSED));
    assert_eq!(f.get_tokens(&client_id, &refresh_of(&a)).await.err().as_deref(), Some(REVOKED));
    f.server.stop().await;
}

/// REFRESH_TOKEN_AUTH cannot be used by a client that rotates refresh tokens (AWS: Refresh tokens),
/// and a token replaced by rotation is dead there too, even once rotation is turned off.
#[tokio::test]
async fn replaced_tokens_are_dead_on_refresh_token_auth() {
    let f = fixture().await;
    let client_id = f.client(ClientShape { rotation: Some(0), refresh_flow: true }).await;
    let first = f.sign_in(&client_id).await;
    let r0 = refresh_of(&first);
    let rotating = f.refresh_token_auth(&client_id, &r0).await.err();
    assert_eq!(
        rotating.as_deref(),
        Some(
            "InvalidParameterException: REFRESH_TOKEN_AUTH flow not enabled for this client: it rotates refresh tokens; use GetTokensFromRefreshToken."
        ),
    );
    let second = f.get_tokens(&client_id, &r0).await.expect("rotation");
    // Rotation turned off: refreshing no longer rotates, but what rotation replaced stays replaced.
    f.c.update_user_pool_client()
        .user_pool_id(&f.pool_id)
        .client_id(&client_id)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .refresh_token_validity(60)
        .token_validity_units(TokenValidityUnitsType::builder().refresh_token(TimeUnitsType::Minutes).build())
        .send()
        .await
        .expect("rotation off");
    assert_eq!(f.refresh_token_auth(&client_id, &r0).await.err().as_deref(), Some(REVOKED), "the replaced token");
    assert_eq!(f.refresh_token_auth(&client_id, &refresh_of(&second)).await.err().as_deref(), Some(REVOKED), "its sign-in is revoked");
    f.server.stop().await;
}

/// GetTokensFromRefreshToken is a refresh like REFRESH_TOKEN_AUTH: a client without
/// ALLOW_REFRESH_TOKEN_AUTH may use neither.
#[tokio::test]
async fn get_tokens_from_refresh_token_needs_the_refresh_flow() {
    let f = fixture().await;
    let client_id = f.client(ClientShape { rotation: None, refresh_flow: false }).await;
    let first = f.sign_in(&client_id).await;
    let expected = "InvalidParameterException: REFRESH_TOKEN_AUTH flow not enabled for this client";
    assert_eq!(f.get_tokens(&client_id, &refresh_of(&first)).await.err().as_deref(), Some(expected));
    assert_eq!(f.refresh_token_auth(&client_id, &refresh_of(&first)).await.err().as_deref(), Some(expected));
    f.server.stop().await;
}

/// A rotated refresh token expires when the one it replaced would have: rotation cannot stretch a
/// sign-in for ever.
#[tokio::test]
async fn rotation_keeps_the_original_expiry() {
    let f = fixture().await;
    let client_id = f.client(ClientShape { rotation: Some(0), refresh_flow: true }).await;
    let first = f.sign_in(&client_id).await;
    f.clock.advance_ms(50 * 60_000);
    let second = f.get_tokens(&client_id, &refresh_of(&first)).await.expect("rotation after 50 minutes");
    f.clock.advance_ms(9 * 60_000);
    let third = f.get_tokens(&client_id, &refresh_of(&second)).await.expect("rotation after 59 minutes");
    f.clock.advance_ms(2 * 60_000);
    let expired = f.get_tokens(&client_id, &refresh_of(&third)).await.err();
    assert_eq!(expired.as_deref(), Some("NotAuthorizedException: Refresh Token has expired"), "61 minutes after the sign-in");
    f.server.stop().await;
}

/// Deleting an app client ends its users' sessions: its refresh tokens and access tokens stop
/// working (AWS: after you delete an app client, users can no longer sign in to it).
#[tokio::test]
async fn tokens_of_a_deleted_client_stop_working() {
    let f = fixture().await;
    let client_id = f.client(ClientShape { rotation: None, refresh_flow: true }).await;
    let kept = f.client(ClientShape { rotation: None, refresh_flow: true }).await;
    let doomed = f.sign_in(&client_id).await;
    let other = f.sign_in(&kept).await;
    f.get_user(&doomed).await.expect("before");
    f.c.delete_user_pool_client().user_pool_id(&f.pool_id).client_id(&client_id).send().await.expect("delete client");
    assert_eq!(f.get_user(&doomed).await.err().as_deref(), Some(ACCESS_REVOKED));
    let refresh = f.refresh_token_auth(&client_id, &refresh_of(&doomed)).await.err();
    assert_eq!(refresh.as_deref(), Some(format!("ResourceNotFoundException: User pool client {client_id} does not exist.").as_str()));
    f.get_user(&other).await.expect("another client's tokens");
    f.refresh_token_auth(&kept, &refresh_of(&other)).await.expect("another client's refresh");
    f.server.stop().await;
}
