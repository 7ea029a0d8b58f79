//! Sign-in: InitiateAuth and RespondToAuthChallenge (and their Admin forms) as one flow that
//! factors plug into. docs/sign-in.md (The flow) draws the state diagram.
//!
//! - [`context`]: where a sign-in takes place (pool, app client, admin or public call).
//! - [`policy`]: pure rules, table-tested: which flows a client allows, the MFA table, which first
//!   factors a user has and may use, which user states may sign in.
//! - [`session`]: the typed state a pending challenge keeps ([`ChallengeState`]), behind the
//!   opaque `Session` string the client carries.
//! - [`factors`]: one module per factor. Each starts its challenge or checks its answer and
//!   *returns* an [`Outcome`]; none decides what comes next.
//! - [`flow`]: the one place that decides what comes next (lockout bookkeeping, a forced password
//!   change, MFA, tokens). Devices, custom challenges and risk checks hook in here.

pub mod context;
pub mod errors;
pub mod factors;
pub mod flow;
pub mod lockout;
pub mod outcome;
pub mod params;
pub mod policy;
pub mod refresh;
pub mod session;
pub mod step;
pub mod subject;

pub use crate::store::ChallengeState;
pub use context::ClientContext;
pub use outcome::{Challenge, Outcome};
pub use step::Step;
