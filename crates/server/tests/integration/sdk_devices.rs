//! Device tracking through the AWS SDK for Rust (docs/devices.md): NewDeviceMetadata, ConfirmDevice
//! with a real device verifier, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER with a real device proof
//! (the SRP client of `cognate_crypto`, as amazon-cognito-identity-js computes it), remembered
//! devices skipping TOTP MFA, refresh tokens bound to their device, and the device operations.

use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, DeviceRememberedStatusType, DeviceSecretVerifierConfigType};

use crate::common;
use crate::common::devices::{Device, PASSWORD, claims, config, err_text, fixture};

/// The whole story on a pool that remembers devices and lets them skip MFA: a TOTP sign-in issues
/// a device, ConfirmDevice remembers it, the next sign-in on it proves the device instead of a TOTP
/// code; wrong and replayed proofs fail; refresh tokens need their device; a device set to not
/// remembered asks for MFA again; a forgotten device no longer exists.
#[tokio::test]
async fn a_remembered_device_stands_in_for_totp() {
    let f = fixture(config(true, false)).await;
    let secret = f.totp_user("alice").await;

    let first = f.sign_in_new_device("alice", &secret).await;
    let meta = first.new_device_metadata().expect("NewDeviceMetadata").clone();
    let key = meta.device_key().expect("key");
    let (region, uuid) = key.split_once('_').expect("region_uuid");
    assert_eq!((region, uuid.len()), ("us-east-1", 36), "{key}");
    let group = meta.device_group_key().expect("group");
    assert!(group.starts_with('-') && group.len() == 9, "{group}");
    assert_eq!(claims(first.access_token().expect("access"))["device_key"], key, "the access token names the new device");
    assert!(claims(first.id_token().expect("id")).get("device_key").is_none());

    let (device, necessary) = f.confirm(&first, "laptop").await;
    assert!(!necessary, "remembered at once: DeviceOnlyRememberedOnUserPrompt is false");
    let got = f.c.get_device().access_token(first.access_token().expect("access")).device_key(&device.key).send().await.expect("get");
    let attrs: Vec<(String, String)> = got
        .device()
        .expect("device")
        .device_attributes()
        .iter()
        .map(|a| (a.name().to_string(), a.value().unwrap_or_default().to_string()))
        .collect();
    for want in [("device_status", "valid"), ("device_name", "laptop"), ("dev:device_remembered_status", "remembered")] {
        assert!(attrs.contains(&(want.0.into(), want.1.into())), "{want:?} in {attrs:?}");
    }
    let err =
        f.c.confirm_device()
            .access_token(first.access_token().expect("access"))
            .device_key(&device.key)
            .device_secret_verifier_config(DeviceSecretVerifierConfigType::builder().password_verifier("AQ==").salt("AQ==").build())
            .send()
            .await
            .expect_err("confirmed twice")
            .into_service_error();
    assert!(err.is_device_key_exists_exception(), "{err:?}");

    // On the device: no TOTP code, the device's proof instead.
    let start = f.password("alice", Some(&device)).await.expect("password");
    assert_eq!(start.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "no MFA on a remembered device");
    assert!(start.session().is_some());
    let (a, challenge) = f.device_srp_auth("alice", &device).await.expect("DEVICE_SRP_AUTH");
    let p = challenge.challenge_parameters().expect("parameters");
    for k in ["USERNAME", "SALT", "SRP_B", "SECRET_BLOCK"] {
        assert!(p.contains_key(k), "{k} in {p:?}");
    }
    let wrong = f.proof(&a, &challenge, &device, "not the device password");
    assert_eq!(
        f.device_verifier(&device, &wrong).await.expect_err("wrong proof"),
        "NotAuthorizedException: Incorrect username or password."
    );
    let right = f.proof(&a, &challenge, &device, &device.password);
    assert_eq!(
        f.device_verifier(&device, &right).await.expect_err("the SECRET_BLOCK was used by the wrong answer"),
        "NotAuthorizedException: Invalid session for the user, session can only be used once."
    );
    // DEVICE_SRP_AUTH without a first factor just before it: nothing is pending.
    assert_eq!(f.device_srp_auth("alice", &device).await.err().as_deref(), Some("NotAuthorizedException: Invalid session for the user."));

    f.password("alice", Some(&device)).await.expect("password");
    let (a, challenge) = f.device_srp_auth("alice", &device).await.expect("DEVICE_SRP_AUTH");
    let right = f.proof(&a, &challenge, &device, &device.password);
    let done = f.device_verifier(&device, &right).await.expect("right proof");
    let tokens = done.authentication_result().expect("tokens");
    assert!(tokens.new_device_metadata().is_none(), "a known device gets no new key");
    assert_eq!(claims(tokens.access_token().expect("access"))["device_key"], device.key.as_str());
    let replay = f.device_verifier(&device, &right).await.expect_err("replayed answer");
    assert!(replay.starts_with("NotAuthorizedException"), "{replay}");

    let got = f.c.get_device().access_token(tokens.access_token().expect("access")).device_key(&device.key).send().await.expect("get");
    let d = got.device().expect("device");
    assert!(d.device_last_authenticated_date().is_some());
    assert!(d.device_attributes().iter().any(|a| a.name() == "last_ip_used" && a.value() == Some("127.0.0.1")), "{d:?}");

    // Refresh: only with the device the token was issued on.
    let refresh = tokens.refresh_token().expect("refresh");
    let again = f.refresh(refresh, Some(&device)).await.expect("refresh on the device");
    assert_eq!(claims(again.access_token().expect("access"))["device_key"], device.key.as_str());
    assert_eq!(f.refresh(refresh, None).await.expect_err("no DEVICE_KEY"), "NotAuthorizedException: Invalid Refresh Token");

    // Another user's device key is not a device of this user.
    let bob_secret = f.totp_user("bob").await;
    let bob = f.sign_in_new_device("bob", &bob_secret).await;
    let (bob_device, _) = f.confirm(&bob, "phone").await;
    assert_eq!(f.password("alice", Some(&bob_device)).await.expect_err("bob's key"), "ResourceNotFoundException: Device does not exist.");

    // Not remembered: MFA again, then the device still proves itself.
    f.c.update_device_status()
        .access_token(tokens.access_token().expect("access"))
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .expect("not remembered");
    let start = f.password("alice", Some(&device)).await.expect("password");
    assert_eq!(start.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa), "MFA is back");
    let after_mfa = f.answer_totp(start.session().expect("session"), "alice", &secret, Some(&device)).await;
    assert_eq!(after_mfa.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth));
    let done = f.prove_device("alice", &device).await;
    assert!(done.access_token().is_some());

    // Forgotten: the key no longer exists, and its refresh tokens die with it.
    f.c.forget_device().access_token(tokens.access_token().expect("access")).device_key(&device.key).send().await.expect("forget");
    assert_eq!(f.password("alice", Some(&device)).await.expect_err("forgotten"), "ResourceNotFoundException: Device does not exist.");
    assert_eq!(f.refresh(refresh, Some(&device)).await.expect_err("forgotten device"), "NotAuthorizedException: Invalid Refresh Token");
}

/// DeviceOnlyRememberedOnUserPrompt: ConfirmDevice says the user must choose; until
/// UpdateDeviceStatus remembers the device, MFA is asked.
#[tokio::test]
async fn a_device_remembered_on_the_users_word() {
    let f = fixture(config(true, true)).await;
    let secret = f.totp_user("carol").await;
    let first = f.sign_in_new_device("carol", &secret).await;
    let (device, necessary) = f.confirm(&first, "tablet").await;
    assert!(necessary, "UserConfirmationNecessary");

    let start = f.password("carol", Some(&device)).await.expect("password");
    assert_eq!(start.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa), "not remembered yet");
    f.answer_totp(start.session().expect("session"), "carol", &secret, Some(&device)).await;
    let tokens = f.prove_device("carol", &device).await;

    f.c.update_device_status()
        .access_token(tokens.access_token().expect("access"))
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .expect("remember");
    let start = f.password("carol", Some(&device)).await.expect("password");
    assert_eq!(start.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "remembered: no MFA");
    f.prove_device("carol", &device).await;
}

/// ListDevices pages with Limit; the admin operations see the same devices and answer AWS's errors
/// for unknown users and devices; deleting the user deletes its devices.
#[tokio::test]
async fn listing_and_the_admin_device_operations() {
    let f = fixture(config(false, false)).await;
    let secret = f.totp_user("dan").await;
    let one = f.sign_in_new_device("dan", &secret).await;
    let (d1, _) = f.confirm(&one, "one").await;
    let two = f.sign_in_new_device("dan", &secret).await;
    let (d2, _) = f.confirm(&two, "two").await;
    // A third sign-in's device, never confirmed, is not listed.
    f.sign_in_new_device("dan", &secret).await;
    let token = two.access_token().expect("access");

    let page1 = f.c.list_devices().access_token(token).limit(1).send().await.expect("page 1");
    assert_eq!(page1.devices().len(), 1);
    assert_eq!(page1.devices()[0].device_key(), Some(d1.key.as_str()), "oldest first");
    let next = page1.pagination_token().expect("more");
    let page2 = f.c.list_devices().access_token(token).limit(1).pagination_token(next).send().await.expect("page 2");
    assert_eq!(page2.devices()[0].device_key(), Some(d2.key.as_str()));
    assert!(page2.pagination_token().is_none());
    assert!(page1.devices()[0].device_attributes().iter().all(|a| !a.name().starts_with("dev:")), "ListDevices shows no dev: attributes");

    let all = f.c.admin_list_devices().user_pool_id(&f.pool_id).username("dan").send().await.expect("admin list");
    assert_eq!(all.devices().len(), 2);
    assert!(all.devices()[0].device_attributes().iter().any(|a| a.name() == "dev:device_owner"));
    let got = f.c.admin_get_device().user_pool_id(&f.pool_id).username("dan").device_key(&d2.key).send().await.expect("admin get");
    assert_eq!(got.device().and_then(|d| d.device_key()), Some(d2.key.as_str()));
    f.c.admin_update_device_status()
        .user_pool_id(&f.pool_id)
        .username("dan")
        .device_key(&d2.key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .expect("admin update");
    let got = f.c.admin_get_device().user_pool_id(&f.pool_id).username("dan").device_key(&d2.key).send().await.expect("admin get");
    let status = got.device().expect("device").device_attributes().iter().find(|a| a.name() == "dev:device_remembered_status").cloned();
    assert_eq!(status.and_then(|a| a.value().map(str::to_string)).as_deref(), Some("not_remembered"));

    let e = f.c.admin_get_device().user_pool_id(&f.pool_id).username("nobody").device_key(&d1.key).send().await.expect_err("no user");
    assert_eq!(err_text(&e.into_service_error()), "UserNotFoundException: User does not exist.");
    let e = f.c.admin_list_devices().user_pool_id(&f.pool_id).username("nobody").send().await.expect_err("no user");
    assert_eq!(err_text(&e.into_service_error()), "UserNotFoundException: User does not exist.");
    let e = f.c.admin_get_device().user_pool_id(&f.pool_id).username("dan").device_key("us-east-1_00000000-0000-4000-8000-000000000000");
    assert_eq!(err_text(&e.send().await.expect_err("no device").into_service_error()), "ResourceNotFoundException: Device does not exist.");
    let e = f.c.admin_forget_device().user_pool_id(&f.pool_id).username("dan").device_key("us-east-1_00000000-0000-4000-8000-000000000000");
    assert_eq!(err_text(&e.send().await.expect_err("no device").into_service_error()), "ResourceNotFoundException: Device does not exist.");
    let e = f.c.admin_update_device_status().user_pool_id(&f.pool_id).username("nobody").device_key(&d1.key);
    let e = e.device_remembered_status(DeviceRememberedStatusType::Remembered).send().await.expect_err("no user");
    assert_eq!(err_text(&e.into_service_error()), "UserNotFoundException: User does not exist.");

    f.c.admin_forget_device().user_pool_id(&f.pool_id).username("dan").device_key(&d1.key).send().await.expect("admin forget");
    let left = f.c.admin_list_devices().user_pool_id(&f.pool_id).username("dan").send().await.expect("admin list");
    assert_eq!(left.devices().len(), 1);

    // A user deleted and created again under the same name has none of the old devices.
    f.c.admin_delete_user().user_pool_id(&f.pool_id).username("dan").send().await.expect("delete");
    common::confirmed_user(&f.c, &f.pool_id, "dan", PASSWORD, &[]).await;
    let none = f.c.admin_list_devices().user_pool_id(&f.pool_id).username("dan").send().await.expect("admin list");
    assert!(none.devices().is_empty());
    let e = f.c.admin_get_device().user_pool_id(&f.pool_id).username("dan").device_key(&d2.key).send().await.expect_err("gone");
    assert_eq!(err_text(&e.into_service_error()), "ResourceNotFoundException: Device does not exist.");
}

/// A pool without DeviceConfiguration issues no device, ignores a DEVICE_KEY, and refuses
/// ConfirmDevice.
#[tokio::test]
async fn a_pool_that_does_not_track_devices() {
    let f = fixture(None).await;
    common::confirmed_user(&f.c, &f.pool_id, "erin", PASSWORD, &[]).await;
    let out = f.password("erin", None).await.expect("sign in");
    let tokens = out.authentication_result().expect("tokens");
    assert!(tokens.new_device_metadata().is_none());
    assert!(claims(tokens.access_token().expect("access")).get("device_key").is_none());
    let stray = Device { key: "us-east-1_00000000-0000-4000-8000-000000000000".into(), group: "-x".into(), password: "p".into() };
    assert!(f.password("erin", Some(&stray)).await.expect("key ignored").authentication_result().is_some());
    let e = f.c.confirm_device().access_token(tokens.access_token().expect("access")).device_key(&stray.key).send().await;
    assert!(e.expect_err("not tracked").into_service_error().is_invalid_user_pool_configuration_exception());
    let described = f.c.describe_user_pool().user_pool_id(&f.pool_id).send().await.expect("describe");
    assert!(described.user_pool().expect("pool").device_configuration().is_none());
}
