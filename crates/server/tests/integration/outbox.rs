//! `GET /_cognate/outbox` over HTTP: open in local mode, SigV4 with admin keys; users found by what
//! they sign in with. Messages are put in through a second connection to the server's database, as
//! no operation sends any yet.

use std::sync::Arc;

use crate::common;
use crate::common::{TestServer, raw_path, signed_get};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType, UsernameAttributeType};
use cognate_core::delivery::{Channel, Message, OutboxSender, Sender, purpose};
use cognate_core::{Clock, ManualClock};
use cognate_store::{SqliteOptions, SqliteStore};

const KEY: &str = "AKIDOUTBOXTEST";
const SECRET: &str = "outbox/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Append messages to the running server's outbox, one second apart.
async fn put(server: &TestServer, messages: &[(&str, &str, Channel, &str)]) {
    let store = SqliteStore::open(&server.dir.path().join("cognate.db"), SqliteOptions::default()).await.expect("second connection");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let outbox = OutboxSender::new(Arc::new(store), clock.clone() as Arc<dyn Clock>);
    for (pool, user, channel, body) in messages {
        clock.advance_ms(1000);
        let m = Message {
            pool_id: pool.to_string(),
            username: user.to_string(),
            channel: *channel,
            destination: "dest".into(),
            subject: (*channel == Channel::Email).then(|| "Your verification code".to_string()),
            body: body.to_string(),
            purpose: purpose::SIGN_UP,
        };
        outbox.send(&m).await.expect("stored");
    }
}

async fn get(server: &TestServer, path: &str) -> common::RawResponse {
    raw_path(server.addr, "GET", path, &[], b"").await
}

fn bodies(resp: &common::RawResponse) -> Vec<String> {
    resp.json()["Messages"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["Body"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn local_mode_lists_messages_newest_first_by_sign_in_name() {
    let server = TestServer::start().await;
    let client = server.client();
    let pool = client.create_user_pool().pool_name("outbox").username_attributes(UsernameAttributeType::Email).send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_string();
    let created = client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice@example.com")
        .user_attributes(AttributeType::builder().name("email").value("alice@example.com").build().expect("attr"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("user");
    // Email-as-username pools file users under their sub.
    let sub = created.user().and_then(|u| u.username()).expect("username").to_string();
    assert_ne!(sub, "alice@example.com");
    put(
        &server,
        &[
            (&pool_id, &sub, Channel::Email, "first 111111"),
            (&pool_id, "someone-else", Channel::Sms, "other 222222"),
            (&pool_id, &sub, Channel::Sms, "second 333333"),
            ("us-east-1_OtherPool", &sub, Channel::Sms, "elsewhere"),
        ],
    )
    .await;

    let resp = get(&server, &format!("/_cognate/outbox?pool={pool_id}&user=alice%40example.com")).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert!(resp.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    assert_eq!(bodies(&resp), vec!["second 333333", "first 111111"]);
    let newest = &resp.json()["Messages"][0];
    assert_eq!(newest["Channel"], "SMS");
    assert_eq!(newest["Username"], sub.as_str());
    assert_eq!(newest["PoolId"], pool_id.as_str());
    assert_eq!(newest["Purpose"], "SignUp");
    assert_eq!(newest["Destination"], "dest");
    assert_eq!(newest["CreatedDate"], 1_700_000_003.0);
    assert!(newest.get("Subject").is_none());
    assert_eq!(resp.json()["Messages"][1]["Subject"], "Your verification code");

    // The sub works too; all users without `user`; `limit` cuts the newest.
    let resp = get(&server, &format!("/_cognate/outbox?pool={pool_id}&user={sub}")).await;
    assert_eq!(bodies(&resp).len(), 2);
    let resp = get(&server, &format!("/_cognate/outbox?pool={pool_id}")).await;
    assert_eq!(bodies(&resp), vec!["second 333333", "other 222222", "first 111111"]);
    let resp = get(&server, &format!("/_cognate/outbox?pool={pool_id}&limit=1")).await;
    assert_eq!(bodies(&resp), vec!["second 333333"]);
    // A name no user has any more is looked up as given.
    let resp = get(&server, &format!("/_cognate/outbox?pool={pool_id}&user=someone-else")).await;
    assert_eq!(bodies(&resp), vec!["other 222222"]);
    server.stop().await;
}

#[tokio::test]
async fn bad_queries_get_api_errors() {
    let server = TestServer::start().await;
    let resp = get(&server, "/_cognate/outbox").await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_type(), "InvalidParameterException");
    assert!(resp.header("x-amzn-errortype").is_some_and(|t| t.starts_with("InvalidParameterException")));

    let resp = get(&server, "/_cognate/outbox?pool=us-east-1_NoSuchPool").await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_type(), "ResourceNotFoundException");
    assert_eq!(resp.json()["message"], "User pool us-east-1_NoSuchPool does not exist.");

    for limit in ["0", "abc", "100000"] {
        let resp = get(&server, &format!("/_cognate/outbox?pool=x&limit={limit}")).await;
        assert_eq!(resp.status, 400, "{limit}");
        assert_eq!(resp.error_type(), "InvalidParameterException");
    }

    let resp = raw_path(server.addr, "POST", "/_cognate/outbox?pool=x", &[], b"").await;
    assert_eq!(resp.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn with_admin_keys_the_outbox_needs_a_signature() {
    let server = TestServer::start_with(vec![(KEY, SECRET)]).await;
    let pool = server.client_with(KEY, SECRET).create_user_pool().pool_name("signed-outbox").send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_string();
    put(&server, &[(&pool_id, "bob", Channel::Sms, "code 424242")]).await;
    let path = format!("/_cognate/outbox?pool={pool_id}&user=bob");

    let unsigned = get(&server, &path).await;
    assert_eq!(unsigned.status, 400);
    assert_eq!(unsigned.error_type(), "MissingAuthenticationTokenException");
    assert!(!unsigned.body.contains("424242"));

    let wrong = signed_get(server.addr, &path, "AKIDUNKNOWN", SECRET).await;
    assert_eq!(wrong.error_type(), "UnrecognizedClientException");
    let bad_secret = signed_get(server.addr, &path, KEY, "not-the-secret").await;
    assert_eq!(bad_secret.error_type(), "InvalidSignatureException");

    let signed = signed_get(server.addr, &path, KEY, SECRET).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(bodies(&signed), vec!["code 424242"]);
    server.stop().await;
}
