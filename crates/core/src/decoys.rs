//! Decoys for unknown users under PreventUserExistenceErrors=ENABLED that stay the same from one
//! attempt to the next, as a real user's answers do (docs/security.md, "Attributes and user
//! existence"): the SRP salt and `USER_ID_FOR_SRP`, and simulated code destinations.
//!
//! They are derived with HMAC-SHA256 from one random secret per deployment, so that nobody without
//! the database can tell a decoy from a real user by computing it, and every node derives the same.
//! The secret is kept beside the signing keys, in the `signing_keys` table under a pool id no pool
//! has (`""`): the store's insert-if-absent makes the first node's secret everyone's, with no new
//! table, and it is sealed under the key-encryption key when one is configured, like the keys.

use cognate_crypto::envelope;

use crate::errors::{OrInternal, unexpected_error};
use crate::store::SigningKeyRecord;
use crate::{ApiResult, App};

/// Where the secret is kept: no pool id is empty.
const SECRET_POOL: &str = "";
const SECRET_PURPOSE: &str = "decoy";
const SECRET_KID: &str = "decoy-secret-v1";
const SEAL_PLACE: &[u8] = b"cognate decoy secret/v1";

/// The deployment's decoy secret: read (or created, by whichever node comes first) once per process.
async fn secret(app: &App) -> ApiResult<[u8; 32]> {
    app.decoy_secret.get_or_try_init(|| load_or_create(app)).await.copied()
}

async fn load_or_create(app: &App) -> ApiResult<[u8; 32]> {
    let stored = app.store.signing_keys(SECRET_POOL).await.or_internal()?.into_iter().find(|k| k.purpose == SECRET_PURPOSE);
    let record = match stored {
        Some(r) => r,
        None => {
            let fresh: [u8; 32] = rand::random();
            let sealed = match &app.config.signing_key_kek {
                Some(kek) => kek.seal(SEAL_PLACE, &fresh).map_err(|e| unexpected_error("sealing the decoy secret failed", &e))?,
                None => fresh.to_vec(),
            };
            let record = SigningKeyRecord {
                pool_id: SECRET_POOL.into(),
                purpose: SECRET_PURPOSE.into(),
                kid: SECRET_KID.into(),
                private_der: sealed,
                created_ms: app.now_ms(),
            };
            // Another node may have stored one first: use whichever the store kept.
            app.store.add_signing_key_if_absent(&record).await.or_internal()?
        }
    };
    let plain = match (&app.config.signing_key_kek, envelope::is_sealed(&record.private_der)) {
        (Some(kek), true) => {
            kek.open(SEAL_PLACE, &record.private_der).map_err(|e| unexpected_error("opening the decoy secret failed", &e))?
        }
        (None, true) => return Err(unexpected_error("the decoy secret is sealed", &"no key-encryption key configured")),
        (_, false) => record.private_der,
    };
    plain.try_into().map_err(|_| unexpected_error("the decoy secret is malformed", &"not 32 bytes"))
}

/// 32 bytes for `what` of the unknown user `username_key` in `pool_id`: the same on every node and
/// every attempt, unpredictable without the secret.
pub async fn derive(app: &App, pool_id: &str, username_key: &str, what: &str) -> ApiResult<[u8; 32]> {
    let key = secret(app).await?;
    Ok(cognate_crypto::hmac_sha256(&key, &[what.as_bytes(), b"\0", pool_id.as_bytes(), b"\0", username_key.as_bytes()]))
}

/// An SRP salt shaped as real ones are: 16 bytes whose first hex digit is never `0`
/// (`cognate_crypto::srp::make_verifier`).
pub fn salt_hex(bytes: &[u8; 32]) -> String {
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&bytes[..16]);
    if salt[0] < 0x10 {
        salt[0] |= 0x80;
    }
    hex::encode(salt)
}

/// A UUID shaped as a `sub` is (version 4), for pools where USER_ID_FOR_SRP is the `sub`.
pub fn uuid(bytes: &[u8; 32]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[16..]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// A decimal string of `n` digits.
pub fn digits(bytes: &[u8; 32], n: usize) -> String {
    bytes.iter().cycle().take(n).map(|b| char::from(b'0' + b % 10)).collect()
}

/// A lower-case letter.
pub fn letter(byte: u8) -> char {
    char::from(b'a' + byte % 26)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let bytes = [3u8; 32];
        let salt = salt_hex(&bytes);
        assert_eq!(salt.len(), 32);
        assert!(!salt.starts_with('0'));
        let id = uuid(&bytes);
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4', "{id}");
        assert_eq!(digits(&bytes, 10).len(), 10);
    }
}
