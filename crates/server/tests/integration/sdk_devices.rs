//! Device tracking through the AWS SDK for Rust (docs/devices.md): NewDeviceMetadata, ConfirmDevice
//! with a real device verifier, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER with a real device proof
//! (the SRP client of `cognate_crypto`, as amazon-cognito-identity-js computes it), remembered
//! devices skipping TOTP MFA, refresh tokens bound to their device, and the device operations.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceConfigurationType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType, ExplicitAuthFlowsType, SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognate_core::{Clock, ManualClock};
use cognate_crypto::{srp, totp};

use crate::common::{self, TestServer};

const PASSWORD: &str = "Correct-horse-9";
const T0: i64 = 1_800_000_000_000;

fn err_text<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

struct F {
    c: Client,
    pool_id: String,
    client_id: String,
    clock: Arc<ManualClock>,
    _server: TestServer,
}

/// A device as its client keeps it: the key, the group key and the random password behind the
/// verifier it confirmed.
#[derive(Clone)]
struct Device {
    key: String,
    group: String,
    password: String,
}

/// `PAD()` of a hex integer as bytes: even length, and a 0x00 sign byte when the top bit is set.
fn padded_bytes(hex_int: &str) -> Vec<u8> {
    let mut h = if hex_int.len() % 2 == 1 { format!("0{hex_int}") } else { hex_int.to_string() };
    if h.as_bytes()[0] >= b'8' {
        h.insert_str(0, "00");
    }
    hex::decode(h).expect("hex")
}

/// The claims of a JWT, unverified (the server's own tests check signatures elsewhere).
fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

async fn fixture(device_configuration: Option<DeviceConfigurationType>) -> F {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_at(clock.clone()).await;
    let c = server.client();
    let mut create = c.create_user_pool().pool_name("devices");
    if let Some(config) = device_configuration {
        create = create.device_configuration(config);
    }
    let pool_id = create.send().await.expect("pool").user_pool().and_then(|p| p.id().map(str::to_string)).expect("id");
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .send()
        .await
        .expect("mfa config");
    let client_id = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id");
    F { c, pool_id, client_id, clock, _server: server }
}

fn config(skip_mfa: bool, on_prompt: bool) -> Option<DeviceConfigurationType> {
    Some(
        DeviceConfigurationType::builder()
            .challenge_required_on_new_device(skip_mfa)
            .device_only_remembered_on_user_prompt(on_prompt)
            .build(),
    )
}

impl F {
    fn code(&self, secret: &str) -> String {
        // A fresh time step for every code: a step once used is refused as a replay.
        self.clock.advance_ms(30_000);
        totp::code_at(secret, (self.clock.now_ms() / 1000) as u64).expect("code")
    }

    fn timestamp(&self) -> String {
        srp::format_timestamp(chrono::DateTime::from_timestamp_millis(self.clock.now_ms()).expect("time"))
    }

    /// A confirmed user with an authenticator app activated for MFA; returns its secret.
    async fn totp_user(&self, name: &str) -> String {
        common::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, &[]).await;
        let token =
            self.password(name, None).await.expect("sign in").authentication_result().and_then(|r| r.access_token().map(str::to_string));
        let token = token.expect("tokens before MFA");
        let secret = self
            .c
            .associate_software_token()
            .access_token(&token)
            .send()
            .await
            .expect("associate")
            .secret_code()
            .expect("secret")
            .to_string();
        let code = self.code(&secret);
        self.c.verify_software_token().access_token(&token).user_code(code).send().await.expect("verify");
        self.c
            .set_user_mfa_preference()
            .access_token(&token)
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await
            .expect("activate TOTP");
        secret
    }

    /// InitiateAuth USER_PASSWORD_AUTH, on `device` when given.
    async fn password(
        &self,
        name: &str,
        device: Option<&Device>,
    ) -> Result<aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput, String> {
        let mut call = self
            .c
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", PASSWORD);
        if let Some(d) = device {
            call = call.auth_parameters("DEVICE_KEY", &d.key);
        }
        call.send().await.map_err(|e| err_text(&e.into_service_error()))
    }

    async fn answer_totp(&self, session: &str, name: &str, secret: &str, device: Option<&Device>) -> RespondToAuthChallengeOutput {
        let mut call = self
            .c
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session(session)
            .challenge_responses("USERNAME", name)
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", self.code(secret));
        if let Some(d) = device {
            call = call.challenge_responses("DEVICE_KEY", &d.key);
        }
        call.send().await.expect("TOTP answer")
    }

    /// A sign-in with TOTP MFA on no device: the tokens and the new device's metadata.
    async fn sign_in_new_device(&self, name: &str, secret: &str) -> AuthenticationResultType {
        let first = self.password(name, None).await.expect("password");
        assert_eq!(first.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
        let done = self.answer_totp(first.session().expect("session"), name, secret, None).await;
        done.authentication_result().expect("tokens").clone()
    }

    /// ConfirmDevice with a fresh device password, as amazon-cognito-identity-js does it.
    async fn confirm(&self, result: &AuthenticationResultType, name: &str) -> (Device, bool) {
        let meta = result.new_device_metadata().expect("NewDeviceMetadata");
        let device = Device {
            key: meta.device_key().expect("key").to_string(),
            group: meta.device_group_key().expect("group").to_string(),
            password: STANDARD.encode(format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4())),
        };
        let v = srp::make_verifier(&device.group, &device.key, &device.password);
        let config = DeviceSecretVerifierConfigType::builder()
            .password_verifier(STANDARD.encode(padded_bytes(&v.verifier_hex)))
            .salt(STANDARD.encode(padded_bytes(&v.salt_hex)))
            .build();
        let out = self
            .c
            .confirm_device()
            .access_token(result.access_token().expect("access"))
            .device_key(&device.key)
            .device_secret_verifier_config(config)
            .device_name(name)
            .send()
            .await
            .expect("confirm device");
        (device, out.user_confirmation_necessary())
    }

    /// DEVICE_SRP_AUTH (without the Session, as identity-js and pycognito answer it): the
    /// DEVICE_PASSWORD_VERIFIER challenge parameters.
    async fn device_srp_auth(
        &self,
        name: &str,
        device: &Device,
    ) -> Result<(srp::client::ClientSecret, RespondToAuthChallengeOutput), String> {
        let (secret, srp_a) = srp::client::start();
        let out = self
            .c
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::DeviceSrpAuth)
            .challenge_responses("USERNAME", name)
            .challenge_responses("DEVICE_KEY", &device.key)
            .challenge_responses("SRP_A", srp_a)
            .send()
            .await
            .map_err(|e| err_text(&e.into_service_error()))?;
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::DevicePasswordVerifier));
        Ok((secret, out))
    }

    /// The device's proof for a DEVICE_PASSWORD_VERIFIER challenge, computed with `password`.
    fn proof(
        &self,
        secret: &srp::client::ClientSecret,
        challenge: &RespondToAuthChallengeOutput,
        device: &Device,
        password: &str,
    ) -> Proof {
        let p = challenge.challenge_parameters().expect("parameters");
        let timestamp = self.timestamp();
        let signature = srp::client::respond(
            secret,
            &srp::client::Challenge {
                pool_name: &device.group,
                user_id_for_srp: &device.key,
                password,
                salt_hex: &p["SALT"],
                srp_b_hex: &p["SRP_B"],
                secret_block_b64: &p["SECRET_BLOCK"],
                timestamp: &timestamp,
            },
        )
        .expect("device proof");
        Proof { username: p["USERNAME"].clone(), block: p["SECRET_BLOCK"].clone(), timestamp, signature }
    }

    async fn device_verifier(&self, device: &Device, proof: &Proof) -> Result<RespondToAuthChallengeOutput, String> {
        self.c
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::DevicePasswordVerifier)
            .challenge_responses("USERNAME", &proof.username)
            .challenge_responses("DEVICE_KEY", &device.key)
            .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &proof.block)
            .challenge_responses("PASSWORD_CLAIM_SIGNATURE", &proof.signature)
            .challenge_responses("TIMESTAMP", &proof.timestamp)
            .send()
            .await
            .map_err(|e| err_text(&e.into_service_error()))
    }

    /// Device SRP from DEVICE_SRP_AUTH to the tokens.
    async fn prove_device(&self, name: &str, device: &Device) -> AuthenticationResultType {
        let (secret, challenge) = self.device_srp_auth(name, device).await.expect("DEVICE_SRP_AUTH");
        let proof = self.proof(&secret, &challenge, device, &device.password);
        let done = self.device_verifier(device, &proof).await.expect("DEVICE_PASSWORD_VERIFIER");
        done.authentication_result().expect("tokens").clone()
    }

    async fn refresh(&self, refresh_token: &str, device: Option<&Device>) -> Result<AuthenticationResultType, String> {
        let mut call = self
            .c
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token);
        if let Some(d) = device {
            call = call.auth_parameters("DEVICE_KEY", &d.key);
        }
        let out = call.send().await.map_err(|e| err_text(&e.into_service_error()))?;
        Ok(out.authentication_result().expect("tokens").clone())
    }
}

struct Proof {
    username: String,
    block: String,
    timestamp: String,
    signature: String,
}

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
