//! Tokens: per-pool signing keys, minting, and the access-token check.

mod issue;
mod keys;
mod verify;

pub use issue::{ADMIN_SCOPE, Grant, lifetimes, unit_seconds};
pub use keys::{KeyCache, PoolKeys};
pub use verify::{StatusCheck, TokenUser, VerifiedCache, check_user_state};
