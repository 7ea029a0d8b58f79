//! Request-rate limits: past a category's rate, AWS's TooManyRequestsException "Rate exceeded",
//! through the AWS SDK; other categories and other pools keep their own budgets; off in local mode.

use std::sync::Arc;

use crate::common::TestServer;
use aws_sdk_cognitoidentityprovider::Client;
use cognate::rate_limit::Category;
use cognate_core::ManualClock;

async fn pool_and_client(c: &Client) -> String {
    let pool = c.create_user_pool().pool_name("limits").send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_string();
    let client = c.create_user_pool_client().user_pool_id(&pool_id).client_name("app").send().await.expect("client");
    client.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string()
}

async fn sign_ups(c: &Client, client_id: &str, n: usize) -> Vec<Result<(), String>> {
    let mut out = Vec::new();
    for i in 0..n {
        let r = c.sign_up().client_id(client_id).username(format!("user{i}")).password("Correct-horse-9").send().await;
        out.push(r.map(drop).map_err(|e| {
            let e = e.into_service_error();
            format!("{}: {}", e.meta().code().unwrap_or_default(), e.meta().message().unwrap_or_default())
        }));
    }
    out
}

#[tokio::test]
async fn past_the_rate_sign_ups_are_too_many_requests() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = TestServer::start_configured(clock, |c| {
        c.rate_limits = Some(true);
        c.rate_overrides = vec![(Category::UserCreation, 3), (Category::UserResourceUpdate, 1000)];
    })
    .await;
    let c = server.client();
    let client_id = pool_and_client(&c).await;
    let results = sign_ups(&c, &client_id, 6).await;
    let refused: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(results.iter().take(3).all(Result::is_ok), "the first three fit the bucket: {results:?}");
    assert!(!refused.is_empty() && refused.iter().all(|e| *e == "TooManyRequestsException: Rate exceeded"), "{results:?}");

    // Another category has its own budget.
    let err =
        c.initiate_auth().client_id(&client_id).auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserSrpAuth).send().await;
    let err = err.expect_err("no parameters").into_service_error();
    assert!(!err.is_too_many_requests_exception(), "{err:?}");
    // As does another pool's client (the per-address budget is the same category's, so it waits a second).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let other = pool_and_client(&c).await;
    assert!(sign_ups(&c, &other, 1).await[0].is_ok());
    server.stop().await;
}

#[tokio::test]
async fn local_mode_has_no_rate_limits_by_default() {
    let server = TestServer::start_configured(Arc::new(ManualClock::new(1_700_000_000_000)), |c| {
        c.rate_overrides = vec![(Category::UserCreation, 1)];
    })
    .await;
    let c = server.client();
    let client_id = pool_and_client(&c).await;
    assert!(sign_ups(&c, &client_id, 5).await.iter().all(Result::is_ok));
    server.stop().await;
}
