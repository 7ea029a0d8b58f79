//! Passkeys through the AWS SDK for Rust, with a software authenticator: registration, listing,
//! deletion, GetUserAuthFactors, the pool and origin rules, and passkey MFA preferences.

use std::sync::Arc;

use crate::common;
use crate::common::TestServer;
use crate::common::authenticator::{Attestation, SoftAuthenticator, to_document, to_json};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, EmailMfaConfigType, EmailMfaSettingsType, ExplicitAuthFlowsType, SignInPolicyType, UserPoolMfaType,
    UserPoolPolicyType, UserVerificationType, WebAuthnConfigurationType, WebAuthnMfaSettingsType,
};
use cognate_core::ManualClock;
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
        let email = format!("{name}@example.com");
        common::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, &[("email", &email), ("email_verified", "true")]).await;
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

// ---- Signing in with a passkey: USER_AUTH and the WEB_AUTHN challenge ----

use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;

impl F {
    /// InitiateAuth USER_AUTH preferring WEB_AUTHN: the challenge's session and request options.
    async fn passkey_challenge(&self, name: &str) -> (String, Value) {
        let out = self
            .c
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
            .send()
            .await
            .expect("USER_AUTH");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::WebAuthn), "{out:?}");
        let options = out.challenge_parameters().and_then(|p| p.get("CREDENTIAL_REQUEST_OPTIONS")).expect("CREDENTIAL_REQUEST_OPTIONS");
        (out.session().expect("session").to_string(), serde_json::from_str(options).expect("options are JSON"))
    }

    /// Answer a WEB_AUTHN challenge with `credential`; the access token on success.
    async fn answer_passkey(&self, session: &str, name: &str, credential: &Value) -> Result<Option<String>, String> {
        self.c
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::WebAuthn)
            .session(session)
            .challenge_responses("USERNAME", name)
            .challenge_responses("CREDENTIAL", credential.to_string())
            .send()
            .await
            .map(|o| o.authentication_result().and_then(|r| r.access_token().map(str::to_string)))
            .map_err(|e| err_text(&e.into_service_error()))
    }

    /// A full passkey sign-in with `auth` from `origin`.
    async fn passkey_sign_in(&self, name: &str, auth: &mut SoftAuthenticator, origin: &str) -> Result<Option<String>, String> {
        let (session, options) = self.passkey_challenge(name).await;
        self.answer_passkey(&session, name, &auth.get(&options, origin)).await
    }
}

#[tokio::test]
async fn sign_in_with_a_passkey_through_user_auth() {
    let f = fixture().await;
    f.user("frank").await;
    let token = f.token("frank").await;
    let mut auth = SoftAuthenticator::es256();
    f.register(&token, &mut auth, ORIGIN).await.expect("register");

    // Without a preference the passkey is one of the choices.
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "frank")
            .send()
            .await
            .expect("USER_AUTH");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    assert!(out.available_challenges().contains(&ChallengeNameType::WebAuthn), "{:?}", out.available_challenges());
    let chosen =
        f.c.respond_to_auth_challenge()
            .client_id(&f.client_id)
            .challenge_name(ChallengeNameType::SelectChallenge)
            .session(out.session().unwrap())
            .challenge_responses("USERNAME", "frank")
            .challenge_responses("ANSWER", "WEB_AUTHN")
            .send()
            .await
            .expect("choose WEB_AUTHN");
    assert_eq!(chosen.challenge_name(), Some(&ChallengeNameType::WebAuthn));
    let options: Value = serde_json::from_str(chosen.challenge_parameters().unwrap().get("CREDENTIAL_REQUEST_OPTIONS").unwrap()).unwrap();
    assert_eq!(options["rpId"], RP);
    assert_eq!(options["userVerification"], "required");
    assert_eq!(options["allowCredentials"], serde_json::json!([{"id": b64(&auth.credential_id), "type": "public-key"}]));
    let access = f.answer_passkey(chosen.session().unwrap(), "frank", &auth.get(&options, ORIGIN)).await.expect("passkey sign-in");
    let access = access.expect("tokens");
    let me = f.c.get_user().access_token(&access).send().await.expect("the token works");
    assert_eq!(me.username(), "frank");

    // Directly with PREFERRED_CHALLENGE, and the signature counter moves on each time.
    let (session, options) = f.passkey_challenge("frank").await;
    let assertion = auth.get(&options, ORIGIN);
    assert!(f.answer_passkey(&session, "frank", &assertion).await.expect("second sign-in").is_some());
    // The same assertion again, in the same session and in a new one.
    let e = f.answer_passkey(&session, "frank", &assertion).await.unwrap_err();
    assert_eq!(code_of(&e), "NotAuthorizedException", "{e}");
    let (session, _) = f.passkey_challenge("frank").await;
    let e = f.answer_passkey(&session, "frank", &assertion).await.unwrap_err();
    assert_eq!(code_of(&e), "NotAuthorizedException", "{e}");

    // A clone of the authenticator whose counter is behind: refused as a replay.
    let mut clone = auth.clone();
    f.passkey_sign_in("frank", &mut auth, ORIGIN).await.expect("the real one");
    clone.sign_count -= 1;
    let e = f.passkey_sign_in("frank", &mut clone, ORIGIN).await.unwrap_err();
    assert!(e.starts_with("NotAuthorizedException") && e.contains("replayed"), "{e}");

    // Wrong origin, wrong RP ID, tampered signature, another key.
    let e = f.passkey_sign_in("frank", &mut auth, "https://evil.example").await.unwrap_err();
    assert!(e.starts_with("NotAuthorizedException") && e.contains("origin"), "{e}");
    auth.rp_id_override = Some("evil.example".into());
    let e = f.passkey_sign_in("frank", &mut auth, ORIGIN).await.unwrap_err();
    assert!(e.starts_with("NotAuthorizedException") && e.contains("relying party"), "{e}");
    auth.rp_id_override = None;
    let (session, options) = f.passkey_challenge("frank").await;
    let mut tampered = auth.get(&options, ORIGIN);
    let mut sig = cognate_crypto::webauthn::b64url_decode(tampered["response"]["signature"].as_str().unwrap()).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 0x55;
    tampered["response"]["signature"] = Value::String(b64(&sig));
    let e = f.answer_passkey(&session, "frank", &tampered).await.unwrap_err();
    assert_eq!(e, "NotAuthorizedException: Passkey authentication failed.");
    let mut stranger = SoftAuthenticator::es256();
    stranger.credential_id = auth.credential_id.clone();
    let e = f.passkey_sign_in("frank", &mut stranger, ORIGIN).await.unwrap_err();
    assert_eq!(code_of(&e), "NotAuthorizedException", "{e}");
    let (session, _) = f.passkey_challenge("frank").await;
    let e = f.answer_passkey(&session, "frank", &Value::String("not json".into())).await.unwrap_err();
    assert_eq!(code_of(&e), "InvalidParameterException", "{e}");

    // After a failure the real authenticator still works.
    assert!(f.passkey_sign_in("frank", &mut auth, ORIGIN).await.expect("still fine").is_some());

    // Deleted: WEB_AUTHN is no longer offered, and an assertion for it is refused.
    let (session, options) = f.passkey_challenge("frank").await;
    let token = f.token("frank").await;
    f.c.delete_web_authn_credential().access_token(&token).credential_id(b64(&auth.credential_id)).send().await.expect("delete");
    let e = f.answer_passkey(&session, "frank", &auth.get(&options, ORIGIN)).await.unwrap_err();
    assert_eq!(code_of(&e), "NotAuthorizedException", "{e}");
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "frank")
            .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
            .send()
            .await
            .expect("USER_AUTH");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    assert!(!out.available_challenges().contains(&ChallengeNameType::WebAuthn));
}

#[tokio::test]
async fn passkey_mfa_lets_a_verified_passkey_satisfy_mfa() {
    let f = fixture().await;
    f.c.set_user_pool_mfa_config()
        .user_pool_id(&f.pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .email_mfa_configuration(EmailMfaConfigType::builder().build())
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id(RP)
                .user_verification(UserVerificationType::Preferred)
                .factor_configuration("MULTI_FACTOR_WITH_USER_VERIFICATION".into())
                .build(),
        )
        .send()
        .await
        .expect("passkey MFA on the pool");
    f.user("gina").await;
    let token = f.token("gina").await;
    let mut auth = SoftAuthenticator::es256();
    f.register(&token, &mut auth, ORIGIN).await.expect("register");
    f.c.set_user_mfa_preference()
        .access_token(&token)
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .expect("email MFA");

    // MFA applies and passkey MFA is off for the user: only the password is offered, then email MFA.
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "gina")
            .send()
            .await
            .expect("USER_AUTH");
    assert!(!out.available_challenges().contains(&ChallengeNameType::WebAuthn), "{:?}", out.available_challenges());

    // With passkey MFA on, a user-verified passkey sign-in is complete by itself.
    f.c.set_user_mfa_preference()
        .access_token(&token)
        .web_authn_mfa_settings(WebAuthnMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .expect("passkey MFA");
    let (session, options) = f.passkey_challenge("gina").await;
    assert_eq!(options["userVerification"], "required", "passkey MFA asks for user verification");
    assert!(f.answer_passkey(&session, "gina", &auth.get(&options, ORIGIN)).await.expect("sign-in").is_some(), "tokens, no EMAIL_OTP");

    // Without user verification it is not: refused, as the challenge required it.
    auth.user_verified = false;
    let e = f.passkey_sign_in("gina", &mut auth, ORIGIN).await.unwrap_err();
    assert!(e.starts_with("NotAuthorizedException") && e.contains("user verification"), "{e}");

    // The password path still meets the email MFA challenge: passkey MFA is not a second step.
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "gina")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("password");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
}

#[tokio::test]
async fn malformed_passkey_requests_get_typed_errors() {
    let f = fixture().await;
    f.user("hank").await;
    let token = f.token("hank").await;
    f.start(&token).await.expect("start");
    let cases = [
        ("CompleteWebAuthnRegistration", format!(r#"{{"AccessToken":"{token}"}}"#), "InvalidParameterException"),
        ("CompleteWebAuthnRegistration", format!(r#"{{"AccessToken":"{token}","Credential":[1,2]}}"#), "InvalidParameterException"),
        (
            "CompleteWebAuthnRegistration",
            format!(r#"{{"AccessToken":"{token}","Credential":{{"type":"public-key"}}}}"#),
            "InvalidParameterException",
        ),
        ("ListWebAuthnCredentials", format!(r#"{{"AccessToken":"{token}","MaxResults":25}}"#), "InvalidParameterException"),
        ("ListWebAuthnCredentials", format!(r#"{{"AccessToken":"{token}","MaxResults":"x"}}"#), "SerializationException"),
        ("DeleteWebAuthnCredential", format!(r#"{{"AccessToken":"{token}"}}"#), "InvalidParameterException"),
        ("StartWebAuthnRegistration", r#"{"AccessToken":"garbage"}"#.to_string(), "NotAuthorizedException"),
        ("StartWebAuthnRegistration", "{}".to_string(), "InvalidParameterException"),
    ];
    for (op, body, want) in cases {
        let r = common::call(f.server.addr, op, &body).await;
        assert_eq!((r.status, r.error_type()), (400, want.to_string()), "{op} {body}: {}", r.body);
    }
    // Nothing was registered by any of it.
    assert_eq!(f.list(&token, None, None).await, (vec![], None));
}

#[tokio::test]
async fn passkeys_do_not_bypass_a_disabled_account_or_a_forced_password_change() {
    let f = fixture().await;
    f.user("ivan").await;
    let token = f.token("ivan").await;
    let mut auth = SoftAuthenticator::es256();
    f.register(&token, &mut auth, ORIGIN).await.expect("register");

    let (session, options) = f.passkey_challenge("ivan").await;
    f.c.admin_disable_user().user_pool_id(&f.pool_id).username("ivan").send().await.expect("disable");
    let e = f.answer_passkey(&session, "ivan", &auth.get(&options, ORIGIN)).await.unwrap_err();
    assert_eq!(e, "NotAuthorizedException: User is disabled.");
    f.c.admin_enable_user().user_pool_id(&f.pool_id).username("ivan").send().await.expect("enable");

    let (session, options) = f.passkey_challenge("ivan").await;
    f.c.admin_set_user_password()
        .user_pool_id(&f.pool_id)
        .username("ivan")
        .password("Temporary-pass-1")
        .permanent(false)
        .send()
        .await
        .expect("temporary");
    let e = f.answer_passkey(&session, "ivan", &auth.get(&options, ORIGIN)).await.unwrap_err();
    assert!(e.starts_with("NotAuthorizedException") && e.contains("not available"), "{e}");
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "ivan")
            .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
            .send()
            .await
            .expect("USER_AUTH");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
    assert!(!out.available_challenges().contains(&ChallengeNameType::WebAuthn));
}
