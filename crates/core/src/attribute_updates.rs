//! The one path every change to an existing user's attributes takes: UpdateUserAttributes,
//! AdminUpdateUserAttributes and the `userAttributes.*` answers of NEW_PASSWORD_REQUIRED
//! (docs/security.md, "Attributes and user existence"). It
//!
//! - checks the writes against the schema and against who writes them ([`attribute_access`]);
//! - takes a changed email or phone number's verified flag away, unless the same write sets it;
//! - sends a verification code to a changed email or phone number the pool auto-verifies, unless the
//!   write marks it verified itself;
//! - with the pool's `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`, keeps
//!   the old value in force and the new one pending until VerifyUserAttribute proves it (AWS:
//!   "Verifying when users change their email address or phone number").
//!
//! Codes are bound to the address they were sent to (`codes_delivery`), so a further change makes
//! the earlier codes worthless.

use cognate_wire::shapes::{AttributeType, CodeDeliveryDetailsType};

use crate::attribute_access::{self, Writer};
use crate::attributes::{self, Write};
use crate::codes_delivery::{Destination, send_code};
use crate::delivery::purpose;
use crate::store::{PoolRecord, UserRecord};
use crate::{ApiResult, App, api_error, attempt_windows, users};

/// How long an attribute verification code stays valid.
pub const VERIFY_CODE_MS: i64 = 24 * 3_600_000;

const VERIFIABLE: [&str; 2] = ["email", "phone_number"];

/// Check `attrs` against the pool's schema and what `writer` may write; returns them as they are
/// to be stored.
pub fn check(pool: &PoolRecord, writer: Writer<'_>, attrs: &[AttributeType]) -> ApiResult<Vec<AttributeType>> {
    let writes = attributes::check_writes(&pool.settings, attrs, Write::Update)?;
    attribute_access::check_writer(writer, &writes)?;
    Ok(writes)
}

/// The pool auto-verifies `attribute`: a new value gets a verification code.
pub fn auto_verified(pool: &PoolRecord, attribute: &str) -> bool {
    pool.settings.auto_verified_attributes.as_deref().unwrap_or_default().iter().any(|a| a == attribute)
}

/// The pool keeps the old value of `attribute` until a new one is verified.
fn verify_before_update(pool: &PoolRecord, attribute: &str) -> bool {
    pool.settings
        .user_attribute_update_settings
        .as_ref()
        .and_then(|s| s.attributes_require_verification_before_update.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|a| a == attribute)
}

/// The new value of `attribute` waiting for verification, if any.
pub fn pending<'u>(user: &'u UserRecord, attribute: &str) -> Option<&'u str> {
    user.data.pending_attributes.iter().find(|(n, _)| n == attribute).map(|(_, v)| v.as_str())
}

/// The address a verification of `attribute` is about: a pending new value, else the current one.
pub fn verification_address<'u>(user: &'u UserRecord, attribute: &str) -> Option<&'u str> {
    pending(user, attribute).or_else(|| user.attribute(attribute))
}

/// Mark `address` of `attribute` verified, as a right code sent to it proves: a pending value
/// takes effect now. Refused as a wrong code when the user's address is no longer `address`.
pub fn verify(u: &mut UserRecord, attribute: &str, address: &str) -> ApiResult<()> {
    if verification_address(u, attribute) != Some(address) {
        return Err(api_error!(CodeMismatchException, "Invalid verification code provided, please try again."));
    }
    u.data.pending_attributes.retain(|(n, _)| n != attribute);
    let writes = [
        AttributeType { name: attribute.to_string(), value: Some(address.to_string()) },
        AttributeType { name: format!("{attribute}_verified"), value: Some("true".into()) },
    ];
    users::update_attributes(u, &writes);
    Ok(())
}

/// What [`apply`] did.
pub struct Applied {
    pub user: UserRecord,
    /// Where verification codes went, in UpdateUserAttributes' `CodeDeliveryDetailsList` form.
    pub sent: Vec<CodeDeliveryDetailsType>,
}

/// The new addresses of one write that need a code, and which of them wait for it.
#[derive(Default)]
struct Plan {
    /// (attribute, new address) to send a code to.
    codes: Vec<(&'static str, String)>,
    /// Attributes whose new value waits for verification.
    deferred: Vec<&'static str>,
}

fn plan(pool: &PoolRecord, user: &UserRecord, writes: &[AttributeType]) -> Plan {
    let mut plan = Plan::default();
    for attr in VERIFIABLE {
        let Some(new) = writes.iter().find(|w| w.name == attr).and_then(|w| w.value.as_deref()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let flag = format!("{attr}_verified");
        let marked_verified = writes.iter().any(|w| w.name == flag && w.value.as_deref() == Some("true"));
        // Writing the current value back is no change (and cancels a pending one).
        let changed = Some(new) != user.attribute(attr);
        if !changed || marked_verified {
            continue;
        }
        if verify_before_update(pool, attr) {
            plan.deferred.push(attr);
        }
        if auto_verified(pool, attr) || verify_before_update(pool, attr) {
            plan.codes.push((attr, new.to_string()));
        }
    }
    plan
}

/// Apply checked `writes` (from [`check`]) to the user `username`, with `also` in the same write
/// (the NEW_PASSWORD_REQUIRED answer sets the password there); then send the verification codes.
pub async fn apply<F>(app: &App, pool: &PoolRecord, username: &str, writes: &[AttributeType], mut also: F) -> ApiResult<Applied>
where
    F: FnMut(&mut UserRecord) -> ApiResult<()>,
{
    let mut codes = Vec::new();
    let user = users::modify(app, pool, username, |u| {
        let Plan { codes: to_send, deferred } = plan(pool, u, writes);
        codes = to_send;
        let (later, now): (Vec<AttributeType>, Vec<AttributeType>) =
            writes.iter().cloned().partition(|w| deferred.iter().any(|d| *d == w.name));
        // A value written now supersedes whatever was waiting for it.
        u.data.pending_attributes.retain(|(n, _)| !now.iter().any(|w| w.name == *n));
        users::update_attributes(u, &now);
        for w in later {
            u.data.pending_attributes.retain(|(n, _)| *n != w.name);
            u.data.pending_attributes.push((w.name, w.value.unwrap_or_default()));
        }
        also(u)
    })
    .await?;
    let mut sent = Vec::new();
    for (attr, address) in codes {
        let to = Destination::to(attr, address);
        let purpose = format!("verify:{attr}");
        // The update operations document no LimitExceededException: counted, never refused.
        attempt_windows::record(app, &attempt_windows::key(&pool.id, &user.username_key, &purpose)).await?;
        send_code(app, pool, &user, &to, &purpose, purpose::VERIFY_ATTRIBUTE, VERIFY_CODE_MS).await?;
        sent.push(to.details());
    }
    Ok(Applied { user, sent })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signin::policy::mfa::tests::user;
    use cognate_wire::shapes::{UserAttributeUpdateSettingsType, UserPoolType};

    fn pool(auto: &[&str], before_update: &[&str]) -> PoolRecord {
        let list = |l: &[&str]| Some(l.iter().map(|s| s.to_string()).collect());
        let settings = UserPoolType {
            auto_verified_attributes: list(auto),
            user_attribute_update_settings: Some(UserAttributeUpdateSettingsType {
                attributes_require_verification_before_update: list(before_update),
            }),
            ..Default::default()
        };
        PoolRecord { settings, ..crate::signin::policy::mfa::tests::pool("OFF", false, false, false) }
    }

    fn write(name: &str, value: &str) -> AttributeType {
        AttributeType { name: name.into(), value: Some(value.into()) }
    }

    #[test]
    fn a_changed_auto_verified_address_gets_a_code_unless_marked_verified() {
        let u = user(&[("email", "old@example.com"), ("email_verified", "true")]);
        let p = plan(&pool(&["email"], &[]), &u, &[write("email", "new@example.com")]);
        assert_eq!(p.codes, vec![("email", "new@example.com".to_string())]);
        assert!(p.deferred.is_empty());
        let p = plan(&pool(&["email"], &[]), &u, &[write("email", "new@example.com"), write("email_verified", "true")]);
        assert!(p.codes.is_empty());
        let p = plan(&pool(&["email"], &[]), &u, &[write("email", "old@example.com")]);
        assert!(p.codes.is_empty(), "unchanged");
        let p = plan(&pool(&[], &[]), &u, &[write("email", "new@example.com")]);
        assert!(p.codes.is_empty(), "not auto-verified");
    }

    #[test]
    fn verification_before_update_defers_the_new_value() {
        let u = user(&[("email", "old@example.com"), ("email_verified", "true")]);
        let p = plan(&pool(&["email"], &["email"]), &u, &[write("email", "new@example.com")]);
        assert_eq!(p.deferred, vec!["email"]);
        let mut v = u.clone();
        v.data.pending_attributes.push(("email".into(), "new@example.com".into()));
        assert_eq!(verification_address(&v, "email"), Some("new@example.com"));
        assert!(verify(&mut v.clone(), "email", "old@example.com").is_err(), "a code for another address");
        verify(&mut v, "email", "new@example.com").expect("verified");
        assert_eq!(v.attribute("email"), Some("new@example.com"));
        assert!(v.attribute_is_true("email_verified"));
        assert!(v.data.pending_attributes.is_empty());
    }
}
