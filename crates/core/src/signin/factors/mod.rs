//! One module per factor. Each starts its challenge (`begin` / `challenge`) or checks an answer
//! (`answer`) and returns an `Outcome`: a challenge to issue, a first factor passed, a complete
//! sign-in. None of them calls back into the flow (`signin/flow.rs`), which alone decides what
//! comes next; they only share helpers (a code challenge, the session store).

pub mod choice;
pub mod device_srp;
pub mod mfa_code;
pub mod mfa_setup;
pub mod new_password;
pub mod one_time_code;
pub mod password;
pub mod select_mfa;
pub mod sign_up_session;
pub mod srp;
pub mod totp;
pub mod webauthn;
