//! Remembered devices as an attacker would try them (docs/devices.md): bursts of the same device
//! answer, device answers without the sign-in that must come before them, bad verifiers at
//! ConfirmDevice, users disabled or deleted in between, and other users' device keys. Each refusal
//! is the error the server documents, never a 500, and leaves the rightful user's device working.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, DeviceRememberedStatusType, DeviceSecretVerifierConfigType};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognate_core::ManualClock;
use tokio::sync::Barrier;

use crate::common::devices::{
    Answer, Device, F, PASSWORD, T0, Via, claims, config, device_srp_auth_responses, err_text, fixture, fixture_on, new_client,
    respond_with,
};
use crate::common::postgres::ScratchDatabase;
use crate::common::{self, TestServer};

const BURST: usize = 16;
const INVALID_SESSION: &str = "NotAuthorizedException: Invalid session for the user.";
const SESSION_USED: &str = "NotAuthorizedException: Invalid session for the user, session can only be used once.";
const NO_DEVICE: &str = "ResourceNotFoundException: Device does not exist.";

/// Sign in with the password on `device` (a remembered one that skips TOTP): DEVICE_SRP_AUTH.
async fn first_factor_on(f: &F, name: &str, device: &Device) -> Answer {
    let start = f.password(name, Some(device)).await.expect("password");
    assert_eq!(start.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "{start:?}");
    start
}

/// BURST concurrent DEVICE_SRP_AUTH answers for one pending device step: one gets the
/// DEVICE_PASSWORD_VERIFIER challenge. Then BURST copies of the right device proof: one gets tokens.
async fn bursts(f: &F) {
    let (_, device, _) = f.user_with_device("alice").await;
    first_factor_on(f, "alice", &device).await;

    // Every task waits for the others before it sends: the answers arrive together.
    let start = Arc::new(Barrier::new(BURST));
    let mut tasks = Vec::new();
    for _ in 0..BURST {
        let (secret, responses) = device_srp_auth_responses("alice", &device);
        let call = respond_with(f.c.clone(), f.pool_id.clone(), f.via(), ChallengeNameType::DeviceSrpAuth, responses);
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            (secret, call.await)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            (secret, Ok(answer)) => winners.push((secret, answer)),
            // Read before the winner's write (used once) or after it (nothing pending).
            (_, Err(e)) => assert!(e == SESSION_USED || e == INVALID_SESSION, "{e}"),
        }
    }
    assert_eq!(winners.len(), 1, "one pending device step answers DEVICE_SRP_AUTH once");
    let (secret, challenge) = winners.pop().expect("one");
    assert_eq!(challenge.challenge_name(), Some(&ChallengeNameType::DevicePasswordVerifier));

    let proof = f.proof(&secret, &challenge, &device, &device.password);
    let start = Arc::new(Barrier::new(BURST));
    let mut tasks = Vec::new();
    for _ in 0..BURST {
        let call =
            respond_with(f.c.clone(), f.pool_id.clone(), f.via(), ChallengeNameType::DevicePasswordVerifier, proof.responses(&device));
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            call.await
        }));
    }
    let mut signed_in = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(answer) => signed_in.push(answer),
            Err(e) => assert!(e.starts_with("NotAuthorizedException: "), "{e}"),
        }
    }
    assert_eq!(signed_in.len(), 1, "one device proof signs in once");
    let access = signed_in[0].tokens().access_token().expect("access");
    assert_eq!(claims(access)["device_key"], device.key.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_device_answers_completes_one_sign_in_on_sqlite() {
    bursts(&fixture(config(true, false)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_device_answers_completes_one_sign_in_on_postgres() {
    let Some(database) = ScratchDatabase::create("device_bursts").await else {
        eprintln!("COGNATE_TEST_POSTGRES_URL not set: PostgreSQL device bursts not run (scripts/test.sh sets it)");
        return;
    };
    let clock = Arc::new(ManualClock::new(T0));
    let url = database.url();
    let server = TestServer::start_configured(clock.clone(), |c| c.database_url = Some(url)).await;
    let f = fixture_on(server, clock, config(true, false)).await;
    bursts(&f).await;
    f.server.stop().await;
    database.drop().await;
}

/// DEVICE_SRP_AUTH leads somewhere only right after the sign-in that proved the other factors, by
/// the same app client, by the device's owner, in time; and the
/// device's proof must be signed now. A refused attempt leaves the rightful sign-in pending.
#[tokio::test]
async fn device_answers_without_their_sign_in_are_refused() {
    let f = fixture(config(true, false)).await;
    let (_, device, _) = f.user_with_device("alice").await;
    common::confirmed_user(&f.c, &f.pool_id, "mallory", PASSWORD, &[]).await;

    // Nothing pending: the device's key alone is not a sign-in.
    assert_eq!(f.device_srp_auth("alice", &device).await.err().as_deref(), Some(INVALID_SESSION));

    // Another app client of the pool cannot finish a sign-in started by this one.
    let start = first_factor_on(&f, "alice", &device).await;
    let other = Via { client_id: new_client(&f.c, &f.pool_id, "other").await, ..f.via() };
    assert_eq!(f.device_srp_auth_via(&other, "alice", &device).await.err().as_deref(), Some(INVALID_SESSION));

    // (The Session of a DEVICE_SRP_AUTH answer is not read: identity-js sends the used Session of
    // the MFA challenge before it; docs/devices.md, Device SRP.)

    // A USERNAME that is not the device's owner (an existing user, and no user at all).
    for name in ["mallory", "nobody"] {
        assert_eq!(f.device_srp_auth(name, &device).await.err().as_deref(), Some(NO_DEVICE), "{name}");
    }

    // None of that used up alice's pending step: with her Session, she completes it.
    let right = Via { session: start.session.clone(), ..f.via() };
    let tokens = f.prove_device_via(&right, "alice", &device).await;
    assert_eq!(claims(tokens.access_token().expect("access"))["device_key"], device.key.as_str());

    // After AuthSessionValidity (3 minutes by default) the pending step has expired.
    first_factor_on(&f, "alice", &device).await;
    f.clock.advance_ms(3 * 60_000 + 1_000);
    assert_eq!(
        f.device_srp_auth("alice", &device).await.err().as_deref(),
        Some("NotAuthorizedException: Invalid session for the user, session is expired.")
    );

    // A device proof signed 10 minutes off the server's clock, ahead or behind, is refused, and
    // uses the exchange up.
    for offset in [10 * 60_000, -10 * 60_000] {
        first_factor_on(&f, "alice", &device).await;
        let (secret, challenge) = f.device_srp_auth("alice", &device).await.expect("DEVICE_SRP_AUTH");
        let skewed = f.proof_at(&secret, &challenge, &device, &device.password, f.timestamp_off(offset));
        assert_eq!(
            f.device_verifier(&device, &skewed).await.err().as_deref(),
            Some("NotAuthorizedException: Incorrect username or password."),
            "{offset}"
        );
        let on_time = f.proof(&secret, &challenge, &device, &device.password);
        assert_eq!(f.device_verifier(&device, &on_time).await.err().as_deref(), Some(SESSION_USED));
    }

    // An SRP_A of 0 (it would fix the shared secret), not hex, or far too long: refused, never a
    // 500, and the pending step is used up.
    let (zeros, long) = ("0".repeat(768), "f".repeat(4096));
    for srp_a in ["0", zeros.as_str(), "zz-not-hex", long.as_str()] {
        first_factor_on(&f, "alice", &device).await;
        let responses = [("USERNAME", "alice"), ("DEVICE_KEY", device.key.as_str()), ("SRP_A", srp_a)];
        let e = f.respond(&f.via(), ChallengeNameType::DeviceSrpAuth, &responses).await.err();
        assert_eq!(e.as_deref(), Some("NotAuthorizedException: Incorrect username or password."), "SRP_A {srp_a:.8}");
        assert_eq!(f.device_srp_auth("alice", &device).await.err().as_deref(), Some(INVALID_SESSION));
    }

    // Through it all, the device still signs in.
    first_factor_on(&f, "alice", &device).await;
    f.prove_device("alice", &device).await;
}

/// ConfirmDevice with a verifier config of `(PasswordVerifier, Salt)`.
async fn confirm_raw(f: &F, access: &str, key: &str, verifier: Option<&str>, salt: Option<&str>) -> Result<bool, String> {
    let config = DeviceSecretVerifierConfigType::builder().set_password_verifier(verifier.map(str::to_string));
    let config = config.set_salt(salt.map(str::to_string)).build();
    let call = f.c.confirm_device().access_token(access).device_key(key).device_secret_verifier_config(config);
    call.send().await.map(|o| o.user_confirmation_necessary()).map_err(|e| err_text(&e.into_service_error()))
}

/// ConfirmDevice refuses another user's device and verifiers that are not positive base64
/// integers; none of the refusals confirms or spoils the device, which its owner then confirms.
#[tokio::test]
async fn confirm_device_refuses_bad_verifiers_and_loses_nothing() {
    let f = fixture(config(true, false)).await;
    let alice_secret = f.totp_user("alice").await;
    let bob_secret = f.totp_user("bob").await;
    let alice = f.sign_in_new_device("alice", &alice_secret).await;
    let bob = f.sign_in_new_device("bob", &bob_secret).await;
    let access = alice.access_token().expect("access");
    let device = f.new_device(&alice);
    let bob_device = f.new_device(&bob);

    // Not confirmed yet: the key does not sign in.
    assert_eq!(f.password("alice", Some(&device)).await.err().as_deref(), Some(NO_DEVICE));
    assert_eq!(f.device_srp_auth("alice", &device).await.err().as_deref(), Some(NO_DEVICE));

    let good = "AQID"; // 0x010203, positive
    let negative = STANDARD.encode([0x80u8, 1, 2, 3]); // top bit set, no 0x00 sign byte
    let negative_verifier = STANDARD.encode([0xffu8; 256]);
    let zeros = STANDARD.encode([0u8; 256]);
    let negative_msg = "InvalidParameterException: Found negative value for salt or password verifier";
    let bad_salt = "InvalidParameterException: DeviceSecretVerifierConfig.Salt must be a base64-encoded integer.";
    let bad_verifier = "InvalidParameterException: DeviceSecretVerifierConfig.PasswordVerifier must be a base64-encoded integer.";
    let zero_verifier = "InvalidParameterException: DeviceSecretVerifierConfig.PasswordVerifier is not a valid verifier.";
    // (what, device key, verifier, salt) and the refusal.
    let cases = [
        (("bob's device", bob_device.key.as_str(), Some(good), Some(good)), NO_DEVICE),
        (("negative salt", device.key.as_str(), Some(good), Some(negative.as_str())), negative_msg),
        (("negative verifier", device.key.as_str(), Some(negative_verifier.as_str()), Some(good)), negative_msg),
        (("salt not base64", device.key.as_str(), Some(good), Some("%%% not base64 %%%")), bad_salt),
        (("verifier not base64", device.key.as_str(), Some("***"), Some(good)), bad_verifier),
        (("empty verifier", device.key.as_str(), Some(""), Some(good)), bad_verifier),
        (("no config members", device.key.as_str(), None, None), bad_salt),
        (("verifier 0", device.key.as_str(), Some("AA=="), Some(good)), zero_verifier),
        (("verifier 0 in many bytes", device.key.as_str(), Some(zeros.as_str()), Some(good)), zero_verifier),
    ];
    for ((what, key, verifier, salt), want) in cases {
        assert_eq!(confirm_raw(&f, access, key, verifier, salt).await.err().as_deref(), Some(want), "{what}");
    }
    // Without a DeviceSecretVerifierConfig at all.
    let e = f.c.confirm_device().access_token(access).device_key(&device.key).send().await.expect_err("no config");
    assert_eq!(err_text(&e.into_service_error()), bad_salt);

    // Nothing was lost: both devices are still unconfirmed and their owners confirm them.
    assert_eq!(f.confirm_with(access, &device, Some("laptop")).await.map(|o| o.user_confirmation_necessary()), Ok(false));
    assert!(f.confirm_with(bob.access_token().expect("access"), &bob_device, None).await.is_ok(), "bob's device is his to confirm");
    let start = first_factor_on(&f, "alice", &device).await;
    assert!(start.session().is_some());
    f.prove_device("alice", &device).await;
    first_factor_on(&f, "bob", &bob_device).await;
    f.prove_device("bob", &bob_device).await;
}

/// A user disabled after the first factor is refused at the device's proof (docs/devices.md); a
/// user deleted and created again has none of the old devices.
#[tokio::test]
async fn disabled_and_deleted_users_do_not_sign_in_on_their_devices() {
    let f = fixture(config(true, false)).await;
    let (_, device, old_tokens) = f.user_with_device("alice").await;

    first_factor_on(&f, "alice", &device).await;
    f.c.admin_disable_user().user_pool_id(&f.pool_id).username("alice").send().await.expect("disable");
    let (secret, challenge) = f.device_srp_auth("alice", &device).await.expect("DEVICE_SRP_AUTH");
    let proof = f.proof(&secret, &challenge, &device, &device.password);
    assert_eq!(f.device_verifier(&device, &proof).await.err().as_deref(), Some("NotAuthorizedException: User is disabled."));
    f.c.admin_enable_user().user_pool_id(&f.pool_id).username("alice").send().await.expect("enable");
    assert_eq!(f.device_verifier(&device, &proof).await.err().as_deref(), Some(SESSION_USED), "the refused proof is used up");
    first_factor_on(&f, "alice", &device).await;
    f.prove_device("alice", &device).await;

    // Deleted and created again under the same name: the old device does not exist for anyone.
    f.c.admin_delete_user().user_pool_id(&f.pool_id).username("alice").send().await.expect("delete");
    common::confirmed_user(&f.c, &f.pool_id, "alice", PASSWORD, &[]).await;
    assert_eq!(f.password("alice", Some(&device)).await.err().as_deref(), Some(NO_DEVICE));
    assert_eq!(f.device_srp_auth("alice", &device).await.err().as_deref(), Some(NO_DEVICE));
    let fresh = f.password("alice", None).await.expect("sign in").tokens().clone();
    let e = f.c.get_device().access_token(fresh.access_token().expect("access")).device_key(&device.key).send().await;
    assert_eq!(err_text(&e.expect_err("gone").into_service_error()), NO_DEVICE);
    assert!(f.refresh(old_tokens.refresh_token().expect("refresh"), Some(&device)).await.is_err(), "the old user's refresh token is dead");
    assert!(f.new_device(&fresh).key != device.key, "a new key for the new user");
}

/// GetDevice, UpdateDeviceStatus and ForgetDevice with another user's device key are refused as if
/// the device did not exist and leave it alone; calls without or with a bad AccessToken, and
/// tampered pagination tokens, are clean 4xx errors.
#[tokio::test]
async fn device_operations_stay_within_the_users_own_devices() {
    let f = fixture(config(true, false)).await;
    let (_, alice_device, alice) = f.user_with_device("alice").await;
    let (_, bob_device, bob) = f.user_with_device("bob").await;
    let alice_access = alice.access_token().expect("access");
    let bob_access = bob.access_token().expect("access");

    let e = f.c.get_device().access_token(alice_access).device_key(&bob_device.key).send().await;
    assert_eq!(err_text(&e.expect_err("bob's").into_service_error()), NO_DEVICE);
    let e = f.c.update_device_status().access_token(alice_access).device_key(&bob_device.key);
    let e = e.device_remembered_status(DeviceRememberedStatusType::NotRemembered).send().await;
    assert_eq!(err_text(&e.expect_err("bob's").into_service_error()), NO_DEVICE);
    let e = f.c.forget_device().access_token(alice_access).device_key(&bob_device.key).send().await;
    assert_eq!(err_text(&e.expect_err("bob's").into_service_error()), NO_DEVICE);

    // Bob's device is untouched: still there, still remembered, still skipping MFA.
    let got = f.c.get_device().access_token(bob_access).device_key(&bob_device.key).send().await.expect("bob's device");
    let attrs = got.device().expect("device").device_attributes();
    assert!(attrs.iter().any(|a| a.name() == "dev:device_remembered_status" && a.value() == Some("remembered")), "{attrs:?}");
    first_factor_on(&f, "bob", &bob_device).await;
    f.prove_device("bob", &bob_device).await;

    // Without an AccessToken (which GetDevice's model leaves optional), and with one that is not
    // a token: refused as unauthorized, never a 500.
    let addr = f.server.addr;
    let r = common::call(addr, "GetDevice", &format!(r#"{{"DeviceKey":"{}"}}"#, alice_device.key)).await;
    assert_eq!((r.status, r.error_type().as_str()), (400, "NotAuthorizedException"), "{}", r.body);
    let r = common::call(addr, "GetDevice", &format!(r#"{{"AccessToken":"not.a.token","DeviceKey":"{}"}}"#, alice_device.key)).await;
    assert_eq!((r.status, r.error_type().as_str()), (400, "NotAuthorizedException"), "{}", r.body);
    let r = common::call(addr, "GetDevice", &format!(r#"{{"AccessToken":"{alice_access}"}}"#)).await;
    assert_eq!((r.status, r.error_type().as_str()), (400, "InvalidParameterException"), "no DeviceKey: {}", r.body);

    // ListDevices with pagination tokens no page returned.
    let list = |token: String| {
        let body = serde_json::json!({"AccessToken": alice_access, "PaginationToken": token}).to_string();
        async move { common::call(addr, "ListDevices", &body).await }
    };
    for token in [String::new(), "!!!".to_string(), URL_SAFE_NO_PAD.encode([0xffu8, 0xfe]), "=".repeat(4096), "a".to_string()] {
        let r = list(token.clone()).await;
        assert_eq!((r.status, r.error_type().as_str()), (400, "InvalidParameterException"), "{token}: {}", r.body);
    }
    // A well-formed token naming another user's device, or any other key, pages alice's own devices.
    for after in [bob_device.key.as_str(), "\u{0}", "zzzz"] {
        let r = list(URL_SAFE_NO_PAD.encode(after)).await;
        assert_eq!(r.status, 200, "{after:?}: {}", r.body);
        for d in r.json()["Devices"].as_array().expect("Devices") {
            assert_eq!(d["DeviceKey"], alice_device.key.as_str(), "{after:?}: only alice's devices");
        }
    }
}
