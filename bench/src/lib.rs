//! cognate-bench: the load benchmark of Cognate (see bench/README.md and docs/performance.md).
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | options |
//! | [`run`] | one run: server, seeding, bulk growth, scenarios |
//! | [`server`] | starting/stopping `cognate`, start-up time, VmRSS |
//! | [`api`] | AWS JSON 1.1 calls over hyper, errors by `__type` |
//! | [`sigv4`] | signing admin calls |
//! | [`seed`] | pool, client and users through the API |
//! | [`srp_flow`], [`totp_flow`] | client side of SRP and TOTP sign-ins |
//! | [`device_flow`] | a sign-in on a remembered device (device SRP), and seeding such devices |
//! | [`user_auth_flow`] | client side of USER_AUTH EMAIL_OTP and WEB_AUTHN sign-ins, passkey registration |
//! | [`scenarios`] | one request builder per scenario |
//! | [`driver`] | fixed-time, fixed-concurrency loop with histograms |
//! | [`bulk`] | measurement-only growth of a pool in the SQLite file |
//! | [`report`] | table and JSON |

pub mod api;
pub mod bulk;
pub mod cli;
pub mod device_flow;
pub mod driver;
pub mod report;
pub mod run;
pub mod scenarios;
pub mod seed;
pub mod server;
pub mod sigv4;
pub mod srp_flow;
pub mod totp_flow;
pub mod user_auth_flow;

pub use cli::Options;
pub use report::Report;
pub use run::run;
