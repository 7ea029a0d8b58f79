//! Shared by the device tests (sdk_devices, devices_attacks, devices_sign_in): a pool that tracks
//! devices, users with an authenticator app, and a device client as amazon-cognito-identity-js is
//! one — ConfirmDevice with a real verifier, DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER with a
//! real device proof (the SRP client of `cognate_crypto`). docs/devices.md says what the server does.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::admin_respond_to_auth_challenge::AdminRespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceConfigurationType, DeviceSecretVerifierConfigType,
    EmailMfaConfigType, ExplicitAuthFlowsType, SignInPolicyType, SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
    UserPoolPolicyType, UserVerificationType, WebAuthnConfigurationType,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognate_core::{Clock, ManualClock};
use cognate_crypto::{srp, totp};

use super::TestServer;

pub const PASSWORD: &str = "Correct-horse-9";
pub const T0: i64 = 1_800_000_000_000;
/// The passkey relying party of the fixture's pool.
pub const RP: &str = "localhost";

pub fn err_text<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

/// A pool that tracks devices per `device_configuration` (none: it does not), offers TOTP and
/// email MFA (optional) and passkeys, and one app client with every flow a device test uses.
pub struct F {
    pub c: Client,
    pub pool_id: String,
    pub client_id: String,
    pub clock: Arc<ManualClock>,
    pub server: TestServer,
}

/// A device as its client keeps it: the key, the group key and the random password behind the
/// verifier it confirmed.
#[derive(Clone, Debug)]
pub struct Device {
    pub key: String,
    pub group: String,
    pub password: String,
}

/// `PAD()` of a hex integer as bytes: even length, and a 0x00 sign byte when the top bit is set.
pub fn padded_bytes(hex_int: &str) -> Vec<u8> {
    let mut h = if hex_int.len() % 2 == 1 { format!("0{hex_int}") } else { hex_int.to_string() };
    if h.as_bytes()[0] >= b'8' {
        h.insert_str(0, "00");
    }
    hex::decode(h).expect("hex")
}

/// The claims of a JWT, unverified (the server's own tests check signatures elsewhere).
pub fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

pub fn config(skip_mfa: bool, on_prompt: bool) -> Option<DeviceConfigurationType> {
    Some(
        DeviceConfigurationType::builder()
            .challenge_required_on_new_device(skip_mfa)
            .device_only_remembered_on_user_prompt(on_prompt)
            .build(),
    )
}

pub async fn fixture(device_configuration: Option<DeviceConfigurationType>) -> F {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_at(clock.clone()).await;
    fixture_on(server, clock, device_configuration).await
}

/// [`fixture`] on a server the test started (on PostgreSQL, say) with `clock`.
pub async fn fixture_on(server: TestServer, clock: Arc<ManualClock>, device_configuration: Option<DeviceConfigurationType>) -> F {
    let c = server.client();
    let first_factors = [AuthFactorType::Password, AuthFactorType::WebAuthn];
    let policy = SignInPolicyType::builder().set_allowed_first_auth_factors(Some(first_factors.to_vec())).build();
    let mut create = c.create_user_pool().pool_name("devices").policies(UserPoolPolicyType::builder().sign_in_policy(policy).build());
    if let Some(config) = device_configuration {
        create = create.device_configuration(config);
    }
    let pool_id = create.send().await.expect("pool").user_pool().and_then(|p| p.id().map(str::to_string)).expect("id");
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .email_mfa_configuration(EmailMfaConfigType::builder().build())
        .web_authn_configuration(
            WebAuthnConfigurationType::builder().relying_party_id(RP).user_verification(UserVerificationType::Required).build(),
        )
        .send()
        .await
        .expect("mfa config");
    let client_id = new_client(&c, &pool_id, "app").await;
    F { c, pool_id, client_id, clock, server }
}

/// An app client with password, SRP, USER_AUTH, admin password and refresh sign-ins.
pub async fn new_client(c: &Client, pool_id: &str, name: &str) -> String {
    c.create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(name)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id")
}

/// A step of a sign-in, whichever operation answered it (InitiateAuth, RespondToAuthChallenge and
/// their admin forms answer the same members).
#[derive(Debug, Clone)]
pub struct Answer {
    pub challenge: Option<ChallengeNameType>,
    pub session: Option<String>,
    pub params: HashMap<String, String>,
    pub tokens: Option<AuthenticationResultType>,
}

macro_rules! answer_from {
    ($($output:ty),*) => {$(
        impl From<$output> for Answer {
            fn from(o: $output) -> Self {
                Answer {
                    challenge: o.challenge_name().cloned(),
                    session: o.session().map(str::to_string),
                    params: o.challenge_parameters().cloned().unwrap_or_default(),
                    tokens: o.authentication_result().cloned(),
                }
            }
        }
    )*};
}
answer_from!(InitiateAuthOutput, RespondToAuthChallengeOutput, AdminInitiateAuthOutput, AdminRespondToAuthChallengeOutput);

/// The SDK outputs' accessors, so that a test reads an [`Answer`] as it reads them.
impl Answer {
    pub fn challenge_name(&self) -> Option<&ChallengeNameType> {
        self.challenge.as_ref()
    }

    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    pub fn challenge_parameters(&self) -> Option<&HashMap<String, String>> {
        Some(&self.params)
    }

    pub fn authentication_result(&self) -> Option<&AuthenticationResultType> {
        self.tokens.as_ref()
    }

    pub fn tokens(&self) -> &AuthenticationResultType {
        self.tokens.as_ref().expect("tokens")
    }
}

/// How a challenge is answered: by which app client, with which Session (identity-js and pycognito
/// send none with the device challenges), and through RespondToAuthChallenge or its admin form.
#[derive(Debug, Clone)]
pub struct Via {
    pub client_id: String,
    pub session: Option<String>,
    pub admin: bool,
}

/// RespondToAuthChallenge (or AdminRespondToAuthChallenge in `pool_id`) with `responses`; owned
/// arguments, so that a test can send many at once from spawned tasks.
pub async fn respond_with(
    c: Client,
    pool_id: String,
    via: Via,
    challenge: ChallengeNameType,
    responses: Vec<(String, String)>,
) -> Result<Answer, String> {
    if via.admin {
        let mut call = c.admin_respond_to_auth_challenge().user_pool_id(pool_id).client_id(via.client_id).challenge_name(challenge);
        call = call.set_session(via.session);
        for (k, v) in responses {
            call = call.challenge_responses(k, v);
        }
        return call.send().await.map(Answer::from).map_err(|e| err_text(&e.into_service_error()));
    }
    let mut call = c.respond_to_auth_challenge().client_id(via.client_id).challenge_name(challenge).set_session(via.session);
    for (k, v) in responses {
        call = call.challenge_responses(k, v);
    }
    call.send().await.map(Answer::from).map_err(|e| err_text(&e.into_service_error()))
}

/// The DEVICE_SRP_AUTH answer's responses for `device` of `username`, with a fresh SRP_A.
pub fn device_srp_auth_responses(username: &str, device: &Device) -> (srp::client::ClientSecret, Vec<(String, String)>) {
    let (secret, srp_a) = srp::client::start();
    let responses =
        vec![("USERNAME".to_string(), username.to_string()), ("DEVICE_KEY".to_string(), device.key.clone()), ("SRP_A".to_string(), srp_a)];
    (secret, responses)
}

/// A device's answer to DEVICE_PASSWORD_VERIFIER.
#[derive(Debug, Clone)]
pub struct Proof {
    pub username: String,
    pub block: String,
    pub timestamp: String,
    pub signature: String,
}

impl Proof {
    pub fn responses(&self, device: &Device) -> Vec<(String, String)> {
        [
            ("USERNAME", self.username.as_str()),
            ("DEVICE_KEY", device.key.as_str()),
            ("PASSWORD_CLAIM_SECRET_BLOCK", self.block.as_str()),
            ("PASSWORD_CLAIM_SIGNATURE", self.signature.as_str()),
            ("TIMESTAMP", self.timestamp.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

impl F {
    /// Answers through RespondToAuthChallenge by the fixture's app client, without a Session.
    pub fn via(&self) -> Via {
        Via { client_id: self.client_id.clone(), session: None, admin: false }
    }

    pub async fn respond(&self, via: &Via, challenge: ChallengeNameType, responses: &[(&str, &str)]) -> Result<Answer, String> {
        let responses = responses.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        respond_with(self.c.clone(), self.pool_id.clone(), via.clone(), challenge, responses).await
    }

    pub fn code(&self, secret: &str) -> String {
        // A fresh time step for every code: a step once used is refused as a replay.
        self.clock.advance_ms(30_000);
        totp::code_at(secret, (self.clock.now_ms() / 1000) as u64).expect("code")
    }

    /// SRP's TIMESTAMP `offset_ms` from the server's clock.
    pub fn timestamp_off(&self, offset_ms: i64) -> String {
        srp::format_timestamp(chrono::DateTime::from_timestamp_millis(self.clock.now_ms() + offset_ms).expect("time"))
    }

    /// A confirmed user with an authenticator app activated for MFA; returns its secret.
    pub async fn totp_user(&self, name: &str) -> String {
        super::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, &[]).await;
        let token = self.password(name, None).await.expect("sign in").tokens.and_then(|r| r.access_token().map(str::to_string));
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
    pub async fn password(&self, name: &str, device: Option<&Device>) -> Result<Answer, String> {
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
        call.send().await.map(Answer::from).map_err(|e| err_text(&e.into_service_error()))
    }

    /// Answer SOFTWARE_TOKEN_MFA with a fresh code, on `device` when given.
    pub async fn answer_totp(&self, session: &str, name: &str, secret: &str, device: Option<&Device>) -> Answer {
        let code = self.code(secret);
        let mut responses = vec![("USERNAME", name), ("SOFTWARE_TOKEN_MFA_CODE", code.as_str())];
        if let Some(d) = device {
            responses.push(("DEVICE_KEY", &d.key));
        }
        let via = Via { session: Some(session.to_string()), ..self.via() };
        self.respond(&via, ChallengeNameType::SoftwareTokenMfa, &responses).await.expect("TOTP answer")
    }

    /// A sign-in with TOTP MFA on no device: the tokens and the new device's metadata.
    pub async fn sign_in_new_device(&self, name: &str, secret: &str) -> AuthenticationResultType {
        let first = self.password(name, None).await.expect("password");
        assert_eq!(first.challenge, Some(ChallengeNameType::SoftwareTokenMfa));
        let done = self.answer_totp(first.session.as_deref().expect("session"), name, secret, None).await;
        done.tokens().clone()
    }

    /// ConfirmDevice with a fresh device password, as amazon-cognito-identity-js does it.
    pub async fn confirm(&self, result: &AuthenticationResultType, name: &str) -> (Device, bool) {
        let device = self.new_device(result);
        let necessary = self
            .confirm_with(result.access_token().expect("access"), &device, Some(name))
            .await
            .expect("confirm device")
            .user_confirmation_necessary();
        (device, necessary)
    }

    /// The device NewDeviceMetadata names, with a fresh device password (not yet confirmed).
    pub fn new_device(&self, result: &AuthenticationResultType) -> Device {
        let meta = result.new_device_metadata().expect("NewDeviceMetadata");
        Device {
            key: meta.device_key().expect("key").to_string(),
            group: meta.device_group_key().expect("group").to_string(),
            password: STANDARD.encode(format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4())),
        }
    }

    /// ConfirmDevice of `device` with the verifier and salt of its password.
    pub async fn confirm_with(
        &self,
        access_token: &str,
        device: &Device,
        name: Option<&str>,
    ) -> Result<aws_sdk_cognitoidentityprovider::operation::confirm_device::ConfirmDeviceOutput, String> {
        let v = srp::make_verifier(&device.group, &device.key, &device.password);
        let config = DeviceSecretVerifierConfigType::builder()
            .password_verifier(STANDARD.encode(padded_bytes(&v.verifier_hex)))
            .salt(STANDARD.encode(padded_bytes(&v.salt_hex)))
            .build();
        let call = self.c.confirm_device().access_token(access_token).device_key(&device.key).device_secret_verifier_config(config);
        call.set_device_name(name.map(str::to_string)).send().await.map_err(|e| err_text(&e.into_service_error()))
    }

    /// DEVICE_SRP_AUTH (without the Session, as identity-js and pycognito answer it): the
    /// DEVICE_PASSWORD_VERIFIER challenge.
    pub async fn device_srp_auth(&self, name: &str, device: &Device) -> Result<(srp::client::ClientSecret, Answer), String> {
        self.device_srp_auth_via(&self.via(), name, device).await
    }

    pub async fn device_srp_auth_via(&self, via: &Via, name: &str, device: &Device) -> Result<(srp::client::ClientSecret, Answer), String> {
        let (secret, responses) = device_srp_auth_responses(name, device);
        let out = respond_with(self.c.clone(), self.pool_id.clone(), via.clone(), ChallengeNameType::DeviceSrpAuth, responses).await?;
        assert_eq!(out.challenge, Some(ChallengeNameType::DevicePasswordVerifier));
        Ok((secret, out))
    }

    /// The device's proof for a DEVICE_PASSWORD_VERIFIER challenge, computed with `password`.
    pub fn proof(&self, secret: &srp::client::ClientSecret, challenge: &Answer, device: &Device, password: &str) -> Proof {
        self.proof_at(secret, challenge, device, password, self.timestamp_off(0))
    }

    /// [`F::proof`] signed with `timestamp`.
    pub fn proof_at(
        &self,
        secret: &srp::client::ClientSecret,
        challenge: &Answer,
        device: &Device,
        password: &str,
        timestamp: String,
    ) -> Proof {
        let p = &challenge.params;
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

    pub async fn device_verifier(&self, device: &Device, proof: &Proof) -> Result<Answer, String> {
        self.device_verifier_via(&self.via(), device, proof).await
    }

    pub async fn device_verifier_via(&self, via: &Via, device: &Device, proof: &Proof) -> Result<Answer, String> {
        respond_with(self.c.clone(), self.pool_id.clone(), via.clone(), ChallengeNameType::DevicePasswordVerifier, proof.responses(device))
            .await
    }

    /// Device SRP from DEVICE_SRP_AUTH to the tokens.
    pub async fn prove_device(&self, name: &str, device: &Device) -> AuthenticationResultType {
        self.prove_device_via(&self.via(), name, device).await
    }

    pub async fn prove_device_via(&self, via: &Via, name: &str, device: &Device) -> AuthenticationResultType {
        let (secret, challenge) = self.device_srp_auth_via(via, name, device).await.expect("DEVICE_SRP_AUTH");
        let proof = self.proof(&secret, &challenge, device, &device.password);
        let done = self.device_verifier_via(via, device, &proof).await.expect("DEVICE_PASSWORD_VERIFIER");
        done.tokens().clone()
    }

    /// InitiateAuth REFRESH_TOKEN_AUTH, with `device`'s key when given.
    pub async fn refresh(&self, refresh_token: &str, device: Option<&Device>) -> Result<AuthenticationResultType, String> {
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

    /// A user with TOTP MFA and one remembered device, confirmed after a sign-in that answered MFA
    /// (so it skips MFA where the pool lets it): the TOTP secret, the device and its tokens.
    pub async fn user_with_device(&self, name: &str) -> (String, Device, AuthenticationResultType) {
        let secret = self.totp_user(name).await;
        let tokens = self.sign_in_new_device(name, &secret).await;
        let (device, _) = self.confirm(&tokens, name).await;
        (secret, device, tokens)
    }
}
