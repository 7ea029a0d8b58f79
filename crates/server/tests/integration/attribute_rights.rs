//! Who may write and read which attribute (docs/security.md, "Attributes and user existence"): an
//! app client's WriteAttributes and ReadAttributes, verified flags that are never self-asserted,
//! developer-only attributes, verification codes bound to the address they went to, and the one
//! update path UpdateUserAttributes, AdminUpdateUserAttributes and NEW_PASSWORD_REQUIRED share.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SchemaAttributeType, UserAttributeUpdateSettingsType,
    VerifiedAttributeType,
};

use crate::common::{TestServer, raw_get};

const PASSWORD: &str = "Correct-horse-9";
const UNAUTHORIZED: &str = "NotAuthorizedException: A client attempted to write unauthorized attribute";

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("attribute")
}

fn err_text<E: ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or_default(), e.message().unwrap_or_default())
}

struct Fixture {
    server: TestServer,
    c: Client,
    pool_id: String,
}

/// A pool that auto-verifies email, with a developer-only custom attribute; `verify_first` turns
/// on AttributesRequireVerificationBeforeUpdate for email.
async fn fixture(verify_first: bool) -> Fixture {
    let server = TestServer::start().await;
    let c = server.client();
    let dev = SchemaAttributeType::builder().name("tier").attribute_data_type("String".into()).developer_only_attribute(true).build();
    let mut pool = c.create_user_pool().pool_name("rights").auto_verified_attributes(VerifiedAttributeType::Email).schema(dev);
    if verify_first {
        let settings =
            UserAttributeUpdateSettingsType::builder().attributes_require_verification_before_update(VerifiedAttributeType::Email).build();
        pool = pool.user_attribute_update_settings(settings);
    }
    let pool = pool.send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("id").to_string();
    Fixture { server, c, pool_id }
}

impl Fixture {
    /// A password client with the given ReadAttributes / WriteAttributes (None: not set).
    async fn client(&self, read: Option<&[&str]>, write: Option<&[&str]>) -> String {
        let mut req = self
            .c
            .create_user_pool_client()
            .user_pool_id(&self.pool_id)
            .client_name("app")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
        if let Some(read) = read {
            req = req.set_read_attributes(Some(read.iter().map(|s| s.to_string()).collect()));
        }
        if let Some(write) = write {
            req = req.set_write_attributes(Some(write.iter().map(|s| s.to_string()).collect()));
        }
        let out = req.send().await.expect("client");
        out.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string()
    }

    async fn user(&self, name: &str, attrs: &[(&str, &str)]) {
        crate::common::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, attrs).await;
    }

    async fn access_token(&self, client_id: &str, name: &str) -> String {
        let out = self
            .c
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", name)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in");
        out.authentication_result().and_then(|r| r.access_token()).expect("access token").to_string()
    }

    async fn update(&self, token: &str, attrs: &[(&str, &str)]) -> Result<usize, String> {
        let mut req = self.c.update_user_attributes().access_token(token);
        for (n, v) in attrs {
            req = req.user_attributes(attr(n, v));
        }
        req.send().await.map(|o| o.code_delivery_details_list().len()).map_err(|e| err_text(&e.into_service_error()))
    }

    async fn admin_attribute(&self, user: &str, name: &str) -> Option<String> {
        let got = self.c.admin_get_user().user_pool_id(&self.pool_id).username(user).send().await.expect("get user");
        got.user_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value().map(str::to_string))
    }

    async fn own_attributes(&self, token: &str) -> Vec<(String, String)> {
        let got = self.c.get_user().access_token(token).send().await.expect("get user");
        got.user_attributes().iter().map(|a| (a.name().to_string(), a.value().unwrap_or_default().to_string())).collect()
    }

    /// Every message sent to `user` as (destination, code), oldest first.
    async fn messages(&self, user: &str) -> Vec<(String, String)> {
        let r = raw_get(self.server.addr, &format!("/_cognate/outbox?pool={}&user={user}", self.pool_id)).await;
        let mut out: Vec<(String, String)> = r.json()["Messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|m| {
                let code = m["Body"].as_str().unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
                (m["Destination"].as_str().unwrap_or_default().to_string(), code)
            })
            .collect();
        // The outbox lists newest first.
        out.reverse();
        out
    }

    async fn verify(&self, token: &str, code: &str) -> Result<(), String> {
        self.c
            .verify_user_attribute()
            .access_token(token)
            .attribute_name("email")
            .code(code)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err_text(&e.into_service_error()))
    }
}

#[tokio::test]
async fn write_attributes_bound_what_users_write_about_themselves() {
    let f = fixture(false).await;
    let default_client = f.client(None, None).await;

    // SignUp cannot assert a verified email, nor set a developer-only attribute.
    for extra in [("email_verified", "true"), ("dev:custom:tier", "gold")] {
        let err =
            f.c.sign_up()
                .client_id(&default_client)
                .username("mallory")
                .password(PASSWORD)
                .user_attributes(attr("email", "mallory@example.com"))
                .user_attributes(attr(extra.0, extra.1))
                .send()
                .await
                .expect_err("self-asserted")
                .into_service_error();
        assert_eq!(err_text(&err), UNAUTHORIZED, "{extra:?}");
    }
    let none = f.c.admin_get_user().user_pool_id(&f.pool_id).username("mallory").send().await;
    assert!(none.is_err(), "nothing was created");

    // Nor can UpdateUserAttributes, by default.
    f.user("alice", &[("email", "alice@example.com")]).await;
    let token = f.access_token(&default_client, "alice").await;
    assert_eq!(f.update(&token, &[("email_verified", "true")]).await, Err(UNAUTHORIZED.to_string()));
    assert_eq!(f.update(&token, &[("dev:custom:tier", "gold")]).await, Err(UNAUTHORIZED.to_string()));
    assert_eq!(f.update(&token, &[("name", "Alice")]).await, Ok(0));
    assert_eq!(f.admin_attribute("alice", "email_verified").await, None);

    // A client that lists WriteAttributes allows exactly those; a verified flag only when named.
    let narrow = f.client(None, Some(&["name"])).await;
    let token = f.access_token(&narrow, "alice").await;
    assert_eq!(f.update(&token, &[("email", "other@example.com")]).await, Err(UNAUTHORIZED.to_string()));
    assert_eq!(f.update(&token, &[("name", "Al"), ("email", "other@example.com")]).await, Err(UNAUTHORIZED.to_string()));
    assert_eq!(f.admin_attribute("alice", "name").await.as_deref(), Some("Alice"), "a refused write changes nothing");
    let trusting = f.client(None, Some(&["email", "email_verified", "dev:custom:tier"])).await;
    let token = f.access_token(&trusting, "alice").await;
    assert_eq!(f.update(&token, &[("email_verified", "true")]).await, Ok(0));
    assert_eq!(f.admin_attribute("alice", "email_verified").await.as_deref(), Some("true"));
    assert_eq!(f.update(&token, &[("dev:custom:tier", "gold")]).await, Err(UNAUTHORIZED.to_string()), "developer-only: admin API alone");

    // The admin API writes developer-only attributes.
    f.c.admin_update_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("alice")
        .user_attributes(attr("dev:custom:tier", "gold"))
        .send()
        .await
        .expect("admin writes developer-only attributes");
    assert_eq!(f.admin_attribute("alice", "dev:custom:tier").await.as_deref(), Some("gold"));
    f.server.stop().await;
}

#[tokio::test]
async fn read_attributes_bound_what_get_user_returns() {
    let f = fixture(false).await;
    f.user("bob", &[("email", "bob@example.com"), ("name", "Bob")]).await;
    let narrow = f.client(Some(&["email"]), None).await;
    let token = f.access_token(&narrow, "bob").await;
    let names: Vec<String> = f.own_attributes(&token).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["sub".to_string(), "email".to_string()]);
    let wide = f.client(None, None).await;
    let token = f.access_token(&wide, "bob").await;
    let names: Vec<String> = f.own_attributes(&token).await.into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"name".to_string()), "{names:?}");
    f.server.stop().await;
}

#[tokio::test]
async fn a_code_is_bound_to_the_address_it_was_sent_to() {
    let f = fixture(false).await;
    let client = f.client(None, None).await;
    f.user("carol", &[("email", "carol@example.com"), ("email_verified", "true")]).await;
    let token = f.access_token(&client, "carol").await;
    assert_eq!(f.update(&token, &[("email", "first@example.com")]).await, Ok(1));
    assert_eq!(f.admin_attribute("carol", "email_verified").await.as_deref(), Some("false"));
    let (to_first, first_code) = f.messages("carol").await.pop().expect("a code to the first address");
    assert_eq!(to_first, "first@example.com");
    assert_eq!(f.update(&token, &[("email", "second@example.com")]).await, Ok(1));
    let (to_second, second_code) = f.messages("carol").await.pop().expect("a code to the second address");
    assert_eq!(to_second, "second@example.com");
    // The first code went to an address carol no longer has: it verifies nothing.
    if first_code != second_code {
        assert_eq!(
            f.verify(&token, &first_code).await,
            Err("CodeMismatchException: Invalid verification code provided, please try again.".into())
        );
    }
    // Nor does a code sent to the current address once the address changes again.
    assert_eq!(f.update(&token, &[("email", "third@example.com")]).await, Ok(1));
    let (_, third_code) = f.messages("carol").await.pop().expect("third code");
    f.c.admin_update_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("carol")
        .user_attributes(attr("email", "fourth@example.com"))
        .user_attributes(attr("email_verified", "false"))
        .send()
        .await
        .expect("admin change");
    assert!(f.verify(&token, &third_code).await.is_err(), "sent to third@, which carol no longer has");
    assert_eq!(f.admin_attribute("carol", "email_verified").await.as_deref(), Some("false"));
    let (to_fourth, fourth_code) = f.messages("carol").await.pop().expect("admin change sends a code");
    assert_eq!(to_fourth, "fourth@example.com");
    f.verify(&token, &fourth_code).await.expect("the code for the current address");
    assert_eq!(f.admin_attribute("carol", "email_verified").await.as_deref(), Some("true"));
    f.server.stop().await;
}

#[tokio::test]
async fn new_password_required_answers_take_the_update_path() {
    let f = fixture(false).await;
    let client = f.client(None, None).await;
    f.c.admin_create_user()
        .user_pool_id(&f.pool_id)
        .username("dave")
        .temporary_password("Temp-pass-1")
        .message_action("SUPPRESS".into())
        .user_attributes(attr("email", "dave@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("user");
    let challenge = || async {
        let out =
            f.c.initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "dave")
                .auth_parameters("PASSWORD", "Temp-pass-1")
                .send()
                .await
                .expect("first sign in");
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::NewPasswordRequired));
        out.session().expect("session").to_string()
    };
    let answer = |session: String, extra: (&'static str, &'static str)| {
        f.c.respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", "dave")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .challenge_responses(format!("userAttributes.{}", extra.0), extra.1)
            .send()
    };
    let err = answer(challenge().await, ("email_verified", "true")).await.expect_err("self-asserted").into_service_error();
    assert_eq!(err_text(&err), UNAUTHORIZED);
    let done = answer(challenge().await, ("email", "dave@example.org")).await.expect("new password and email");
    assert!(done.authentication_result().is_some());
    assert_eq!(f.admin_attribute("dave", "email").await.as_deref(), Some("dave@example.org"));
    assert_eq!(f.admin_attribute("dave", "email_verified").await.as_deref(), Some("false"), "a changed email is not verified");
    let (to, _) = f.messages("dave").await.pop().expect("a verification code");
    assert_eq!(to, "dave@example.org");
    f.server.stop().await;
}

#[tokio::test]
async fn verification_before_update_keeps_the_old_value_in_force() {
    let f = fixture(true).await;
    let client = f.client(None, None).await;
    f.user("erin", &[("email", "erin@example.com"), ("email_verified", "true")]).await;
    let token = f.access_token(&client, "erin").await;
    assert_eq!(f.update(&token, &[("email", "new@example.com")]).await, Ok(1));
    let own = f.own_attributes(&token).await;
    assert!(own.contains(&("email".into(), "erin@example.com".into())), "the old value stays until verified: {own:?}");
    assert!(own.contains(&("email_verified".into(), "true".into())));
    let (to, code) = f.messages("erin").await.pop().expect("code to the new address");
    assert_eq!(to, "new@example.com");
    f.verify(&token, &code).await.expect("verified");
    let own = f.own_attributes(&token).await;
    assert!(own.contains(&("email".into(), "new@example.com".into())), "{own:?}");
    assert!(own.contains(&("email_verified".into(), "true".into())));

    // AdminUpdateUserAttributes sends the message too, and keeps the old value the same way...
    f.c.admin_update_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("erin")
        .user_attributes(attr("email", "admin@example.com"))
        .send()
        .await
        .expect("admin update");
    assert_eq!(f.admin_attribute("erin", "email").await.as_deref(), Some("new@example.com"));
    assert_eq!(f.messages("erin").await.pop().map(|(to, _)| to).as_deref(), Some("admin@example.com"));
    // ...unless it marks the new value verified itself: then it is in force at once, with no message.
    let before = f.messages("erin").await.len();
    f.c.admin_update_user_attributes()
        .user_pool_id(&f.pool_id)
        .username("erin")
        .user_attributes(attr("email", "direct@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("admin update, verified");
    assert_eq!(f.admin_attribute("erin", "email").await.as_deref(), Some("direct@example.com"));
    assert_eq!(f.messages("erin").await.len(), before);
    f.server.stop().await;
}

#[tokio::test]
async fn client_attribute_lists_name_pool_attributes_and_cover_required_ones() {
    let server = TestServer::start().await;
    let c = server.client();
    let email = SchemaAttributeType::builder().name("email").required(true).build();
    let pool = c.create_user_pool().pool_name("lists").schema(email).send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("id").to_string();
    let names = |l: &[&str]| Some(l.iter().map(|s| s.to_string()).collect::<Vec<_>>());

    let unknown_read = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("a")
        .set_read_attributes(names(&["nickname", "custom:nope"]))
        .send()
        .await;
    let e = unknown_read.expect_err("unknown read attribute");
    assert_eq!(
        err_text(e.as_service_error().expect("service error")),
        "InvalidParameterException: Invalid read attributes specified while creating a client"
    );

    // The pool requires email: a client listing what it writes must be able to write it.
    let no_email = c.create_user_pool_client().user_pool_id(&pool_id).client_name("a").set_write_attributes(names(&["name"])).send().await;
    let e = no_email.expect_err("required attribute not writable");
    assert_eq!(
        err_text(e.as_service_error().expect("service error")),
        "InvalidParameterException: Invalid write attributes specified while creating a client"
    );

    let ok = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("a")
        .set_read_attributes(names(&["email", "name"]))
        .set_write_attributes(names(&["email", "name"]))
        .send()
        .await
        .expect("valid lists");
    let client_id = ok.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string();
    let update = c
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .set_write_attributes(names(&["email", "custom:nope"]))
        .send()
        .await;
    let e = update.expect_err("unknown write attribute");
    assert_eq!(
        err_text(e.as_service_error().expect("service error")),
        "InvalidParameterException: Invalid write attributes specified while updating a client"
    );
    let kept = c.describe_user_pool_client().user_pool_id(&pool_id).client_id(&client_id).send().await.expect("describe");
    assert_eq!(
        kept.user_pool_client().map(|c| c.write_attributes()),
        Some(&["email".to_string(), "name".to_string()][..]),
        "nothing changed"
    );
}

#[tokio::test]
async fn new_password_required_shows_only_readable_attributes() {
    let f = fixture(false).await;
    let client = f.client(Some(&["email"]), None).await;
    f.c.admin_create_user()
        .user_pool_id(&f.pool_id)
        .username("fay")
        .temporary_password("Temp-pass-1")
        .message_action("SUPPRESS".into())
        .user_attributes(attr("email", "fay@example.com"))
        .user_attributes(attr("name", "Fay"))
        .send()
        .await
        .expect("user");
    let out =
        f.c.initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "fay")
            .auth_parameters("PASSWORD", "Temp-pass-1")
            .send()
            .await
            .expect("first sign in");
    let shown = out.challenge_parameters().and_then(|p| p.get("userAttributes")).expect("userAttributes");
    let shown: serde_json::Map<String, serde_json::Value> = serde_json::from_str(shown).expect("json");
    assert_eq!(shown.get("email").and_then(|v| v.as_str()), Some("fay@example.com"));
    assert!(!shown.contains_key("name"), "name is not among the client's ReadAttributes: {shown:?}");
    f.server.stop().await;
}
