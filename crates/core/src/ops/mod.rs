//! One async function per operation, grouped by domain. Each takes the proven caller and the typed
//! request and returns the typed response or an [`crate::ApiError`].

pub mod account;
pub mod clients;
pub mod groups;
pub mod me;
pub mod pools;
pub mod users;
