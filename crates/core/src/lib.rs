//! Cognate's domain: one async function per operation, grouped by domain under [`handlers`]; the
//! sign-in flow ([`signin`]); the domain rules they share (users, attributes, codes, tokens,
//! passkeys); the storage traits ([`store`]); and the composition root [`App`]. Never imports HTTP
//! or SQL.

pub mod app;
pub mod attempt_windows;
pub mod attribute_access;
pub mod attribute_updates;
pub mod attributes;
pub mod caller;
pub mod clock;
pub mod codes;
pub mod codes_delivery;
pub mod decoys;
pub mod delivery;
pub mod devices;
pub mod errors;
pub mod handlers;
pub mod hashing;
pub mod ids;
pub mod janitor;
pub mod mfa_settings;
pub mod modify;
pub mod paging;
pub mod passkeys;
pub mod password_policy;
pub mod request_id;
pub mod signin;
pub mod store;
pub mod time;
pub mod tokens;
pub mod users;

pub use app::{App, CoreConfig};
pub use caller::{Caller, IamCaller};
pub use clock::{Clock, ManualClock, SystemClock};
pub use cognate_wire::{ApiError, ErrorCode, api_error};

/// Every operation returns this.
pub type ApiResult<T> = Result<T, ApiError>;
