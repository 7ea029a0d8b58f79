//! Finding, describing and changing users: the rules every user operation shares (how a username is
//! looked up, which keys a user claims, how a password is stored).

use cognate_wire::enums::{DeliveryMediumType, UserStatusType};
use cognate_wire::shapes::{AttributeType, MFAOptionType, UserPoolType, UserType};

use crate::errors::{OrInternal, unexpected_error};
use crate::store::{PasswordRecord, PoolRecord, RevokedOrigin, UserKey, UserRecord};
use crate::time::wire_timestamp;
use crate::{ApiError, ApiResult, App, api_error, attributes, ids, mfa_settings, modify};

pub const CONFIRMED: &str = UserStatusType::Confirmed.as_str();
pub const UNCONFIRMED: &str = UserStatusType::Unconfirmed.as_str();
pub const FORCE_CHANGE_PASSWORD: &str = UserStatusType::ForceChangePassword.as_str();
pub const RESET_REQUIRED: &str = UserStatusType::ResetRequired.as_str();

pub fn user_not_found() -> ApiError {
    api_error!(UserNotFoundException, "User does not exist.")
}

fn case_sensitive(pool: &UserPoolType) -> bool {
    // Pools created without UsernameConfiguration are case sensitive, as on AWS.
    pool.username_configuration.as_ref().map(|c| c.case_sensitive).unwrap_or(true)
}

/// The form a username is stored and looked up under.
pub fn username_key(pool: &UserPoolType, username: &str) -> String {
    if case_sensitive(pool) { username.to_string() } else { username.to_lowercase() }
}

fn username_attributes(pool: &UserPoolType) -> &[String] {
    pool.username_attributes.as_deref().unwrap_or_default()
}

fn alias_attributes(pool: &UserPoolType) -> &[String] {
    pool.alias_attributes.as_deref().unwrap_or_default()
}

/// True when users sign in with an email or phone number and get a generated internal username.
pub fn uses_username_attributes(pool: &UserPoolType) -> bool {
    !username_attributes(pool).is_empty()
}

/// How an attribute value is compared when it is a sign-in name.
fn alias_value(attribute: &str, value: &str) -> String {
    match attribute {
        "phone_number" => value.to_string(),
        _ => value.to_lowercase(),
    }
}

/// Every key `user` claims in its pool: its username, its sub, and the sign-in aliases the pool's
/// UsernameAttributes / AliasAttributes give it (aliases only once verified, as on AWS).
pub fn compute_keys(pool: &UserPoolType, user: &UserRecord) -> Vec<String> {
    let mut keys = vec![UserKey::username(&user.username_key), UserKey::sub(&user.sub)];
    for attr in username_attributes(pool) {
        if let Some(v) = user.attribute(attr) {
            keys.push(UserKey::alias(attr, &alias_value(attr, v)));
        }
    }
    for attr in alias_attributes(pool) {
        let Some(v) = user.attribute(attr) else {
            continue;
        };
        let verified = match attr.as_str() {
            "email" => user.attribute_is_true("email_verified"),
            "phone_number" => user.attribute_is_true("phone_number_verified"),
            _ => true,
        };
        if verified {
            keys.push(UserKey::alias(attr, &alias_value(attr, v)));
        }
    }
    keys
}

/// The attribute of an alias key (`a:<attribute>:<value>`).
fn alias_attribute(key: &str) -> Option<&str> {
    key.strip_prefix("a:").and_then(|rest| rest.split(':').next())
}

/// The error a key taken by another user gives when a user is *created* (SignUp, AdminCreateUser),
/// in the real service's words.
pub fn conflict_error(pool: &UserPoolType, key: &str) -> ApiError {
    if let Some(rest) = key.strip_prefix("a:") {
        let attr = rest.split(':').next().unwrap_or("email");
        if username_attributes(pool).iter().any(|a| a == attr) {
            return api_error!(UsernameExistsException, "An account with the given {attr} already exists.");
        }
        return api_error!(AliasExistsException, "An account with the given {attr} already exists.");
    }
    api_error!(UsernameExistsException, "User account already exists")
}

/// The error an *update* gives when it would hand the user a sign-in alias another user holds
/// (a changed or newly verified email, phone number or preferred_username): AliasExistsException,
/// the one the updating operations document, whatever the pool signs in with.
fn update_conflict_error(key: &str) -> ApiError {
    let attr = alias_attribute(key).unwrap_or("email");
    api_error!(AliasExistsException, "An account with the given {attr} already exists.")
}

/// The other user, if any, who holds `value` of `attribute` as a sign-in alias.
pub async fn alias_holder(
    app: &App,
    pool: &PoolRecord,
    attribute: &str,
    value: &str,
    besides: &UserRecord,
) -> ApiResult<Option<UserRecord>> {
    let key = UserKey::alias(attribute, &alias_value(attribute, value));
    let holder = app.store.find_user(&pool.id, &key).await.or_internal()?;
    Ok(holder.filter(|h| h.username_key != besides.username_key))
}

/// ForceAliasCreation: the other user holding `attribute`'s `value` as an alias loses it, so that
/// `new_owner` can claim it. Only verified emails and phone numbers are aliases in pools that use
/// them as aliases, so the holder's one is marked unverified: they can no longer sign in with it
/// (AWS: "The previous user will no longer be able to log in using that alias").
pub async fn release_alias(app: &App, pool: &PoolRecord, attribute: &str, value: &str, new_owner: &UserRecord) -> ApiResult<()> {
    let Some(holder) = alias_holder(app, pool, attribute, value, new_owner).await? else { return Ok(()) };
    let flag = format!("{attribute}_verified");
    modify(app, pool, &holder.username, |u| {
        attributes::apply(&mut u.data.attributes, &[AttributeType { name: flag.clone(), value: Some("false".into()) }]);
        Ok(())
    })
    .await?;
    Ok(())
}

/// Whether the pool signs users in with `attribute` as an alias claimed once verified (AliasAttributes
/// email or phone_number).
pub fn verified_alias(pool: &UserPoolType, attribute: &str) -> bool {
    matches!(attribute, "email" | "phone_number") && alias_attributes(pool).iter().any(|a| a == attribute)
}

/// Find a user by what a caller calls them: the username, the `sub`, or a sign-in alias.
pub async fn find(app: &App, pool: &PoolRecord, name: &str) -> ApiResult<Option<UserRecord>> {
    let settings = &pool.settings;
    let mut candidates = vec![UserKey::username(&username_key(settings, name)), UserKey::sub(name)];
    for attr in username_attributes(settings).iter().chain(alias_attributes(settings)) {
        candidates.push(UserKey::alias(attr, &alias_value(attr, name)));
    }
    for key in candidates {
        if let Some(user) = app.store.find_user(&pool.id, &key).await.or_internal()? {
            return Ok(Some(user));
        }
    }
    Ok(None)
}

pub async fn get(app: &App, pool: &PoolRecord, name: &str) -> ApiResult<UserRecord> {
    find(app, pool, name).await?.ok_or_else(user_not_found)
}

/// Read-modify-write of one user, retried when another request changed it in between. `change`
/// may run more than once, so it must not have side effects beyond the record.
pub async fn modify<F>(app: &App, pool: &PoolRecord, name: &str, mut change: F) -> ApiResult<UserRecord>
where
    F: FnMut(&mut UserRecord) -> ApiResult<()>,
{
    let errors = modify::Errors { kind: "user", not_found: &user_not_found, conflict: &update_conflict_error };
    let change = |user: &mut UserRecord| {
        change(user)?;
        user.modified_ms = app.now_ms();
        user.version += 1;
        user.keys = compute_keys(&pool.settings, user);
        Ok(())
    };
    let save = |user: UserRecord| async move {
        let written = app.store.update_user(&user).await;
        (user, written)
    };
    modify::retrying(&errors, || get(app, pool, name), change, save).await
}

/// Hash a password for storage: argon2id, plus Cognito's SRP salt and verifier (docs/sign-in.md,
/// SRP), which need the internal username. Runs on a hashing thread ([`crate::hashing`]): argon2id
/// is deliberately slow.
pub async fn password_record(
    pool_id: &str,
    internal_username: &str,
    password: &str,
    temporary: bool,
    now_ms: i64,
) -> ApiResult<PasswordRecord> {
    let pool_name = ids::pool_name_part(pool_id).to_string();
    let user = internal_username.to_string();
    let password = password.to_string();
    let (hash, verifier) = crate::hashing::run(move |workspace| {
        let hash = cognate_crypto::password::hash_in(workspace, &password);
        (hash, cognate_crypto::srp::make_verifier(&pool_name, &user, &password))
    })
    .await
    .map_err(hashing_refused)?;
    let hash = hash.map_err(|e| unexpected_error("password hashing failed", &e))?;
    Ok(PasswordRecord { hash, srp_salt: verifier.salt_hex, srp_verifier: verifier.verifier_hex, set_ms: now_ms, temporary })
}

/// Check a password against the stored hash (on a hashing thread). Without one (an unknown user,
/// or one without a password) it is checked against [`decoy_hash`] and never matches: the answer
/// costs one argon2id verification either way, so its time does not tell whether the user exists.
/// A check that could not run is an error, never a wrong password (which would count towards the
/// user's lockout).
pub async fn password_matches(record: Option<&PasswordRecord>, password: &str) -> ApiResult<bool> {
    let stored = record.map(|r| r.hash.clone());
    let password = password.to_string();
    crate::hashing::run(move |workspace| {
        let hash = match &stored {
            Some(hash) => hash.as_str(),
            None => decoy_hash(workspace),
        };
        let matched = cognate_crypto::password::verify_in(workspace, &password, hash);
        matched && stored.is_some()
    })
    .await
    .map_err(hashing_refused)
}

/// The answer when the hashing queue is full (`TooManyRequestsException`, with AWS's "Rate
/// exceeded") or a hash could not run at all.
#[track_caller]
fn hashing_refused(why: crate::hashing::Refused) -> ApiError {
    match why {
        crate::hashing::Refused::Busy => api_error!(TooManyRequestsException, "Rate exceeded"),
        crate::hashing::Refused::Failed => unexpected_error("password hashing could not run", &"no hashing thread or a panic"),
    }
}

/// The argon2id hash of a random password nobody ever sees, made once, with the parameters every
/// stored hash is made with (so verifying against it costs the same).
fn decoy_hash(workspace: &mut cognate_crypto::password::Workspace) -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| cognate_crypto::password::hash_in(workspace, &crate::codes::opaque_token(32)).unwrap_or_default())
}

/// Legacy `MFAOptions`, present only when SMS MFA was set through SetUserSettings.
pub fn mfa_options(user: &UserRecord) -> Option<Vec<MFAOptionType>> {
    user.data.mfa.legacy_sms.then(|| {
        vec![MFAOptionType { delivery_medium: Some(DeliveryMediumType::Sms.as_str().into()), attribute_name: Some("phone_number".into()) }]
    })
}

/// The `UserType` that AdminCreateUser, ListUsers and ListUsersInGroup return.
pub fn user_type(user: &UserRecord, attributes_to_get: Option<&[String]>) -> UserType {
    let mut attrs = crate::attributes::to_wire(&user.sub, &user.data.attributes);
    if let Some(wanted) = attributes_to_get {
        attrs.retain(|a| wanted.contains(&a.name));
    }
    UserType {
        username: Some(user.username.clone()),
        attributes: Some(attrs),
        user_create_date: Some(wire_timestamp(user.created_ms)),
        user_last_modified_date: Some(wire_timestamp(user.modified_ms)),
        enabled: Some(user.data.enabled),
        user_status: Some(user.data.status.clone()),
        mfa_options: mfa_options(user),
    }
}

/// The internal username and first attributes of a new user called `typed`. In pools where people
/// sign in with an email or phone number, the typed name is that attribute and the internal username
/// is the `sub`, as on AWS.
pub fn new_identity(settings: &UserPoolType, typed: &str, sub: &str) -> ApiResult<(String, Vec<(String, String)>)> {
    use crate::attributes::{is_email, is_phone};
    if !uses_username_attributes(settings) {
        if is_email(typed) && alias_attributes(settings).iter().any(|a| a == "email") {
            return Err(api_error!(
                InvalidParameterException,
                "Username cannot be of email format, since user pool is configured for email alias."
            ));
        }
        return Ok((typed.to_string(), Vec::new()));
    }
    let allowed = username_attributes(settings);
    if allowed.iter().any(|a| a == "email") && is_email(typed) {
        return Ok((sub.to_string(), vec![("email".into(), typed.to_string())]));
    }
    if allowed.iter().any(|a| a == "phone_number") && is_phone(typed) {
        return Ok((sub.to_string(), vec![("phone_number".into(), typed.to_string())]));
    }
    let expected = if allowed.len() > 1 {
        "either an email or a phone number"
    } else if allowed.iter().any(|a| a == "email") {
        "an email"
    } else {
        "a phone number"
    };
    Err(api_error!(InvalidParameterException, "Username should be {expected}."))
}

/// Mark `attribute` (email or phone_number) verified.
pub fn set_verified(u: &mut UserRecord, attribute: &str) {
    let flag = format!("{attribute}_verified");
    attributes::apply(&mut u.data.attributes, &[AttributeType { name: flag, value: Some("true".into()) }]);
}

/// Apply attribute writes; a changed email or phone number is no longer verified unless the same
/// request says it is (as on AWS), and MFA factors that lost their address are turned off.
pub fn update_attributes(u: &mut UserRecord, writes: &[AttributeType]) {
    let mut writes = writes.to_vec();
    for (attr, flag) in [("email", "email_verified"), ("phone_number", "phone_number_verified")] {
        let changed = writes.iter().any(|w| w.name == attr && w.value.as_deref() != u.attribute(attr));
        if changed && !writes.iter().any(|w| w.name == flag) && u.attribute(flag).is_some() {
            writes.push(AttributeType { name: flag.into(), value: Some("false".into()) });
        }
    }
    attributes::apply(&mut u.data.attributes, &writes);
    mfa_settings::reconcile_after_attribute_change(u);
}

/// Delete attributes (checked with [`check_deletable`]); MFA factors that lost their address are
/// turned off.
pub fn delete_attributes(u: &mut UserRecord, names: &[String]) {
    u.data.attributes.retain(|(n, _)| !names.contains(n));
    mfa_settings::reconcile_after_attribute_change(u);
}

/// Required and immutable attributes cannot be deleted.
pub fn check_deletable(pool: &UserPoolType, names: &[String]) -> ApiResult<()> {
    let schema = pool.schema_attributes.as_deref().unwrap_or_default();
    for name in names {
        let def = schema.iter().find(|s| s.name.as_deref() == Some(name.as_str()));
        match def {
            None => {
                return Err(api_error!(
                    InvalidParameterException,
                    "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
                ));
            }
            Some(d) if d.required == Some(true) => {
                return Err(api_error!(
                    InvalidParameterException,
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                ));
            }
            Some(d) if d.mutable == Some(false) => {
                return Err(api_error!(InvalidParameterException, "Cannot modify the non-mutable attribute {name}"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Sign-ins (origins) whose revocation a user record remembers (RevokeToken). Beyond this many,
/// every token of the user issued so far is revoked at once instead, as GlobalSignOut does: the
/// record stays small however many sign-ins a client opens and revokes.
const MAX_REVOKED_ORIGINS: usize = 50;

/// Remember that the sign-in `origin_jti` is revoked until its last refresh token would expire.
pub fn remember_revoked(u: &mut UserRecord, origin_jti: &str, until_ms: i64, now_ms: i64) {
    let sec = &mut u.data.security;
    sec.revoked_origins.retain(|r| r.until_ms > now_ms);
    if sec.revoked_origins.iter().any(|r| r.origin_jti == origin_jti) {
        return;
    }
    if sec.revoked_origins.len() >= MAX_REVOKED_ORIGINS {
        sec.signed_out_at_s = Some(now_ms.div_euclid(1000));
        sec.revoked_origins.clear();
        return;
    }
    sec.revoked_origins.push(RevokedOrigin { origin_jti: origin_jti.to_string(), until_ms });
}

/// Revoke every token of the user: tokens issued up to this second stop working (AWS revokes at
/// second granularity: "GlobalSignOut").
pub async fn sign_out_everywhere(app: &App, pool: &PoolRecord, user: &UserRecord) -> ApiResult<()> {
    let now_s = app.clock.now_secs();
    modify(app, pool, &user.username, |u| {
        u.data.security.signed_out_at_s = Some(now_s);
        Ok(())
    })
    .await?;
    app.store.revoke_user_refresh(&pool.id, &user.username_key).await.or_internal()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signin::policy::mfa::tests::user;

    #[test]
    fn revoked_sign_ins_stay_bounded_by_revoking_everything_so_far() {
        let mut u = user(&[]);
        for i in 0..MAX_REVOKED_ORIGINS {
            remember_revoked(&mut u, &format!("o{i}"), 10_000, 1_000);
        }
        remember_revoked(&mut u, "o0", 10_000, 1_000);
        assert_eq!(u.data.security.revoked_origins.len(), MAX_REVOKED_ORIGINS, "a repeat is not added twice");
        assert_eq!(u.data.security.signed_out_at_s, None);
        remember_revoked(&mut u, "one-more", 10_000, 2_500);
        assert!(u.data.security.revoked_origins.is_empty());
        assert_eq!(u.data.security.signed_out_at_s, Some(2), "every token issued up to now is revoked instead");
        // Expired entries make room.
        remember_revoked(&mut u, "a", 3_000, 2_500);
        remember_revoked(&mut u, "b", 9_000, 4_000);
        assert_eq!(u.data.security.revoked_origins.iter().map(|r| r.origin_jti.as_str()).collect::<Vec<_>>(), vec!["b"]);
    }

    /// A sign-in's password check costs one argon2id verification whether or not there is a
    /// password to check (an unknown user, a passwordless one), with the same parameters: its time
    /// does not tell the two apart. Never a match without a stored password.
    #[tokio::test]
    async fn a_missing_password_costs_the_same_hash() {
        let stored = cognate_crypto::password::hash("Correct-horse-9").expect("hash");
        let record =
            PasswordRecord { hash: stored.clone(), srp_salt: String::new(), srp_verifier: String::new(), set_ms: 0, temporary: false };
        let (matched, known) = crate::hashing::count_jobs(password_matches(Some(&record), "Correct-horse-9")).await;
        assert_eq!(matched, Ok(true));
        for password in ["Correct-horse-9", ""] {
            let (matched, unknown) = crate::hashing::count_jobs(password_matches(None, password)).await;
            assert_eq!(matched, Ok(false), "nothing matches a missing password");
            assert_eq!(unknown, known, "as many hashes as for a known user");
        }
        let params = |phc: &str| phc.split('$').nth(3).map(str::to_string);
        let decoy = decoy_hash(&mut cognate_crypto::password::Workspace::default());
        assert_eq!(params(decoy), params(&stored), "the decoy hash costs what a stored one does");
        assert!(params(decoy).is_some_and(|p| p.starts_with("m=")), "{decoy}");
    }
}
