//! Records the checks write: each names its own pool, so checks can share one database and run
//! concurrently.

use cognate_core::store::*;
use cognate_wire::enums::ChallengeNameType;
use cognate_wire::shapes::{GroupType, UserPoolClientType, UserPoolType};

/// A name no other check (in this process or another one on the same database) uses.
pub(crate) fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}_{}x{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

pub(crate) fn pool(id: &str) -> PoolRecord {
    PoolRecord {
        id: id.into(),
        name: "p".into(),
        created_ms: 1,
        modified_ms: 1,
        settings: UserPoolType::default(),
        mfa: Default::default(),
        version: 1,
    }
}

pub(crate) fn client(pool_id: &str, client_id: &str) -> ClientRecord {
    ClientRecord {
        client_id: client_id.into(),
        pool_id: pool_id.into(),
        name: "c".into(),
        created_ms: 1,
        modified_ms: 1,
        settings: UserPoolClientType::default(),
        version: 1,
    }
}

/// A confirmed user claiming only its username.
pub(crate) fn user(pool_id: &str, name: &str) -> UserRecord {
    UserRecord {
        pool_id: pool_id.into(),
        username_key: name.into(),
        username: name.into(),
        sub: format!("sub-{name}-{}", unique("s")),
        created_ms: 1,
        modified_ms: 1,
        data: UserData { status: "CONFIRMED".into(), enabled: true, ..Default::default() },
        keys: vec![UserKey::username(name)],
        version: 1,
    }
}

/// The user claiming its sub as well.
pub(crate) fn with_keys(mut u: UserRecord) -> UserRecord {
    u.keys = vec![UserKey::username(&u.username_key), UserKey::sub(&u.sub)];
    u
}

pub(crate) fn group(pool_id: &str, name: &str) -> GroupRecord {
    GroupRecord { pool_id: pool_id.into(), name: name.into(), created_ms: 1, modified_ms: 1, settings: GroupType::default() }
}

pub(crate) fn signing_key(pool_id: &str, kid: &str) -> SigningKeyRecord {
    SigningKeyRecord { pool_id: pool_id.into(), purpose: "access".into(), kid: kid.into(), private_der: vec![1, 2, 3], created_ms: 1 }
}

/// An SMS_MFA challenge session of user `u`, expiring at 10 ms.
pub(crate) fn session(pool_id: &str, id_hash: &str) -> AuthSession {
    AuthSession {
        id_hash: id_hash.into(),
        pool_id: pool_id.into(),
        client_id: "c".into(),
        username_key: "u".into(),
        challenge: "SMS_MFA".into(),
        state: ChallengeState::MfaCode { factor: ChallengeNameType::SmsMfa, code_hash: "x".into(), setup_email: None },
        created_ms: 1,
        expires_ms: 10,
        failures: 0,
        used: false,
    }
}

/// A sign-up code of user `u`.
pub(crate) fn code(pool_id: &str, code_hash: &str) -> CodeRecord {
    CodeRecord {
        pool_id: pool_id.into(),
        username_key: "u".into(),
        purpose: "signup".into(),
        code_hash: code_hash.into(),
        expires_ms: 5,
        failures: 0,
        created_ms: 1,
    }
}

/// A refresh token of user `u` in the family `origin`.
pub(crate) fn refresh(pool_id: &str, id_hash: &str, origin: &str) -> RefreshRecord {
    RefreshRecord {
        id_hash: id_hash.into(),
        pool_id: pool_id.into(),
        client_id: "c".into(),
        username_key: "u".into(),
        origin_jti: origin.into(),
        auth_time: 1,
        created_ms: 1,
        expires_ms: 100,
        revoked: false,
        replaced_ms: None,
        device_key: None,
    }
}

/// An unconfirmed device of `username_key`, as issued at the end of a sign-in, created at
/// `created_ms`. Its key is `<pool_id>_<suffix>`: unique across pools, as device keys are.
pub(crate) fn device(pool_id: &str, username_key: &str, suffix: &str, created_ms: i64) -> DeviceRecord {
    DeviceRecord {
        pool_id: pool_id.into(),
        device_key: format!("{pool_id}_{suffix}"),
        username_key: username_key.into(),
        created_ms,
        confirmed: false,
        data: DeviceData { group_key: "-Vfxs5RNW".into(), modified_ms: created_ms, ..Default::default() },
        version: 1,
    }
}

/// [`device`], confirmed by ConfirmDevice.
pub(crate) fn confirmed_device(pool_id: &str, username_key: &str, suffix: &str, created_ms: i64) -> DeviceRecord {
    DeviceRecord { confirmed: true, ..device(pool_id, username_key, suffix, created_ms) }
}

pub(crate) fn message(pool_id: &str, id: &str, username: &str) -> OutboxMessage {
    OutboxMessage {
        id: id.into(),
        pool_id: pool_id.into(),
        username: username.into(),
        channel: "EMAIL".into(),
        destination: "u@example.com".into(),
        subject: None,
        body: "Your code is 123456".into(),
        purpose: "SignUp".into(),
        created_ms: 1,
    }
}
