//! Who may read and write which user attribute (docs/security.md, "Attributes and user existence").
//!
//! An app client's `WriteAttributes` bound what its users write about themselves (SignUp,
//! UpdateUserAttributes, the `userAttributes.*` answers of NEW_PASSWORD_REQUIRED), and its
//! `ReadAttributes` what they read back (GetUser, the ID token). A client without a list (or with an
//! empty one) has AWS's default: every attribute readable; every attribute writable except the
//! verified flags and developer-only attributes. Those are never self-asserted: a flag is writable
//! by a client only when its `WriteAttributes` name it explicitly, and a developer-only attribute
//! (`dev:custom:*`, `DeveloperOnlyAttribute`) by the admin API alone.

use cognate_wire::shapes::{AttributeType, UserPoolClientType, UserPoolType};

use crate::store::ClientRecord;
use crate::{ApiError, ApiResult, api_error};

/// Attributes only an administrator sets, unless a client's WriteAttributes name them: a user
/// asserting their own address verified would bypass the verification code.
const VERIFIED_FLAGS: [&str; 2] = ["email_verified", "phone_number_verified"];

/// Who is writing: an app client on behalf of its signed-in (or signing-up) user, or the admin API.
#[derive(Clone, Copy)]
pub enum Writer<'a> {
    Client(&'a ClientRecord),
    Admin,
}

fn listed(list: Option<&[String]>) -> Option<&[String]> {
    list.filter(|l| !l.is_empty())
}

fn developer_only(name: &str) -> bool {
    name.starts_with("dev:")
}

/// Whether `client` lets its users write `name`.
pub fn client_may_write(client: &UserPoolClientType, name: &str) -> bool {
    if developer_only(name) {
        return false;
    }
    match listed(client.write_attributes.as_deref()) {
        Some(list) => list.iter().any(|a| a == name),
        None => !VERIFIED_FLAGS.contains(&name),
    }
}

/// Whether `client` lets its users read `name` (`sub` always: it is who they are).
pub fn client_may_read(client: &UserPoolClientType, name: &str) -> bool {
    match listed(client.read_attributes.as_deref()) {
        Some(list) => name == "sub" || list.iter().any(|a| a == name),
        None => true,
    }
}

fn unauthorized() -> ApiError {
    api_error!(NotAuthorizedException, "A client attempted to write unauthorized attribute")
}

/// Refuse the whole write when any attribute in it is outside what `writer` may write.
pub fn check_writer(writer: Writer<'_>, writes: &[AttributeType]) -> ApiResult<()> {
    match writer {
        Writer::Admin => Ok(()),
        Writer::Client(client) if writes.iter().all(|w| client_may_write(&client.settings, &w.name)) => Ok(()),
        Writer::Client(_) => Err(unauthorized()),
    }
}

/// The attributes `client` lets its users read, in order.
pub fn readable(client: &UserPoolClientType, attrs: Vec<AttributeType>) -> Vec<AttributeType> {
    attrs.into_iter().filter(|a| client_may_read(client, &a.name)).collect()
}

/// Whether an app client's ReadAttributes and WriteAttributes are valid for `pool`, as
/// CreateUserPoolClient and UpdateUserPoolClient check them (`action` is "creating" or "updating",
/// as in AWS's messages): every name must be one of the pool's attributes, and a client that lists
/// what it writes must be able to write the pool's required attributes, or its users could never
/// sign up.
pub fn check_client_lists(pool: &UserPoolType, read: Option<&[String]>, write: Option<&[String]>, action: &str) -> ApiResult<()> {
    let schema = pool.schema_attributes.as_deref().unwrap_or_default();
    let known = |name: &String| schema.iter().any(|a| a.name.as_deref() == Some(name.as_str()));
    if !read.unwrap_or_default().iter().all(known) {
        return Err(api_error!(InvalidParameterException, "Invalid read attributes specified while {action} a client"));
    }
    if let Some(write) = listed(write) {
        let required_missing = schema
            .iter()
            .filter(|a| a.required == Some(true) && a.mutable != Some(false))
            .filter_map(|a| a.name.as_deref())
            .filter(|name| *name != "sub")
            .any(|name| !write.iter().any(|w| w == name));
        if !write.iter().all(known) || required_missing {
            return Err(api_error!(InvalidParameterException, "Invalid write attributes specified while {action} a client"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_wire::shapes::SchemaAttributeType;

    fn client(read: Option<&[&str]>, write: Option<&[&str]>) -> UserPoolClientType {
        let list = |l: Option<&[&str]>| l.map(|l| l.iter().map(|s| s.to_string()).collect());
        UserPoolClientType { read_attributes: list(read), write_attributes: list(write), ..Default::default() }
    }

    #[test]
    fn default_client_writes_all_but_flags_and_developer_attributes() {
        let c = client(None, None);
        for name in ["email", "name", "custom:team", "phone_number"] {
            assert!(client_may_write(&c, name), "{name}");
        }
        for name in ["email_verified", "phone_number_verified", "dev:custom:tier"] {
            assert!(!client_may_write(&c, name), "{name}");
        }
        assert!(!client_may_write(&client(None, Some(&[])), "email_verified"), "an empty list is the default");
    }

    #[test]
    fn listed_writes_are_exactly_the_list_but_never_developer_only() {
        let c = client(None, Some(&["name", "email_verified", "dev:custom:tier"]));
        assert!(client_may_write(&c, "name"));
        assert!(client_may_write(&c, "email_verified"), "named explicitly");
        assert!(!client_may_write(&c, "email"));
        assert!(!client_may_write(&c, "dev:custom:tier"), "admin API only");
    }

    #[test]
    fn reads() {
        let c = client(Some(&["email"]), None);
        assert!(client_may_read(&c, "email") && client_may_read(&c, "sub"));
        assert!(!client_may_read(&c, "name"));
        assert!(client_may_read(&client(None, None), "name"));
        assert!(client_may_read(&client(Some(&[]), None), "name"));
    }

    #[test]
    fn client_lists_must_name_pool_attributes_and_cover_required_ones() {
        let schema = crate::attributes::pool_schema(&[SchemaAttributeType {
            name: Some("email".into()),
            required: Some(true),
            ..Default::default()
        }])
        .expect("schema");
        let pool = UserPoolType { schema_attributes: Some(schema), ..Default::default() };
        let names = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_client_lists(&pool, None, None, "creating").is_ok());
        assert!(check_client_lists(&pool, Some(&names(&["email", "name"])), Some(&names(&["email", "name"])), "creating").is_ok());
        assert!(check_client_lists(&pool, Some(&[]), Some(&[]), "creating").is_ok(), "empty lists are the default");
        let bad_read = check_client_lists(&pool, Some(&names(&["nope"])), None, "creating").expect_err("unknown");
        assert_eq!(bad_read.message, "Invalid read attributes specified while creating a client");
        let bad_write = check_client_lists(&pool, None, Some(&names(&["custom:nope", "email"])), "updating").expect_err("unknown");
        assert_eq!(bad_write.message, "Invalid write attributes specified while updating a client");
        assert!(check_client_lists(&pool, None, Some(&names(&["name"])), "creating").is_err(), "required email not writable");
    }
}
