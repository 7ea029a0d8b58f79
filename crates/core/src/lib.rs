//! Cognate's domain: one async function per operation, grouped by domain under [`ops`], the storage
//! traits they need ([`store`]), and the composition root [`App`]. Never imports HTTP or SQL.

pub mod app;
pub mod attributes;
pub mod auth;
pub mod caller;
pub mod clock;
pub mod codes;
pub mod codes_delivery;
pub mod delivery;
pub mod hashing;
pub mod ids;
pub mod mfa;
pub mod mfa_view;
pub mod ops;
pub mod paging;
pub mod passkeys;
pub mod password_policy;
pub mod request_id;
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
