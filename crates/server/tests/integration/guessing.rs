//! Guessing codes and passwords through the AWS SDK for Rust, on SQLite and (when
//! `COGNATE_TEST_POSTGRES_URL` is set) PostgreSQL: parallel bursts of wrong codes make at most the
//! attempt limit's worth of real comparisons; asking again for a code does not buy fresh guesses
//! without end; a burst of passwords cannot slip past the lockout, nor can an SRP challenge opened
//! before it (docs/security.md, Guessing, lockout and refresh tokens).

use std::collections::HashMap;
use std::sync::Arc;

use crate::common;
use crate::common::TestServer;
use crate::common::postgres::ScratchDatabase;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SignInPolicyType, SmsMfaConfigType,
    SmsMfaSettingsType, UserPoolMfaType, UserPoolPolicyType, VerifiedAttributeType,
};
use cognate_core::ManualClock;
use cognate_crypto::srp;

const PASSWORD: &str = "Correct-horse-9";
const WRONG_PASSWORD: &str = "Wrong-horse-9";
const T0: i64 = 1_800_000_000_000;
const EMAIL: &str = "alice@example.com";
const PHONE: &str = "+14155550123";

const MISMATCH: &str = "CodeMismatchException: Invalid verification code provided, please try again.";
const SESSION_MISMATCH: &str = "CodeMismatchException: Invalid code or auth state for the user.";
const LIMIT: &str = "LimitExceededException: Attempt limit exceeded, please try after some time.";
/// The same refusal where the operation's documented errors have no LimitExceededException
/// (InitiateAuth, RespondToAuthChallenge): docs/security.md.
const SIGN_IN_LIMIT: &str = "NotAuthorizedException: Attempt limit exceeded, please try after some time.";
const SESSION_USED: &str = "NotAuthorizedException: Invalid session for the user, session can only be used once.";
const INCORRECT: &str = "NotAuthorizedException: Incorrect username or password.";
const LOCKED: &str = "NotAuthorizedException: Password attempts exceeded";

fn err_text<E: ProvideErrorMetadata>(e: &E) -> String {
    format!("{}: {}", e.code().unwrap_or(""), e.message().unwrap_or(""))
}

/// A server on SQLite or PostgreSQL with a clock the test moves, one pool and one app client.
struct F {
    c: Client,
    pool_id: String,
    client_id: String,
    clock: Arc<ManualClock>,
    server: TestServer,
    database: Option<ScratchDatabase>,
}

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// The fixture on `backend`; `None` (after saying so) when PostgreSQL is not configured.
async fn fixture(backend: Backend) -> Option<F> {
    let clock = Arc::new(ManualClock::new(T0));
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match ScratchDatabase::create("guessing").await {
            Some(db) => Some(db),
            None => {
                eprintln!("COGNATE_TEST_POSTGRES_URL not set: PostgreSQL guessing tests not run (scripts/test.sh sets it)");
                return None;
            }
        },
    };
    let url = database.as_ref().map(ScratchDatabase::url);
    let server = TestServer::start_configured(clock.clone(), |config| config.database_url = url).await;
    let c = server.client();
    let policy = UserPoolPolicyType::builder()
        .sign_in_policy(
            SignInPolicyType::builder()
                .set_allowed_first_auth_factors(Some(vec![AuthFactorType::Password, AuthFactorType::EmailOtp]))
                .build(),
        )
        .build();
    let pool_id = c
        .create_user_pool()
        .pool_name("guessing")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(policy)
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .sms_mfa_configuration(SmsMfaConfigType::builder().sms_authentication_message("Code {####}").build())
        .send()
        .await
        .expect("mfa config");
    let client_id = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id");
    Some(F { c, pool_id, client_id, clock, server, database })
}

impl F {
    /// A confirmed user with a password, a verified email and a verified phone number.
    async fn user(&self, name: &str) {
        let attrs = [("email", EMAIL), ("email_verified", "true"), ("phone_number", PHONE), ("phone_number_verified", "true")];
        common::confirmed_user(&self.c, &self.pool_id, name, PASSWORD, &attrs).await;
    }

    async fn code(&self, user: &str) -> String {
        common::outbox_code(self.server.addr, &self.pool_id, user).await
    }

    async fn password_sign_in(&self, user: &str, password: &str) -> Result<Option<ChallengeNameType>, String> {
        password_sign_in(&self.c, &self.client_id, user, password).await.map(|(challenge, _)| challenge)
    }

    async fn forgot_password(&self, user: &str) -> Result<(), String> {
        self.c
            .forgot_password()
            .client_id(&self.client_id)
            .username(user)
            .send()
            .await
            .map(drop)
            .map_err(|e| err_text(&e.into_service_error()))
    }

    async fn confirm_forgot_password(&self, user: &str, code: &str) -> Result<(), String> {
        confirm_forgot_password(&self.c, &self.client_id, user, code).await
    }

    async fn stop(self) {
        self.server.stop().await;
        if let Some(db) = self.database {
            db.drop().await;
        }
    }
}

async fn password_sign_in(
    c: &Client,
    client_id: &str,
    user: &str,
    password: &str,
) -> Result<(Option<ChallengeNameType>, Option<String>), String> {
    c.initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|out| (out.challenge_name().cloned(), out.session().map(str::to_string)))
        .map_err(|e| err_text(&e.into_service_error()))
}

async fn confirm_forgot_password(c: &Client, client_id: &str, user: &str, code: &str) -> Result<(), String> {
    c.confirm_forgot_password()
        .client_id(client_id)
        .username(user)
        .confirmation_code(code)
        .password("Brand-new-horse-9")
        .send()
        .await
        .map(drop)
        .map_err(|e| err_text(&e.into_service_error()))
}

async fn respond(c: &Client, client_id: &str, challenge: ChallengeNameType, session: &str, answers: &[(&str, &str)]) -> Result<(), String> {
    let mut req = c.respond_to_auth_challenge().client_id(client_id).challenge_name(challenge).session(session);
    for (k, v) in answers {
        req = req.challenge_responses(*k, *v);
    }
    req.send().await.map(drop).map_err(|e| err_text(&e.into_service_error()))
}

/// A code of `len` digits that is not `code`.
fn wrong(code: &str) -> String {
    let digit = if code.starts_with('1') { "2" } else { "1" };
    digit.repeat(code.len())
}

/// How many of `outcomes` were each answer (`"ok"` for success).
fn tally(outcomes: Vec<Result<(), String>>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for o in outcomes {
        *counts.entry(o.err().unwrap_or_else(|| "ok".into())).or_insert(0) += 1;
    }
    counts
}

async fn join_all<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

/// Ten parallel wrong codes make exactly five real comparisons, the code's attempt limit; the
/// others are refused without one, and so is the right code once the limit is reached. (The right
/// code racing wrong ones is the store conformance suite's `concurrent_code_guesses`: here, a code
/// used up by a right guess would make the later wrong ones look compared.)
async fn parallel_wrong_codes(backend: Backend) {
    let Some(f) = fixture(backend).await else { return };
    f.c.sign_up()
        .client_id(&f.client_id)
        .username("sam")
        .password(PASSWORD)
        .user_attributes(AttributeType::builder().name("email").value("sam@example.com").build().expect("attribute"))
        .send()
        .await
        .expect("sign up");
    f.user("alice").await;
    f.forgot_password("alice").await.expect("forgot password");
    let confirm_sign_up = |code: String| {
        let (c, client_id) = (f.c.clone(), f.client_id.clone());
        async move {
            let out = c.confirm_sign_up().client_id(client_id).username("sam").confirmation_code(code).send().await;
            out.map(drop).map_err(|e| err_text(&e.into_service_error()))
        }
    };
    let confirm_reset = |code: String| {
        let (c, client_id) = (f.c.clone(), f.client_id.clone());
        async move { confirm_forgot_password(&c, &client_id, "alice", &code).await }
    };
    for (user, operation) in [("sam", "ConfirmSignUp"), ("alice", "ConfirmForgotPassword")] {
        let code = f.code(user).await;
        let tasks = (0..10)
            .map(|_| {
                let guess = wrong(&code);
                if user == "sam" { tokio::spawn(confirm_sign_up(guess)) } else { tokio::spawn(confirm_reset(guess)) }
            })
            .collect();
        let counts = tally(join_all(tasks).await);
        assert_eq!(counts.get(MISMATCH), Some(&5), "{backend:?} {operation}: exactly the attempt limit's worth of comparisons: {counts:?}");
        assert_eq!(counts.get(LIMIT), Some(&5), "{backend:?} {operation}: {counts:?}");
        let late = if user == "sam" { confirm_sign_up(code).await } else { confirm_reset(code).await };
        assert_eq!(late, Err(LIMIT.to_string()), "{backend:?} {operation}: the right code after the limit");
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_codes_on_sqlite() {
    parallel_wrong_codes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_codes_on_postgres() {
    parallel_wrong_codes(Backend::Postgres).await;
}

/// The codes kept in a challenge session (EMAIL_OTP as the first factor, SMS_MFA as the second):
/// a burst of answers makes at most three comparisons, the session's limit, then the session is over.
async fn parallel_wrong_session_codes(backend: Backend) {
    let Some(f) = fixture(backend).await else { return };
    f.user("alice").await;
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
            .send()
            .await
            .expect("EMAIL_OTP challenge");
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let session = out.session().expect("session").to_string();
    let code = f.code("alice").await;
    let burst = |challenge: ChallengeNameType, session: String, field: &'static str, code: String| {
        (0..11)
            .map(|i| {
                let (c, client_id, session, challenge) = (f.c.clone(), f.client_id.clone(), session.clone(), challenge.clone());
                let guess = if i == 5 { code.clone() } else { wrong(&code) };
                tokio::spawn(async move { respond(&c, &client_id, challenge, &session, &[("USERNAME", "alice"), (field, &guess)]).await })
            })
            .collect::<Vec<_>>()
    };
    let counts = tally(join_all(burst(ChallengeNameType::EmailOtp, session, "EMAIL_OTP_CODE", code)).await);
    let compared = counts.get(SESSION_MISMATCH).unwrap_or(&0) + counts.get("ok").unwrap_or(&0);
    assert!(compared <= 3, "{backend:?}: EMAIL_OTP: at most three comparisons: {counts:?}");
    assert_eq!(counts.get(SESSION_USED).copied().unwrap_or(0), 11 - compared, "{backend:?}: {counts:?}");

    // SMS_MFA after the password.
    f.c.admin_set_user_mfa_preference()
        .user_pool_id(&f.pool_id)
        .username("alice")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .expect("SMS MFA on");
    let (challenge, session) = f.password_sign_in_with_session("alice").await;
    assert_eq!(challenge, Some(ChallengeNameType::SmsMfa));
    let code = f.code("alice").await;
    let counts = tally(join_all(burst(ChallengeNameType::SmsMfa, session, "SMS_MFA_CODE", code)).await);
    let compared = counts.get(SESSION_MISMATCH).unwrap_or(&0) + counts.get("ok").unwrap_or(&0);
    assert!(compared <= 3, "{backend:?}: SMS_MFA: at most three comparisons: {counts:?}");
    assert_eq!(counts.get(SESSION_USED).copied().unwrap_or(0), 11 - compared, "{backend:?}: {counts:?}");
    f.stop().await;
}

impl F {
    async fn password_sign_in_with_session(&self, user: &str) -> (Option<ChallengeNameType>, String) {
        let (challenge, session) = password_sign_in(&self.c, &self.client_id, user, PASSWORD).await.expect("password");
        (challenge, session.unwrap_or_default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_session_codes_on_sqlite() {
    parallel_wrong_session_codes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_session_codes_on_postgres() {
    parallel_wrong_session_codes(Backend::Postgres).await;
}

/// Ten requests and wrong codes per user and purpose in an hour, then `LimitExceededException` until
/// the hour is over: asking again for a code does not buy fresh guesses without end.
async fn resends_and_failures_share_a_window(backend: Backend) {
    let Some(f) = fixture(backend).await else { return };
    f.user("alice").await;
    // ForgotPassword: a request, five wrong codes, the right one too late (the code's own limit),
    // another request and two wrong codes: ten. The eleventh of either kind is refused, the right
    // code included.
    f.forgot_password("alice").await.expect("request 1");
    let code = f.code("alice").await;
    for _ in 0..5 {
        assert_eq!(f.confirm_forgot_password("alice", &wrong(&code)).await, Err(MISMATCH.to_string()));
    }
    assert_eq!(f.confirm_forgot_password("alice", &code).await, Err(LIMIT.to_string()), "the code's own limit");
    f.forgot_password("alice").await.expect("request 2");
    let code = f.code("alice").await;
    for _ in 0..2 {
        assert_eq!(f.confirm_forgot_password("alice", &wrong(&code)).await, Err(MISMATCH.to_string()));
    }
    assert_eq!(f.forgot_password("alice").await, Err(LIMIT.to_string()), "{backend:?}: the window is full");
    assert_eq!(f.confirm_forgot_password("alice", &code).await, Err(LIMIT.to_string()), "{backend:?}: no more comparisons either");
    f.clock.advance_ms(3_600_000);
    f.forgot_password("alice").await.expect("a new hour");
    f.confirm_forgot_password("alice", &f.code("alice").await).await.expect("the new code");

    // ResendConfirmationCode: SignUp's code and nine more, then refused.
    f.c.sign_up()
        .client_id(&f.client_id)
        .username("sam")
        .password(PASSWORD)
        .user_attributes(AttributeType::builder().name("email").value("sam@example.com").build().expect("attribute"))
        .send()
        .await
        .expect("sign up");
    let resend = || f.c.resend_confirmation_code().client_id(&f.client_id).username("sam").send();
    for i in 0..9 {
        resend().await.unwrap_or_else(|e| panic!("{backend:?}: resend {i}: {}", err_text(&e.into_service_error())));
    }
    assert_eq!(resend().await.map(drop).map_err(|e| err_text(&e.into_service_error())), Err(LIMIT.to_string()), "{backend:?}");

    // GetUserAttributeVerificationCode.
    f.user("bob").await;
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in");
    let token = out.authentication_result().and_then(|r| r.access_token()).expect("access token").to_string();
    let ask = || f.c.get_user_attribute_verification_code().access_token(&token).attribute_name("email").send();
    for i in 0..10 {
        ask().await.unwrap_or_else(|e| panic!("{backend:?}: request {i}: {}", err_text(&e.into_service_error())));
    }
    assert_eq!(ask().await.map(drop).map_err(|e| err_text(&e.into_service_error())), Err(LIMIT.to_string()), "{backend:?}");

    // EMAIL_OTP sign-in: ten codes asked for, then refused.
    f.user("carol").await;
    let otp = || {
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
            .send()
    };
    for i in 0..10 {
        otp().await.unwrap_or_else(|e| panic!("{backend:?}: EMAIL_OTP {i}: {}", err_text(&e.into_service_error())));
    }
    assert_eq!(otp().await.map(drop).map_err(|e| err_text(&e.into_service_error())), Err(SIGN_IN_LIMIT.to_string()), "{backend:?}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resends_and_failures_share_a_window_on_sqlite() {
    resends_and_failures_share_a_window(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resends_and_failures_share_a_window_on_postgres() {
    resends_and_failures_share_a_window(Backend::Postgres).await;
}

/// MFA codes go out only after the password, so sign-ins left unanswered do not fill the window
/// (a user signing in again and again is not refused); wrong MFA answers do, across sessions.
async fn mfa_window_counts_answers_not_sends(backend: Backend) {
    let Some(f) = fixture(backend).await else { return };
    f.user("dana").await;
    f.c.admin_set_user_mfa_preference()
        .user_pool_id(&f.pool_id)
        .username("dana")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .expect("SMS MFA on");
    for i in 0..15 {
        let (challenge, _) = f.password_sign_in_with_session("dana").await;
        assert_eq!(challenge, Some(ChallengeNameType::SmsMfa), "{backend:?}: sign-in {i} left unanswered");
    }
    // Ten wrong answers over five sessions fill the window; the eleventh answer, right, is refused.
    for _ in 0..5 {
        let (_, session) = f.password_sign_in_with_session("dana").await;
        let code = f.code("dana").await;
        for _ in 0..2 {
            let guess = wrong(&code);
            let answer = [("USERNAME", "dana"), ("SMS_MFA_CODE", guess.as_str())];
            assert_eq!(respond(&f.c, &f.client_id, ChallengeNameType::SmsMfa, &session, &answer).await, Err(SESSION_MISMATCH.to_string()));
        }
    }
    let (_, session) = f.password_sign_in_with_session("dana").await;
    let code = f.code("dana").await;
    let answer = [("USERNAME", "dana"), ("SMS_MFA_CODE", code.as_str())];
    assert_eq!(
        respond(&f.c, &f.client_id, ChallengeNameType::SmsMfa, &session, &answer).await,
        Err(SIGN_IN_LIMIT.to_string()),
        "{backend:?}"
    );
    f.clock.advance_ms(3_600_000);
    let (_, session) = f.password_sign_in_with_session("dana").await;
    let code = f.code("dana").await;
    let answer = [("USERNAME", "dana"), ("SMS_MFA_CODE", code.as_str())];
    respond(&f.c, &f.client_id, ChallengeNameType::SmsMfa, &session, &answer).await.expect("a new hour");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mfa_window_counts_answers_not_sends_on_sqlite() {
    mfa_window_counts_answers_not_sends(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mfa_window_counts_answers_not_sends_on_postgres() {
    mfa_window_counts_answers_not_sends(Backend::Postgres).await;
}

/// Four wrong passwords, then ten at once with the right one among them: the fifth attempt is the
/// last compared (it locks the user), every other one is refused without checking the password.
async fn password_burst_cannot_pass_the_lockout(backend: Backend) {
    let Some(f) = fixture(backend).await else { return };
    f.user("alice").await;
    for _ in 0..4 {
        assert_eq!(f.password_sign_in("alice", WRONG_PASSWORD).await, Err(INCORRECT.to_string()));
    }
    let tasks = (0..10)
        .map(|i| {
            let (c, client_id) = (f.c.clone(), f.client_id.clone());
            let password = if i == 5 { PASSWORD } else { WRONG_PASSWORD };
            tokio::spawn(async move { password_sign_in(&c, &client_id, "alice", password).await.map(drop) })
        })
        .collect();
    let counts = tally(join_all(tasks).await);
    let compared = counts.get(INCORRECT).unwrap_or(&0) + counts.get("ok").unwrap_or(&0);
    assert_eq!(compared, 1, "{backend:?}: one comparison, the fifth attempt: {counts:?}");
    assert_eq!(counts.get(LOCKED), Some(&9), "{backend:?}: {counts:?}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_burst_cannot_pass_the_lockout_on_sqlite() {
    password_burst_cannot_pass_the_lockout(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_burst_cannot_pass_the_lockout_on_postgres() {
    password_burst_cannot_pass_the_lockout(Backend::Postgres).await;
}

/// USER_SRP_AUTH: the PASSWORD_VERIFIER challenge and the parameters to answer it with.
async fn open_srp(f: &F, user: &str) -> (srp::client::ClientSecret, HashMap<String, String>) {
    let (secret, srp_a) = srp::client::start();
    let out =
        f.c.initiate_auth()
            .client_id(&f.client_id)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", user)
            .auth_parameters("SRP_A", srp_a)
            .send()
            .await
            .expect("PASSWORD_VERIFIER");
    (secret, out.challenge_parameters().cloned().unwrap_or_default())
}

async fn answer_srp(f: &F, (secret, p): &(srp::client::ClientSecret, HashMap<String, String>), password: &str) -> Result<(), String> {
    let timestamp = srp::format_timestamp(chrono::DateTime::from_timestamp_millis(f.clock_ms()).expect("time"));
    let signature = srp::client::respond(
        secret,
        &srp::client::Challenge {
            pool_name: srp::pool_name(&f.pool_id),
            user_id_for_srp: &p["USER_ID_FOR_SRP"],
            password,
            salt_hex: &p["SALT"],
            srp_b_hex: &p["SRP_B"],
            secret_block_b64: &p["SECRET_BLOCK"],
            timestamp: &timestamp,
        },
    )
    .expect("client signature");
    let answers = [
        ("USERNAME", p["USER_ID_FOR_SRP"].as_str()),
        ("PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"].as_str()),
        ("PASSWORD_CLAIM_SIGNATURE", signature.as_str()),
        ("TIMESTAMP", timestamp.as_str()),
    ];
    let mut req = f.c.respond_to_auth_challenge().client_id(&f.client_id).challenge_name(ChallengeNameType::PasswordVerifier);
    for (k, v) in answers {
        req = req.challenge_responses(k, v);
    }
    req.send().await.map(drop).map_err(|e| err_text(&e.into_service_error()))
}

impl F {
    fn clock_ms(&self) -> i64 {
        cognate_core::Clock::now_ms(&*self.clock)
    }
}

/// SRP challenges opened before the lockout: their wrong answers count towards it, and once it
/// holds, the right answer to one of them is refused like any password attempt.
async fn srp_challenges_opened_before_the_lockout(backend: Backend) {
    let Some(f) = fixture(backend).await else { return };
    f.user("alice").await;
    let mut challenges = Vec::new();
    for _ in 0..6 {
        challenges.push(open_srp(&f, "alice").await);
    }
    let right = challenges.pop().expect("six");
    for challenge in &challenges {
        assert_eq!(answer_srp(&f, challenge, WRONG_PASSWORD).await, Err(INCORRECT.to_string()), "{backend:?}");
    }
    assert_eq!(answer_srp(&f, &right, PASSWORD).await, Err(LOCKED.to_string()), "{backend:?}: opened before the lockout");
    assert_eq!(f.password_sign_in("alice", PASSWORD).await, Err(LOCKED.to_string()), "{backend:?}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn srp_challenges_opened_before_the_lockout_on_sqlite() {
    srp_challenges_opened_before_the_lockout(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn srp_challenges_opened_before_the_lockout_on_postgres() {
    srp_challenges_opened_before_the_lockout(Backend::Postgres).await;
}
