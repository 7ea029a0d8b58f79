//! Passkeys through the AWS SDK for Rust, with a software authenticator: registration, listing,
//! deletion, GetUserAuthFactors, the pool and origin rules, and passkey MFA preferences.

mod common;

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFactorType, AuthFlowType, EmailMfaConfigType, EmailMfaSettingsType, ExplicitAuthFlowsType, SignInPolicyType,
    UserPoolMfaType, UserPoolPolicyType, UserVerificationType, WebAuthnConfigurationType, WebAuthnMfaSettingsType,
};
use cognate_core::ManualClock;
use common::TestServer;
use common::authenticator::{Attestation, SoftAuthenticator, to_document, to_json};
use serde_json::Value;

const PASSWORD: &str = "Correct-horse-9";
const T0: i64 = 1_800_000_000_000;
const RP: &str = "localhost";
const ORIGIN: &str = "http://localhost:5173";

pub struct F {
    pub c: Client,
    pub pool_id: String,
    pub client_id: String,
    pub clock: Arc<ManualClock>,
    pub server: TestServer,
}

fn err_text<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

fn code_of(text: &str) -> &str {
    text.split(':').next().unwrap_or_default()
}

/// A pool that allows passkeys (`factors`), with `rp` as relying party when given, and one app client.
async fn fixture_with(factors: &[&str], rp: Option<&str>, origins: &[&str]) -> F {
    let clock = Arc::new(ManualClock::new(T0));
    let origins: Vec<String> = origins.iter().map(|s| s.to_string()).collect();
    let server = TestServer::start_configured(clock.clone(), |c| c.webauthn_origins = origins).await;
    let c = server.client();
    let policy = SignInPolicyType::builder()
        .set_allowed_first_auth_factors(Some(factors.iter().map(|f| AuthFactorType::from(*f)).collect()))
        .build();
    let pool_id = c
        .create_user_pool()
        .pool_name("passkeys")
        .policies(UserPoolPolicyType::builder().sign_in_policy(policy).build())
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    if let Some(rp) = rp {
        c.set_user_pool_mfa_config()
            .user_pool_id(&pool_id)
            .web_authn_configuration(
                WebAuthnConfigurationType::builder().relying_party_id(rp).user_verification(UserVerificationType::Required).build(),
            )
            .send()
            .await
            .expect("webauthn config");
    }
    let client_id = new_client(&c, &pool_id).await;
    F { c, pool_id, client_id, clock, server }
}

async fn fixture() -> F {
    fixture_with(&["PASSWORD", "WEB_AUTHN"], Some(RP), &[]).await
}

pub async fn new_client(c: &Client, pool_id: &str) -> String {
    c.create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id")
}

impl F {
    async fn user(&self, name: &str) {
        self.c
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(name)
            .message_action("SUPPRESS".into())
            .user_attributes(AttributeType::builder().name("email").value(format!("{name}@example.com")).build().expect("attr"))
            .user_attributes(AttributeType::builder().name("email_verified").value("true").build().expect("attr"))
            .send()
            .await
            .expect("user");
        self.c
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(name)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .expect("password");
    }

    async fn token_for(&self, client_id: &str, name: &str) -> String {
        self.c
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in")
            .authentication_result()
            .and_then(|r| r.access_token().map(str::to_string))
            .expect("tokens")
    }

    async fn token(&self, name: &str) -> String {
        self.token_for(&self.client_id, name).await
    }

    async fn start(&self, token: &str) -> Result<Value, String> {
        self.c
            .start_web_authn_registration()
            .access_token(token)
            .send()
            .await
            .map(|o| to_json(o.credential_creation_options()))
            .map_err(|e| err_text(&e.into_service_error()))
    }

    async fn complete(&self, token: &str, credential: &Value) -> Result<(), String> {
        self.c
            .complete_web_authn_registration()
            .access_token(token)
            .credential(to_document(credential))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err_text(&e.into_service_error()))
    }

    /// Start, answer with `auth` from `origin`, complete.
    async fn register(&self, token: &str, auth: &mut SoftAuthenticator, origin: &str) -> Result<(), String> {
        let options = self.start(token).await?;
        self.complete(token, &auth.create(&options, origin)).await
    }

    async fn list(&self, token: &str, max: Option<i32>, next: Option<String>) -> (Vec<String>, Option<String>) {
        let out =
            self.c.list_web_authn_credentials().access_token(token).set_max_results(max).set_next_token(next).send().await.expect("list");
        (out.credentials().iter().map(|c| c.credential_id().to_string()).collect(), out.next_token().map(str::to_string))
    }

    async fn factors(&self, token: &str) -> Vec<String> {
        let out = self.c.get_user_auth_factors().access_token(token).send().await.expect("factors");
        out.configured_user_auth_factors().iter().map(|f| f.as_str().to_string()).collect()
    }
}

fn b64(bytes: &[u8]) -> String {
    cognate_crypto::webauthn::b64url_encode(bytes)
}

#[tokio::test]
async fn register_list_and_delete_passkeys() {
    let f = fixture().await;
    f.user("alice").await;
    let token = f.token("alice").await;
    assert_eq!(f.factors(&token).await, ["PASSWORD"]);

    let options = f.start(&token).await.expect("start");
    assert_eq!(options["rp"]["id"], RP);
    assert_eq!(options["user"]["name"], "alice");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(options["pubKeyCredParams"], serde_json::json!([{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}]));
    assert_eq!(cognate_crypto::webauthn::b64url_decode(options["challenge"].as_str().unwrap()).map(|c| c.len()), Some(16));
    let mut first = SoftAuthenticator::es256();
    f.complete(&token, &first.create(&options, ORIGIN)).await.expect("complete");

    // The same challenge cannot register twice.
    let again = SoftAuthenticator::es256().create(&options, ORIGIN);
    assert_eq!(code_of(&f.complete(&token, &again).await.unwrap_err()), "WebAuthnChallengeNotFoundException");

    let mut second = SoftAuthenticator::rs256();
    second.attestation = Attestation::PackedSelf;
    second.attachment = "cross-platform".into();
    f.register(&token, &mut second, ORIGIN).await.expect("RS256 packed");
    let mut third = SoftAuthenticator::es256();
    third.attestation = Attestation::PackedSelf;
    f.register(&token, &mut third, ORIGIN).await.expect("ES256 packed");

    // The next registration excludes the three.
    let options = f.start(&token).await.expect("start");
    let excluded: Vec<&str> = options["excludeCredentials"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(excluded, [b64(&first.credential_id), b64(&second.credential_id), b64(&third.credential_id)]);

    let out = f.c.list_web_authn_credentials().access_token(&token).send().await.expect("list");
    let listed = out.credentials();
    assert_eq!(listed.len(), 3);
    assert!(out.next_token().is_none());
    assert_eq!(listed[0].credential_id(), b64(&first.credential_id));
    assert_eq!(listed[0].relying_party_id(), RP);
    assert_eq!(listed[0].authenticator_attachment(), Some("platform"));
    assert_eq!(listed[0].authenticator_transports(), ["internal", "hybrid"]);
    assert_eq!(listed[0].created_at().secs(), T0 / 1000);
    assert!(!listed[0].friendly_credential_name().is_empty());
    assert_eq!(listed[1].authenticator_attachment(), Some("cross-platform"));

    let (page1, next) = f.list(&token, Some(2), None).await;
    assert_eq!(page1.len(), 2);
    let (page2, last) = f.list(&token, Some(2), next).await;
    assert_eq!(page2, [b64(&third.credential_id)]);
    assert!(last.is_none());
    let bad = f.c.list_web_authn_credentials().access_token(&token).next_token("bm90LWFuLWlk").send().await.unwrap_err();
    assert_eq!(code_of(&err_text(&bad.into_service_error())), "InvalidParameterException");

    assert_eq!(f.factors(&token).await, ["PASSWORD", "WEB_AUTHN"]);

    let missing = f.c.delete_web_authn_credential().access_token(&token).credential_id("bm8tc3VjaA").send().await.unwrap_err();
    assert_eq!(code_of(&err_text(&missing.into_service_error())), "ResourceNotFoundException");
    for a in [&first, &second, &third] {
        f.c.delete_web_authn_credential().access_token(&token).credential_id(b64(&a.credential_id)).send().await.expect("delete");
    }
    assert_eq!(f.list(&token, None, None).await, (vec![], None));
    assert_eq!(f.factors(&token).await, ["PASSWORD"]);
}

#[tokio::test]
async fn registration_is_refused_with_the_real_error_types() {
    let f = fixture().await;
    f.user("bob").await;
    let token = f.token("bob").await;

    // Complete without Start, and after the challenge expired.
    let stray = SoftAuthenticator::es256().create(&serde_json::json!({"rp": {"id": RP}, "challenge": "AAAA"}), ORIGIN);
    assert_eq!(code_of(&f.complete(&token, &stray).await.unwrap_err()), "WebAuthnChallengeNotFoundException");
    let options = f.start(&token).await.unwrap();
    f.clock.advance_ms(6 * 60_000);
    let late = SoftAuthenticator::es256().create(&options, ORIGIN);
    assert_eq!(code_of(&f.complete(&token, &late).await.unwrap_err()), "WebAuthnChallengeNotFoundException");
    let token = f.token("bob").await;

    let mut auth = SoftAuthenticator::es256();
    let e = f.register(&token, &mut auth, "https://evil.example").await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnOriginNotAllowedException", "{e}");
    let e = f.register(&token, &mut auth, "http://127.0.0.1:5173").await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnOriginNotAllowedException", "{e}");

    auth.rp_id_override = Some("evil.example".into());
    let e = f.register(&token, &mut auth, ORIGIN).await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnRelyingPartyMismatchException", "{e}");
    auth.rp_id_override = None;

    auth.attestation = Attestation::Other("fido-u2f".into());
    let e = f.register(&token, &mut auth, ORIGIN).await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnCredentialNotSupportedException", "{e}");
    auth.attestation = Attestation::None;

    // The pool requires user verification.
    auth.user_verified = false;
    let e = f.register(&token, &mut auth, ORIGIN).await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnCredentialNotSupportedException", "{e}");
    auth.user_verified = true;

    // Garbage in the Credential document is an InvalidParameterException, never a 500.
    f.start(&token).await.unwrap();
    for bad in [
        serde_json::json!("text"),
        serde_json::json!({"id": 1}),
        serde_json::json!({"type": "public-key", "rawId": "AA", "response": {"clientDataJSON": "%%"}}),
    ] {
        let e = f.complete(&token, &bad).await.unwrap_err();
        assert_eq!(code_of(&e), "InvalidParameterException", "{bad}: {e}");
    }

    // Another app client's token cannot complete this client's registration.
    let other_client = new_client(&f.c, &f.pool_id).await;
    let other_token = f.token_for(&other_client, "bob").await;
    let options = f.start(&token).await.unwrap();
    let e = f.complete(&other_token, &auth.create(&options, ORIGIN)).await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnClientMismatchException", "{e}");
    f.complete(&token, &auth.create(&options, ORIGIN)).await.expect("the starting client completes");

    // Twenty passkeys at most.
    for _ in 1..20 {
        f.register(&token, &mut SoftAuthenticator::es256(), ORIGIN).await.expect("register");
    }
    assert_eq!(f.list(&token, Some(0), None).await.0.len(), 20);
    assert_eq!(code_of(&f.start(&token).await.unwrap_err()), "LimitExceededException");
}

#[tokio::test]
async fn pools_without_passkeys_refuse_registration() {
    let f = fixture_with(&["PASSWORD"], Some(RP), &[]).await;
    f.user("carol").await;
    let token = f.token("carol").await;
    assert_eq!(code_of(&f.start(&token).await.unwrap_err()), "WebAuthnNotEnabledException");

    let f = fixture_with(&["PASSWORD", "WEB_AUTHN"], None, &[]).await;
    f.user("carol").await;
    let token = f.token("carol").await;
    assert_eq!(code_of(&f.start(&token).await.unwrap_err()), "WebAuthnConfigurationMissingException");

    let e =
        f.c.set_user_pool_mfa_config()
            .user_pool_id(&f.pool_id)
            .web_authn_configuration(WebAuthnConfigurationType::builder().relying_party_id("https://example.com").build())
            .send()
            .await
            .unwrap_err();
    assert_eq!(code_of(&err_text(&e.into_service_error())), "InvalidParameterException");
}

#[tokio::test]
async fn origins_default_to_the_relying_party_and_can_be_configured() {
    let f = fixture_with(&["PASSWORD", "WEB_AUTHN"], Some("example.com"), &[]).await;
    f.user("dan").await;
    let token = f.token("dan").await;
    for origin in ["https://example.com", "https://app.example.com"] {
        f.register(&token, &mut SoftAuthenticator::es256(), origin).await.unwrap_or_else(|e| panic!("{origin}: {e}"));
    }
    for origin in ["http://example.com", "https://example.com:8443", "https://badexample.com", "https://example.com.evil.net"] {
        let e = f.register(&token, &mut SoftAuthenticator::es256(), origin).await.unwrap_err();
        assert_eq!(code_of(&e), "WebAuthnOriginNotAllowedException", "{origin}: {e}");
    }

    let f = fixture_with(&["PASSWORD", "WEB_AUTHN"], Some("example.com"), &["https://login.example.org"]).await;
    f.user("dan").await;
    let token = f.token("dan").await;
    f.register(&token, &mut SoftAuthenticator::es256(), "https://login.example.org").await.expect("configured origin");
    let e = f.register(&token, &mut SoftAuthenticator::es256(), "https://example.com").await.unwrap_err();
    assert_eq!(code_of(&e), "WebAuthnOriginNotAllowedException", "{e}");
}

#[tokio::test]
async fn passkey_mfa_preference_needs_the_pool_setting_and_another_factor() {
    let f = fixture().await;
    f.user("erin").await;
    let token = f.token("erin").await;
    let enable = || {
        f.c.set_user_mfa_preference().access_token(&token).web_authn_mfa_settings(WebAuthnMfaSettingsType::builder().enabled(true).build())
    };
    let e = enable().send().await.unwrap_err();
    assert_eq!(code_of(&err_text(&e.into_service_error())), "InvalidParameterException");

    f.c.set_user_pool_mfa_config()
        .user_pool_id(&f.pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .email_mfa_configuration(EmailMfaConfigType::builder().build())
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id(RP)
                .user_verification(UserVerificationType::Required)
                .factor_configuration("MULTI_FACTOR_WITH_USER_VERIFICATION".into())
                .build(),
        )
        .send()
        .await
        .expect("passkey MFA on the pool");
    // No other factor activated: refused, to prevent lockout.
    let e = enable().send().await.unwrap_err();
    let text = err_text(&e.into_service_error());
    assert!(text.starts_with("InvalidParameterException") && text.contains("another MFA method"), "{text}");
    // With email MFA in the same request it is accepted.
    enable().email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build()).send().await.expect("passkey MFA with email MFA");
    f.c.set_user_mfa_preference()
        .access_token(&token)
        .web_authn_mfa_settings(WebAuthnMfaSettingsType::builder().enabled(false).build())
        .send()
        .await
        .expect("turning it off is always accepted");
}
