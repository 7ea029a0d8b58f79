//! Remembered devices in every kind of sign-in (docs/devices.md, "A sign-in in a pool that tracks
//! devices"): USER_SRP_AUTH, USER_AUTH with a password or a passkey, ADMIN_USER_PASSWORD_AUTH;
//! GetTokensFromRefreshToken bound to the device; and email MFA, which a remembered device does not
//! stand in for.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceRememberedStatusType, EmailMfaSettingsType,
    SoftwareTokenMfaSettingsType,
};
use cognate_crypto::srp;
use serde_json::Value;

use crate::common;
use crate::common::authenticator::{SoftAuthenticator, to_document, to_json};
use crate::common::devices::{Answer, Device, F, PASSWORD, Via, claims, config, err_text, fixture};

/// An origin on the fixture's passkey relying party (`localhost`).
const ORIGIN: &str = "http://localhost:5173";

/// The tokens of a device proof: on `device`, with no new device.
fn assert_on_device(tokens: &AuthenticationResultType, device: &Device) {
    assert!(tokens.new_device_metadata().is_none(), "a known device gets no new key");
    assert_eq!(claims(tokens.access_token().expect("access"))["device_key"], device.key.as_str());
}

impl F {
    /// InitiateAuth with `params`.
    async fn initiate(&self, flow: AuthFlowType, params: &[(&str, &str)]) -> Result<Answer, String> {
        let mut call = self.c.initiate_auth().client_id(&self.client_id).auth_flow(flow);
        for (k, v) in params {
            call = call.auth_parameters(*k, *v);
        }
        call.send().await.map(Answer::from).map_err(|e| err_text(&e.into_service_error()))
    }

    /// USER_SRP_AUTH on `device`, answering PASSWORD_VERIFIER as amazon-cognito-identity-js does
    /// (DEVICE_KEY in both steps): what comes after the password.
    async fn srp_on(&self, name: &str, device: &Device) -> Answer {
        let (secret, srp_a) = srp::client::start();
        let out = self
            .initiate(AuthFlowType::UserSrpAuth, &[("USERNAME", name), ("SRP_A", &srp_a), ("DEVICE_KEY", &device.key)])
            .await
            .expect("USER_SRP_AUTH");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
        let p = &out.params;
        let timestamp = self.timestamp_off(0);
        let signature = srp::client::respond(
            &secret,
            &srp::client::Challenge {
                pool_name: srp::pool_name(&self.pool_id),
                user_id_for_srp: &p["USER_ID_FOR_SRP"],
                password: PASSWORD,
                salt_hex: &p["SALT"],
                srp_b_hex: &p["SRP_B"],
                secret_block_b64: &p["SECRET_BLOCK"],
                timestamp: &timestamp,
            },
        )
        .expect("password claim");
        let responses = [
            ("USERNAME", p["USER_ID_FOR_SRP"].as_str()),
            ("PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"].as_str()),
            ("PASSWORD_CLAIM_SIGNATURE", signature.as_str()),
            ("TIMESTAMP", timestamp.as_str()),
            ("DEVICE_KEY", device.key.as_str()),
        ];
        self.respond(&self.via(), ChallengeNameType::PasswordVerifier, &responses).await.expect("PASSWORD_VERIFIER")
    }

    /// USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN answered by `authenticator`, on `device`
    /// when given (DEVICE_KEY in both steps): what comes after the passkey.
    async fn passkey(&self, authenticator: &mut SoftAuthenticator, name: &str, device: Option<&Device>) -> Answer {
        let key = device.map(|d| ("DEVICE_KEY", d.key.as_str()));
        let start = [("USERNAME", name), ("PREFERRED_CHALLENGE", "WEB_AUTHN")].into_iter().chain(key).collect::<Vec<_>>();
        let out = self.initiate(AuthFlowType::UserAuth, &start).await.expect("USER_AUTH");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::WebAuthn), "{out:?}");
        let options: Value = serde_json::from_str(&out.params["CREDENTIAL_REQUEST_OPTIONS"]).expect("options");
        let assertion = authenticator.get(&options, ORIGIN).to_string();
        let answer = [("USERNAME", name), ("CREDENTIAL", assertion.as_str())].into_iter().chain(key).collect::<Vec<_>>();
        let via = Via { session: out.session.clone(), ..self.via() };
        self.respond(&via, ChallengeNameType::WebAuthn, &answer).await.expect("passkey answer")
    }

    async fn get_tokens(&self, refresh: &str, device_key: Option<&str>) -> Result<String, String> {
        let call = self.c.get_tokens_from_refresh_token().client_id(&self.client_id).refresh_token(refresh);
        let out = call.set_device_key(device_key.map(str::to_string)).send().await.map_err(|e| err_text(&e.into_service_error()))?;
        Ok(out.authentication_result().and_then(|r| r.access_token()).expect("access").to_string())
    }
}

/// A remembered device that passed MFA skips TOTP in USER_SRP_AUTH, in USER_AUTH with
/// PREFERRED_CHALLENGE PASSWORD and in ADMIN_USER_PASSWORD_AUTH (answered through the admin
/// operation): each goes to DEVICE_SRP_AUTH, and the device's proof gives tokens on the device.
#[tokio::test]
async fn every_password_flow_goes_through_the_device() {
    let f = fixture(config(true, false)).await;
    let (secret, device, _) = f.user_with_device("alice").await;

    let after_password = f.srp_on("alice", &device).await;
    assert_eq!(after_password.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "USER_SRP_AUTH");
    assert_on_device(&f.prove_device("alice", &device).await, &device);

    let user_auth = [("USERNAME", "alice"), ("PREFERRED_CHALLENGE", "PASSWORD"), ("PASSWORD", PASSWORD)];
    let out = f.initiate(AuthFlowType::UserAuth, &user_auth).await.expect("USER_AUTH without a device");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa), "no device: MFA");
    let on_device = [user_auth.as_slice(), &[("DEVICE_KEY", device.key.as_str())]].concat();
    let out = f.initiate(AuthFlowType::UserAuth, &on_device).await.expect("USER_AUTH");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "USER_AUTH PASSWORD on the device: {out:?}");
    assert_on_device(&f.prove_device("alice", &device).await, &device);

    let admin =
        f.c.admin_initiate_auth()
            .user_pool_id(&f.pool_id)
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("DEVICE_KEY", &device.key)
            .send()
            .await
            .map(Answer::from)
            .expect("ADMIN_USER_PASSWORD_AUTH");
    assert_eq!(admin.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "{admin:?}");
    let via_admin = Via { admin: true, ..f.via() };
    assert_on_device(&f.prove_device_via(&via_admin, "alice", &device).await, &device);

    // Not remembered any more: TOTP is asked again, and then the device proves itself.
    f.c.admin_update_device_status()
        .user_pool_id(&f.pool_id)
        .username("alice")
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .expect("not remembered");
    let out = f.initiate(AuthFlowType::UserAuth, &on_device).await.expect("USER_AUTH");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
    let done = f.answer_totp(out.session().expect("session"), "alice", &secret, Some(&device)).await;
    assert_eq!(done.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "after MFA, the device proves itself");
    assert_on_device(&f.prove_device("alice", &device).await, &device);
}

/// A passkey sign-in (USER_AUTH, WEB_AUTHN) on a confirmed device ends with the device's proof and
/// tokens on it; without DEVICE_KEY it issues a new device.
#[tokio::test]
async fn a_passkey_sign_in_proves_the_device_too() {
    let f = fixture(config(true, false)).await;
    common::confirmed_user(&f.c, &f.pool_id, "pat", PASSWORD, &[]).await;
    let first = f.password("pat", None).await.expect("password").tokens().clone();
    let (device, _) = f.confirm(&first, "laptop").await;
    let access = first.access_token().expect("access");
    let options = f.c.start_web_authn_registration().access_token(access).send().await.expect("start");
    let mut authenticator = SoftAuthenticator::es256();
    let credential = authenticator.create(&to_json(options.credential_creation_options()), ORIGIN);
    f.c.complete_web_authn_registration().access_token(access).credential(to_document(&credential)).send().await.expect("register");

    let out = f.passkey(&mut authenticator, "pat", Some(&device)).await;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "{out:?}");
    assert_on_device(&f.prove_device("pat", &device).await, &device);

    let out = f.passkey(&mut authenticator, "pat", None).await;
    let tokens = out.tokens();
    let meta = tokens.new_device_metadata().expect("a new device for a sign-in without DEVICE_KEY");
    assert_ne!(meta.device_key(), Some(device.key.as_str()));
    assert_eq!(claims(tokens.access_token().expect("access"))["device_key"], meta.device_key().expect("key"));
}

/// GetTokensFromRefreshToken in a tracking pool: only with the key of the device the refresh token
/// was issued on, while the device exists.
#[tokio::test]
async fn get_tokens_from_refresh_token_needs_the_device() {
    let f = fixture(config(false, false)).await;
    common::confirmed_user(&f.c, &f.pool_id, "rita", PASSWORD, &[]).await;
    let first = f.password("rita", None).await.expect("password").tokens().clone();
    let (device, _) = f.confirm(&first, "laptop").await;
    let second = f.password("rita", None).await.expect("password").tokens().clone();
    let (other_device, _) = f.confirm(&second, "phone").await;
    f.password("rita", Some(&device)).await.expect("DEVICE_SRP_AUTH");
    let tokens = f.prove_device("rita", &device).await;
    let refresh = tokens.refresh_token().expect("refresh");

    let access = f.get_tokens(refresh, Some(&device.key)).await.expect("the right device");
    assert_eq!(claims(&access)["device_key"], device.key.as_str());
    let invalid = "NotAuthorizedException: Invalid Refresh Token";
    assert_eq!(f.get_tokens(refresh, None).await.err().as_deref(), Some(invalid), "no DeviceKey");
    assert_eq!(f.get_tokens(refresh, Some(&other_device.key)).await.err().as_deref(), Some(invalid), "the user's other device");
    let made_up = "us-east-1_00000000-0000-4000-8000-000000000000";
    assert_eq!(f.get_tokens(refresh, Some(made_up)).await.err().as_deref(), Some(invalid), "no such device");
    assert!(f.get_tokens(refresh, Some(&device.key)).await.is_ok(), "refused attempts do not spend the token");

    f.c.forget_device().access_token(&access).device_key(&device.key).send().await.expect("forget");
    assert_eq!(f.get_tokens(refresh, Some(&device.key)).await.err().as_deref(), Some(invalid), "forgotten");
}

/// Email MFA is asked on a remembered device that skips TOTP (AWS documents the bypass for SMS and
/// authenticator apps only); after the emailed code, the device proves itself.
#[tokio::test]
async fn email_mfa_is_not_skipped_by_a_remembered_device() {
    let f = fixture(config(true, false)).await;
    let (_, device, _) = f.user_with_device("erin").await;
    let attrs = [("email", "erin@example.com"), ("email_verified", "true")]
        .map(|(k, v)| AttributeType::builder().name(k).value(v).build().expect("attribute"));
    f.c.admin_update_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("erin")
        .set_user_attributes(Some(attrs.to_vec()))
        .send()
        .await
        .expect("email");
    let prefer = |email: bool| {
        f.c.admin_set_user_mfa_preference()
            .user_pool_id(&f.pool_id)
            .username("erin")
            .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).preferred_mfa(email).build())
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(!email).build())
            .send()
    };
    prefer(true).await.expect("prefer email");

    for _ in 0..2 {
        let out = f.password("erin", Some(&device)).await.expect("password");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp), "email MFA on a remembered device: {out:?}");
        let code = common::outbox_code(f.server.addr, &f.pool_id, "erin").await;
        let via = Via { session: out.session.clone(), ..f.via() };
        let answer = [("USERNAME", "erin"), ("EMAIL_OTP_CODE", code.as_str()), ("DEVICE_KEY", device.key.as_str())];
        let done = f.respond(&via, ChallengeNameType::EmailOtp, &answer).await.expect("email code");
        assert_eq!(done.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth));
        assert_on_device(&f.prove_device("erin", &device).await, &device);
    }

    // The same device does stand in for the authenticator app.
    prefer(false).await.expect("prefer TOTP");
    let out = f.password("erin", Some(&device)).await.expect("password");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth), "TOTP is skipped: {out:?}");
    assert_on_device(&f.prove_device("erin", &device).await, &device);
}
