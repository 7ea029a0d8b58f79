//! Wire details that must match AWS exactly, found by running a suite recorded against the real
//! service: how destinations are masked, boolean attribute values in any letter case, alias
//! conflicts (AliasExistsException, and ForceAliasCreation moving the alias), and which error comes
//! first.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeType, AuthFlowType, ExplicitAuthFlowsType, UsernameAttributeType, VerifiedAttributeType,
};

use crate::common::{TestServer, outbox_code};

const PASSWORD: &str = "Correct-horse-9";

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("attribute")
}

/// A pool (with `adjust` applied) and a password client; returns (pool id, client id).
async fn pool_and_client(
    c: &Client,
    adjust: impl FnOnce(
        aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
    ) -> aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
) -> (String, String) {
    let pool = adjust(c.create_user_pool().pool_name("details")).send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("id").to_string();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client");
    (pool_id, client.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string())
}

async fn admin_user(c: &Client, pool_id: &str, name: &str, attrs: &[(&str, &str)]) {
    let mut create = c.admin_create_user().user_pool_id(pool_id).username(name).message_action("SUPPRESS".into());
    for (n, v) in attrs {
        create = create.user_attributes(attr(n, v));
    }
    create.send().await.expect("admin create user");
    c.admin_set_user_password().user_pool_id(pool_id).username(name).password(PASSWORD).permanent(true).send().await.expect("password");
}

async fn attribute_of(c: &Client, pool_id: &str, user: &str, name: &str) -> Option<String> {
    let got = c.admin_get_user().user_pool_id(pool_id).username(user).send().await.expect("get user");
    got.user_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value().map(str::to_string))
}

#[tokio::test]
async fn destinations_are_masked_as_aws_masks_them() {
    let server = TestServer::start().await;
    let c = server.client();
    let (pool_id, client_id) =
        pool_and_client(&c, |p| p.auto_verified_attributes(VerifiedAttributeType::Email).username_attributes(UsernameAttributeType::Email))
            .await;
    let signed_up = c.sign_up().client_id(&client_id).username("test@test.com").password(PASSWORD).send().await.expect("sign up");
    let details = signed_up.code_delivery_details().expect("code sent");
    assert_eq!(details.destination(), Some("t***@t***"), "first letter of the local part and of the domain, nothing else");
    let resent = c.resend_confirmation_code().client_id(&client_id).username("test@test.com").send().await.expect("resend");
    assert_eq!(resent.code_delivery_details().and_then(|d| d.destination()), Some("t***@t***"));

    let code = outbox_code(server.addr, &pool_id, "test@test.com").await;
    c.confirm_sign_up().client_id(&client_id).username("test@test.com").confirmation_code(code).send().await.expect("confirm");
    let forgot = c.forgot_password().client_id(&client_id).username("test@test.com").send().await.expect("forgot");
    assert_eq!(forgot.code_delivery_details().and_then(|d| d.destination()), Some("t***@t***"));

    let tokens = c
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "test@test.com")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("sign in");
    let access = tokens.authentication_result().and_then(|r| r.access_token()).expect("access token").to_string();
    let verification =
        c.get_user_attribute_verification_code().access_token(&access).attribute_name("email").send().await.expect("verification code");
    assert_eq!(verification.code_delivery_details().and_then(|d| d.destination()), Some("t***@t***"));
    server.stop().await;
}

#[tokio::test]
async fn boolean_attributes_are_accepted_in_any_letter_case_and_answered_lower_case() {
    let server = TestServer::start().await;
    let c = server.client();
    let (pool_id, _) = pool_and_client(&c, |p| p).await;
    // boto3 users write str(True).
    admin_user(&c, &pool_id, "alice", &[("email", "alice@example.com"), ("email_verified", "True")]).await;
    assert_eq!(attribute_of(&c, &pool_id, "alice", "email_verified").await.as_deref(), Some("true"));
    c.admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("phone_number", "+15555550100"))
        .user_attributes(attr("phone_number_verified", "FALSE"))
        .send()
        .await
        .expect("update");
    assert_eq!(attribute_of(&c, &pool_id, "alice", "phone_number_verified").await.as_deref(), Some("false"));
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("email_verified", "yes"))
        .send()
        .await
        .expect_err("not a boolean")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some("Attributes did not conform to the schema: email_verified: Value must be true or false"));
    server.stop().await;
}

#[tokio::test]
async fn an_update_to_another_users_alias_is_alias_exists() {
    let server = TestServer::start().await;
    let c = server.client();
    // Email as an alias: the verified email is claimed.
    let (alias_pool, _) = pool_and_client(&c, |p| p.alias_attributes(AliasAttributeType::Email)).await;
    admin_user(&c, &alias_pool, "alice", &[("email", "shared@example.com"), ("email_verified", "true")]).await;
    admin_user(&c, &alias_pool, "bob", &[("email", "bob@example.com")]).await;
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&alias_pool)
        .username("bob")
        .user_attributes(attr("email", "shared@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect_err("alias taken")
        .into_service_error();
    assert!(err.is_alias_exists_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some("An account with the given email already exists."));

    // Email as the username: an update is still AliasExistsException (AdminUpdateUserAttributes does
    // not document UsernameExistsException); only creating a user answers that.
    let (email_pool, _) = pool_and_client(&c, |p| p.username_attributes(UsernameAttributeType::Email)).await;
    admin_user(&c, &email_pool, "carol@example.com", &[]).await;
    admin_user(&c, &email_pool, "dave@example.com", &[]).await;
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&email_pool)
        .username("dave@example.com")
        .user_attributes(attr("email", "carol@example.com"))
        .send()
        .await
        .expect_err("taken")
        .into_service_error();
    assert!(err.is_alias_exists_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some("An account with the given email already exists."));
    let err = c
        .admin_create_user()
        .user_pool_id(&email_pool)
        .username("carol@example.com")
        .send()
        .await
        .expect_err("exists")
        .into_service_error();
    assert!(err.is_username_exists_exception(), "{err:?}");
    assert_eq!(attribute_of(&c, &email_pool, "dave@example.com", "email").await.as_deref(), Some("dave@example.com"), "nothing changed");
    server.stop().await;
}

async fn signs_in(c: &Client, client_id: &str, name: &str) -> Result<String, String> {
    let out = c
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .map_err(|e| format!("{:?}", e.into_service_error()))?;
    let id = out.authentication_result().and_then(|r| r.id_token()).ok_or("no tokens")?;
    Ok(id.to_string())
}

#[tokio::test]
async fn confirm_sign_up_with_force_alias_creation_moves_the_alias() {
    let server = TestServer::start().await;
    let c = server.client();
    let (pool_id, client_id) =
        pool_and_client(&c, |p| p.alias_attributes(AliasAttributeType::Email).auto_verified_attributes(VerifiedAttributeType::Email)).await;
    admin_user(&c, &pool_id, "alice", &[("email", "shared@example.com"), ("email_verified", "true")]).await;
    assert!(signs_in(&c, &client_id, "shared@example.com").await.is_ok(), "alice signs in with her alias");
    c.sign_up()
        .client_id(&client_id)
        .username("bob")
        .password(PASSWORD)
        .user_attributes(attr("email", "shared@example.com"))
        .send()
        .await
        .expect("sign up");
    let code = outbox_code(server.addr, &pool_id, "bob").await;
    let err = c
        .confirm_sign_up()
        .client_id(&client_id)
        .username("bob")
        .confirmation_code(&code)
        .send()
        .await
        .expect_err("alias taken")
        .into_service_error();
    assert!(err.is_alias_exists_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some("An account with the given email already exists."));
    // The code is still good: the same request with ForceAliasCreation moves the alias.
    c.confirm_sign_up()
        .client_id(&client_id)
        .username("bob")
        .confirmation_code(&code)
        .force_alias_creation(true)
        .send()
        .await
        .expect("confirm with ForceAliasCreation");
    assert_eq!(attribute_of(&c, &pool_id, "bob", "email_verified").await.as_deref(), Some("true"));
    assert_eq!(attribute_of(&c, &pool_id, "alice", "email_verified").await.as_deref(), Some("false"));
    assert!(signs_in(&c, &client_id, "alice").await.is_ok(), "alice keeps her account");
    let bob = signs_in(&c, &client_id, "shared@example.com").await.expect("the alias signs bob in now");
    let claims = jwt_claims(&bob);
    assert_eq!(claims["cognito:username"], "bob");
    server.stop().await;
}

#[tokio::test]
async fn admin_create_user_with_force_alias_creation_moves_the_alias() {
    let server = TestServer::start().await;
    let c = server.client();
    let (pool_id, _) = pool_and_client(&c, |p| p.alias_attributes(AliasAttributeType::Email)).await;
    admin_user(&c, &pool_id, "alice", &[("email", "shared@example.com"), ("email_verified", "true")]).await;
    let err = c
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("bob")
        .user_attributes(attr("email", "shared@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action("SUPPRESS".into())
        .send()
        .await
        .expect_err("alias taken")
        .into_service_error();
    // AWS documents this error in ForceAliasCreation's description, though the model does not list it
    // for AdminCreateUser: the SDK reads it by its code.
    assert_eq!(err.meta().code(), Some("AliasExistsException"), "{err:?}");
    assert_eq!(err.meta().message(), Some("An account with the given email already exists."));
    c.admin_create_user()
        .user_pool_id(&pool_id)
        .username("bob")
        .user_attributes(attr("email", "shared@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action("SUPPRESS".into())
        .force_alias_creation(true)
        .send()
        .await
        .expect("create with ForceAliasCreation");
    assert_eq!(attribute_of(&c, &pool_id, "alice", "email_verified").await.as_deref(), Some("false"));
    let found = c.admin_get_user().user_pool_id(&pool_id).username("shared@example.com").send().await.expect("by alias");
    assert_eq!(found.username(), "bob");
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_user_is_reported_before_an_unknown_attribute() {
    let server = TestServer::start().await;
    let c = server.client();
    let (pool_id, _) = pool_and_client(&c, |p| p).await;
    let err = c
        .admin_delete_user_attributes()
        .user_pool_id(&pool_id)
        .username("nobody")
        .user_attribute_names("custom:nothing")
        .send()
        .await
        .expect_err("no such user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some("User does not exist."));
    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("nobody")
        .user_attributes(attr("custom:nothing", "x"))
        .send()
        .await
        .expect_err("no such user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{err:?}");
    server.stop().await;
}

/// The payload of a JWT, unverified (the tests elsewhere verify signatures).
fn jwt_claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("json")
}
