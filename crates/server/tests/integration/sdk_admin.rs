//! Pools, app clients, users and groups through the official AWS SDK for Rust, as a user's program
//! would call them. Each test creates its own pool.

use crate::common::TestServer;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, ExplicitAuthFlowsType, PasswordPolicyType, SchemaAttributeType, UserPoolPolicyType, UsernameAttributeType,
    UsernameConfigurationType,
};

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("attribute")
}

#[tokio::test]
async fn pools_are_created_described_listed_updated_and_deleted() {
    let server = TestServer::start().await;
    let c = server.client();
    let created = c.create_user_pool().pool_name("shop").send().await.expect("create pool");
    let pool = created.user_pool().expect("pool");
    let id = pool.id().expect("id").to_string();
    assert!(id.starts_with("us-east-1_"), "pool id in the region of the signature: {id}");
    assert_eq!(id.len(), "us-east-1_".len() + 9);
    assert_eq!(pool.name(), Some("shop"));
    assert_eq!(pool.arn(), Some(format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}").as_str()));
    let policy = pool.policies().and_then(|p| p.password_policy()).expect("default password policy");
    assert_eq!(policy.minimum_length(), Some(8));
    assert_eq!(pool.mfa_configuration().map(|m| m.as_str()), Some("OFF"));
    assert!(pool.schema_attributes().iter().any(|a| a.name() == Some("email")));

    let described = c.describe_user_pool().user_pool_id(&id).send().await.expect("describe");
    assert_eq!(described.user_pool().map(|p| p.estimated_number_of_users()), Some(0));

    c.update_user_pool()
        .user_pool_id(&id)
        .policies(UserPoolPolicyType::builder().password_policy(PasswordPolicyType::builder().minimum_length(12).build()).build())
        .send()
        .await
        .expect("update");
    let described = c.describe_user_pool().user_pool_id(&id).send().await.expect("describe");
    assert_eq!(
        described.user_pool().and_then(|p| p.policies()).and_then(|p| p.password_policy()).and_then(|p| p.minimum_length()),
        Some(12)
    );

    let listed = c.list_user_pools().max_results(60).send().await.expect("list");
    assert!(listed.user_pools().iter().any(|p| p.id() == Some(id.as_str()) && p.name() == Some("shop")));

    c.delete_user_pool().user_pool_id(&id).send().await.expect("delete");
    let err = c.describe_user_pool().user_pool_id(&id).send().await.expect_err("gone").into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(err.meta().message(), Some(format!("User pool {id} does not exist.").as_str()));
    server.stop().await;
}

#[tokio::test]
async fn list_user_pools_paginates() {
    let server = TestServer::start().await;
    let c = server.client();
    for i in 0..5 {
        c.create_user_pool().pool_name(format!("p{i}")).send().await.expect("create");
    }
    let first = c.list_user_pools().max_results(2).send().await.expect("page 1");
    assert_eq!(first.user_pools().len(), 2);
    let mut seen = first.user_pools().len();
    let mut token = first.next_token().map(str::to_string);
    while let Some(t) = token {
        let page = c.list_user_pools().max_results(2).next_token(t).send().await.expect("next page");
        seen += page.user_pools().len();
        token = page.next_token().map(str::to_string);
    }
    assert_eq!(seen, 5);
    server.stop().await;
}

#[tokio::test]
async fn app_clients_have_secrets_flows_and_defaults() {
    let server = TestServer::start().await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("apps")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    let created = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("create client");
    let client = created.user_pool_client().expect("client");
    let client_id = client.client_id().expect("id").to_string();
    assert_eq!(client_id.len(), 26);
    assert!(client.client_secret().is_some_and(|s| s.len() >= 40));
    assert_eq!(client.refresh_token_validity(), 30);
    assert_eq!(client.auth_session_validity(), Some(3));
    assert_eq!(client.enable_token_revocation(), Some(true));
    assert_eq!(client.explicit_auth_flows().len(), 2);

    let described = c.describe_user_pool_client().user_pool_id(&pool_id).client_id(&client_id).send().await.expect("describe");
    assert_eq!(described.user_pool_client().and_then(|c| c.client_name()), Some("web"));

    let updated = c
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .client_name("web2")
        .auth_session_validity(10)
        .send()
        .await
        .expect("update");
    let u = updated.user_pool_client().expect("client");
    assert_eq!(u.client_name(), Some("web2"));
    assert_eq!(u.auth_session_validity(), Some(10));
    assert_eq!(u.client_secret(), client.client_secret(), "the secret survives updates");

    let listed = c.list_user_pool_clients().user_pool_id(&pool_id).send().await.expect("list");
    assert_eq!(listed.user_pool_clients().len(), 1);

    let err = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("bad")
        .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .expect_err("mixed legacy and new flows")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    c.delete_user_pool_client().user_pool_id(&pool_id).client_id(&client_id).send().await.expect("delete");
    let err =
        c.describe_user_pool_client().user_pool_id(&pool_id).client_id(&client_id).send().await.expect_err("gone").into_service_error();
    assert!(err.is_resource_not_found_exception());
    server.stop().await;
}

#[tokio::test]
async fn users_are_created_read_changed_listed_and_deleted() {
    let server = TestServer::start().await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("people")
        .schema(SchemaAttributeType::builder().name("tier").attribute_data_type("String".into()).build())
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");

    let created = c
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("alice")
        .temporary_password("Temp-pass1!")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("custom:tier", "gold"))
        .message_action("SUPPRESS".into())
        .send()
        .await
        .expect("create user");
    let user = created.user().expect("user");
    assert_eq!(user.username(), Some("alice"));
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("FORCE_CHANGE_PASSWORD"));
    assert!(user.enabled());
    let sub = user.attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value()).expect("sub").to_string();
    assert_eq!(sub.len(), 36);

    let dup = c.admin_create_user().user_pool_id(&pool_id).username("alice").send().await.expect_err("duplicate").into_service_error();
    assert!(dup.is_username_exists_exception(), "{dup:?}");
    assert_eq!(dup.meta().message(), Some("User account already exists"));

    let weak = c
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("bob")
        .temporary_password("short")
        .send()
        .await
        .expect_err("weak password")
        .into_service_error();
    assert_eq!(weak.meta().code(), Some("InvalidPasswordException"));

    let got = c.admin_get_user().user_pool_id(&pool_id).username("alice").send().await.expect("get");
    assert_eq!(got.username(), "alice");
    assert!(got.user_attributes().iter().any(|a| a.name() == "custom:tier" && a.value() == Some("gold")));
    assert!(got.mfa_options().is_empty() && got.preferred_mfa_setting().is_none() && got.user_mfa_setting_list().is_empty());
    // The sub works as a username too.
    assert_eq!(c.admin_get_user().user_pool_id(&pool_id).username(&sub).send().await.expect("by sub").username(), "alice");

    c.admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("name", "Alice"))
        .send()
        .await
        .expect("update attributes");
    c.admin_delete_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attribute_names("custom:tier")
        .send()
        .await
        .expect("delete attr");
    let got = c.admin_get_user().user_pool_id(&pool_id).username("alice").send().await.expect("get");
    assert!(got.user_attributes().iter().any(|a| a.name() == "name" && a.value() == Some("Alice")));
    assert!(!got.user_attributes().iter().any(|a| a.name() == "custom:tier"));

    let err = c
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("alice")
        .user_attributes(attr("custom:nope", "x"))
        .send()
        .await
        .expect_err("unknown attribute")
        .into_service_error();
    assert!(err.is_invalid_parameter_exception());

    c.admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("alice")
        .password("Perm-pass1!")
        .permanent(true)
        .send()
        .await
        .expect("set password");
    c.admin_disable_user().user_pool_id(&pool_id).username("alice").send().await.expect("disable");
    let got = c.admin_get_user().user_pool_id(&pool_id).username("alice").send().await.expect("get");
    assert!(!got.enabled());
    assert_eq!(got.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    c.admin_enable_user().user_pool_id(&pool_id).username("alice").send().await.expect("enable");

    let err = c
        .admin_confirm_sign_up()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect_err("already confirmed")
        .into_service_error();
    assert!(err.is_not_authorized_exception());
    assert_eq!(err.meta().message(), Some("User cannot be confirmed. Current status is CONFIRMED"));

    for name in ["bob", "carol", "dave"] {
        c.admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .user_attributes(attr("email", &format!("{name}@example.org")))
            .send()
            .await
            .expect("create");
    }
    let all = c.list_users().user_pool_id(&pool_id).send().await.expect("list");
    assert_eq!(all.users().len(), 4);
    let filtered = c.list_users().user_pool_id(&pool_id).filter("email ^= \"car\"").send().await.expect("filter");
    assert_eq!(filtered.users().iter().filter_map(|u| u.username()).collect::<Vec<_>>(), vec!["carol"]);
    let exact = c.list_users().user_pool_id(&pool_id).filter("username = \"dave\"").send().await.expect("filter");
    assert_eq!(exact.users().len(), 1);
    let page = c.list_users().user_pool_id(&pool_id).limit(3).send().await.expect("page");
    assert_eq!(page.users().len(), 3);
    let rest = c
        .list_users()
        .user_pool_id(&pool_id)
        .limit(3)
        .pagination_token(page.pagination_token().expect("token"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(rest.users().len(), 1);
    assert!(rest.pagination_token().is_none());

    c.admin_delete_user().user_pool_id(&pool_id).username("alice").send().await.expect("delete");
    let err = c.admin_get_user().user_pool_id(&pool_id).username("alice").send().await.expect_err("deleted").into_service_error();
    assert!(err.is_user_not_found_exception());
    assert_eq!(err.meta().message(), Some("User does not exist."));
    server.stop().await;
}

#[tokio::test]
async fn email_as_username_and_case_insensitive_pools() {
    let server = TestServer::start().await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("emails")
        .username_attributes(UsernameAttributeType::Email)
        .username_configuration(UsernameConfigurationType::builder().case_sensitive(false).build().expect("config"))
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    let created = c.admin_create_user().user_pool_id(&pool_id).username("Erin@Example.com").send().await.expect("create");
    let user = created.user().expect("user");
    let sub = user.attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value()).expect("sub");
    assert_eq!(user.username(), Some(sub), "email pools use the sub as the internal username");
    let got = c.admin_get_user().user_pool_id(&pool_id).username("erin@example.com").send().await.expect("found by email, any case");
    assert_eq!(got.username(), sub);
    let dup = c
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("erin@example.COM")
        .send()
        .await
        .expect_err("duplicate email")
        .into_service_error();
    assert!(dup.is_username_exists_exception(), "{dup:?}");
    assert_eq!(dup.meta().message(), Some("An account with the given email already exists."));
    let bad =
        c.admin_create_user().user_pool_id(&pool_id).username("not-an-email").send().await.expect_err("not an email").into_service_error();
    assert!(bad.is_invalid_parameter_exception());
    server.stop().await;
}

#[tokio::test]
async fn groups_and_memberships() {
    let server = TestServer::start().await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("teams")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    c.admin_create_user().user_pool_id(&pool_id).username("frank").send().await.expect("user");
    let g = c.create_group().user_pool_id(&pool_id).group_name("admins").description("Admins").precedence(1).send().await.expect("group");
    assert_eq!(g.group().and_then(|g| g.group_name()), Some("admins"));
    let dup = c.create_group().user_pool_id(&pool_id).group_name("admins").send().await.expect_err("dup").into_service_error();
    assert!(dup.is_group_exists_exception());
    c.create_group().user_pool_id(&pool_id).group_name("staff").send().await.expect("group");
    let got = c.get_group().user_pool_id(&pool_id).group_name("admins").send().await.expect("get");
    assert_eq!(got.group().and_then(|g| g.precedence()), Some(1));
    assert_eq!(c.list_groups().user_pool_id(&pool_id).send().await.expect("list").groups().len(), 2);

    c.admin_add_user_to_group().user_pool_id(&pool_id).username("frank").group_name("admins").send().await.expect("add");
    c.admin_add_user_to_group().user_pool_id(&pool_id).username("frank").group_name("staff").send().await.expect("add");
    let groups = c.admin_list_groups_for_user().user_pool_id(&pool_id).username("frank").send().await.expect("groups");
    assert_eq!(groups.groups().iter().filter_map(|g| g.group_name()).collect::<Vec<_>>(), vec!["admins", "staff"]);
    let members = c.list_users_in_group().user_pool_id(&pool_id).group_name("admins").send().await.expect("members");
    assert_eq!(members.users().iter().filter_map(|u| u.username()).collect::<Vec<_>>(), vec!["frank"]);
    c.admin_remove_user_from_group().user_pool_id(&pool_id).username("frank").group_name("admins").send().await.expect("remove");
    assert!(c.list_users_in_group().user_pool_id(&pool_id).group_name("admins").send().await.expect("members").users().is_empty());

    let err = c
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("nobody")
        .group_name("staff")
        .send()
        .await
        .expect_err("no user")
        .into_service_error();
    assert!(err.is_user_not_found_exception());
    let err = c
        .admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("frank")
        .group_name("ghosts")
        .send()
        .await
        .expect_err("no group")
        .into_service_error();
    assert!(err.is_resource_not_found_exception());
    c.delete_group().user_pool_id(&pool_id).group_name("staff").send().await.expect("delete group");
    let err = c.get_group().user_pool_id(&pool_id).group_name("staff").send().await.expect_err("deleted").into_service_error();
    assert!(err.is_resource_not_found_exception());
    assert!(c.admin_list_groups_for_user().user_pool_id(&pool_id).username("frank").send().await.expect("groups").groups().is_empty());
    server.stop().await;
}
