//! The pure rules of sign-in, decided from the pool, the client and the user alone (no I/O), so
//! they are table-tested beside the code. Where AWS leaves a rule open, the choice is written in
//! docs/mfa.md or docs/user-auth.md.

pub mod first_factors;
pub mod flows;
pub mod mfa;
pub mod user_state;
