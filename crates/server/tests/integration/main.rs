//! The server's integration tests, one module per area, in one test binary so that the
//! AWS SDK and the server are linked once rather than once per file (`cargo test --test integration
//! sdk_mfa::` runs one module). A new test file belongs here as a module: a file directly under
//! `crates/server/tests/` would become a binary of its own, linking all of it again.
//!
//! Every module shares this process, so a test takes nothing process-wide for itself: each starts
//! its own server on port 0 with its own temporary data directory and (where it moves time) its own
//! manual clock, and a test on PostgreSQL gets a database of its own ([`common::postgres`]). Nothing
//! here sets environment variables or installs a global tracing subscriber.

mod common;

mod attribute_rights;
mod bad_input;
mod crafted_input;
mod delivery;
mod durability;
mod fuzz_bodies;
mod guessing;
mod janitor;
mod key_encryption;
mod logging;
mod multi_node;
mod outbox;
mod postgres_fault;
mod races;
mod rate_limits;
mod readme_operations;
mod refresh_reuse;
mod sdk_admin;
mod sdk_devices;
mod sdk_mfa;
mod sdk_passkeys;
mod sdk_signin;
mod sdk_user_auth;
mod sdk_wire_details;
mod sigv4;
mod user_existence;
