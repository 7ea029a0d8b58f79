//! Every operation's handler, grouped by domain: one `async fn` per operation, named after it in
//! snake case, taking `(&App, caller, input)` as its access class in `cognate_wire::ops` says —
//! `&IamCaller` for SigV4-signed admin calls, `TokenUser` for calls authorized by an access token,
//! nothing for public ones. The server's dispatcher imports from here alone. Handlers hold the
//! operation's own checks and call the domain modules (`signin`, `users`, `attributes`, ...).

pub mod account;
pub mod auth_factors;
pub mod clients;
pub mod devices;
pub mod groups;
pub mod me;
pub mod mfa_config;
pub mod mfa_preferences;
pub mod passkey_credentials;
pub mod passkey_registration;
pub mod pools;
pub mod sign_in;
pub mod software_token;
pub mod tokens;
pub mod users;
