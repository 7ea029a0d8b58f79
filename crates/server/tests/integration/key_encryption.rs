//! Pool signing keys sealed at rest under a key-encryption key: what the database holds is not the
//! key, tokens still verify, and a server given no key (or another one) refuses to start rather
//! than mint new keys.

use std::sync::Arc;

use crate::common::{TestServer, confirmed_user};
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ExplicitAuthFlowsType};
use cognate::config::Config;
use cognate_core::store::KeyStore;
use cognate_crypto::envelope::Kek;
use cognate_store::{SqliteOptions, SqliteStore};

fn config(dir: &std::path::Path, kek: Option<[u8; 32]>) -> Config {
    Config {
        port: 0,
        data_dir: dir.to_path_buf(),
        signing_key_kek: kek.map(|k| Arc::new(Kek::new(&k).expect("32 bytes"))),
        // The token issuer must not change with the port across the restarts.
        public_url: Some("http://cognate.test".into()),
        ..Config::default()
    }
}

#[tokio::test]
async fn signing_keys_are_sealed_and_only_the_right_key_opens_them() {
    let dir = tempfile::tempdir().expect("data dir");
    let running = cognate::start(&config(dir.path(), Some([7; 32]))).await.expect("starts");
    let c = TestServer::client_for(&format!("http://{}", running.addr));
    let pool = c.create_user_pool().pool_name("sealed").send().await.expect("pool");
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
    confirmed_user(&c, &pool_id, "alice", "Correct-horse-9", &[]).await;
    let sign_in = || {
        c.initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", "Correct-horse-9")
            .send()
    };
    let tokens = sign_in().await.expect("sign in");
    let access = tokens.authentication_result().and_then(|r| r.access_token()).expect("token").to_string();
    c.get_user().access_token(&access).send().await.expect("the token verifies");
    running.stop().await;

    let store = SqliteStore::open(&dir.path().join("cognate.db"), SqliteOptions::default()).await.expect("open");
    let keys = store.signing_keys(&pool_id).await.expect("keys");
    assert_eq!(keys.len(), 2);
    for k in &keys {
        assert!(k.private_der.starts_with(b"CKE1"), "sealed, not DER");
    }
    store.close().await;

    let refused = cognate::start(&config(dir.path(), None)).await.err().expect("no key: refused");
    assert!(refused.to_string().contains("--signing-key-encryption-key-file"), "{refused}");
    let refused = cognate::start(&config(dir.path(), Some([8; 32]))).await.err().expect("another key: refused");
    assert!(refused.to_string().contains("cannot be opened"), "{refused}");

    let running = cognate::start(&config(dir.path(), Some([7; 32]))).await.expect("the right key starts");
    let c = TestServer::client_for(&format!("http://{}", running.addr));
    c.get_user().access_token(&access).send().await.expect("tokens issued before the restart still verify");
    running.stop().await;
}
