//! The janitor deletes what can no longer be used, on a timer: expired sign-in state (a day after it
//! expired, so late answers still get the precise refusal) and outbox messages past their
//! retention; what is still live stays.

use std::sync::Arc;
use std::time::Duration;

use crate::common::{TestServer, outbox_code};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, ExplicitAuthFlowsType, VerifiedAttributeType};
use cognate_core::ManualClock;
use cognate_core::store::{CodeStore, OutboxStore};
use cognate_store::{SqliteOptions, SqliteStore};

const HOUR_MS: i64 = 3_600_000;

#[tokio::test]
async fn expired_codes_and_old_messages_are_purged_and_live_ones_kept() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = TestServer::start_configured(clock.clone(), |c| c.janitor_every = Duration::from_millis(20)).await;
    let c = server.client();
    let pool = c.create_user_pool().pool_name("sweep").auto_verified_attributes(VerifiedAttributeType::Email).send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_string();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .expect("client");
    let client_id = client.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string();
    let sign_up = |name: &'static str| {
        c.sign_up()
            .client_id(&client_id)
            .username(name)
            .password("Correct-horse-9")
            .user_attributes(AttributeType::builder().name("email").value(format!("{name}@example.com")).build().expect("attribute"))
            .send()
    };
    sign_up("early").await.expect("sign up");
    let early_code = outbox_code(server.addr, &pool_id, "early").await;
    // The sign-up code lives 24 hours and is kept a day after; the message is kept 24 hours.
    clock.advance_ms(30 * HOUR_MS);
    sign_up("late").await.expect("sign up");
    let late_code = outbox_code(server.addr, &pool_id, "late").await;

    // An expired code is still answered as expired during its extra day.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = c.confirm_sign_up().client_id(&client_id).username("early").confirmation_code(&early_code).send().await.expect_err("expired");
    let err = err.into_service_error();
    assert!(err.is_expired_code_exception(), "{err:?}");

    clock.advance_ms(20 * HOUR_MS);
    let store = SqliteStore::open(&server.dir.path().join("cognate.db"), SqliteOptions::default()).await.expect("second connection");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.get_code(&pool_id, "early", "signup").await.expect("read").is_some() {
        assert!(std::time::Instant::now() < deadline, "the janitor did not purge the expired code");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.get_code(&pool_id, "late", "signup").await.expect("read").is_some(), "a live code stays");
    let users: Vec<String> = store.list_messages(&pool_id, None, 10).await.expect("list").into_iter().map(|m| m.username).collect();
    assert_eq!(users, vec!["late".to_string()], "the 50-hour-old message is gone, the 20-hour-old one stays");
    c.confirm_sign_up()
        .client_id(&client_id)
        .username("late")
        .confirmation_code(late_code)
        .send()
        .await
        .expect("the live code still confirms");
    server.stop().await;
}
