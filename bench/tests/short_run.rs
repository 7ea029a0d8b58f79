//! The tool against a server started in-process: a short run of a few scenarios must report
//! successes and no error of any kind. No timing is asserted.

use clap::Parser;
use cognate::config::{AdminKey, Config};
use cognate_bench::{Options, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_run_reports_no_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        port: 0,
        data_dir: dir.path().to_path_buf(),
        admin_keys: vec![AdminKey { access_key_id: "bench-test".into(), secret: "bench-test-secret".into() }],
        // The tool measures a node's capacity; request-rate limits would cap it.
        rate_limits: Some(false),
        ..Config::default()
    };
    let server = cognate::start(&config).await.expect("server starts");
    let endpoint = format!("http://{}", server.addr);
    let json = dir.path().join("report.json");
    let options = Options::parse_from([
        "cognate-bench",
        "--endpoint",
        &endpoint,
        "--users",
        "20",
        "--concurrency",
        "4",
        "--duration",
        "1s",
        "--scenarios",
        "get-user,set-user-mfa-preference,user-srp-auth",
        "--access-key-id",
        "bench-test",
        "--secret-access-key",
        "bench-test-secret",
        "--json",
        json.to_str().expect("utf-8 path"),
    ]);
    let report = run(&options).await.expect("the run completes");
    println!("{}", report.table());
    assert_eq!(report.scenarios.len(), 3);
    for s in &report.scenarios {
        assert!(s.errors.is_empty(), "{}: {:?} {:?}", s.scenario, s.errors, s.error_examples);
        assert!(s.ok > 0, "{} completed nothing", s.scenario);
    }
    server.stop().await;
}

/// The USER_AUTH sign-ins: EMAIL_OTP codes read from the signed outbox, passkeys registered while
/// seeding and asserted with a rising counter; and sign-ins on remembered devices (device SRP). More passkey users than concurrency is not needed:
/// with 4 tasks on 3 passkey users, tasks wait for a free user instead of sharing one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_auth_scenarios_report_no_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        port: 0,
        data_dir: dir.path().to_path_buf(),
        admin_keys: vec![AdminKey { access_key_id: "bench-test".into(), secret: "bench-test-secret".into() }],
        // The tool measures a node's capacity; request-rate limits would cap it.
        rate_limits: Some(false),
        ..Config::default()
    };
    let server = cognate::start(&config).await.expect("server starts");
    let endpoint = format!("http://{}", server.addr);
    let options = Options::parse_from([
        "cognate-bench",
        "--endpoint",
        &endpoint,
        "--users",
        "8",
        "--passkey-users",
        "3",
        "--device-users",
        "3",
        "--concurrency",
        "4",
        "--duration",
        "1s",
        "--scenarios",
        "user-auth-email-otp,user-auth-web-authn,remembered-device",
        "--access-key-id",
        "bench-test",
        "--secret-access-key",
        "bench-test-secret",
    ]);
    let report = run(&options).await.expect("the run completes");
    println!("{}", report.table());
    assert_eq!(report.passkey_users, 3);
    assert_eq!(
        report.scenarios.iter().map(|s| s.scenario.as_str()).collect::<Vec<_>>(),
        ["user-auth-email-otp", "user-auth-web-authn", "remembered-device"]
    );
    for s in &report.scenarios {
        assert!(s.errors.is_empty(), "{}: {:?} {:?}", s.scenario, s.errors, s.error_examples);
        assert!(s.ok > 0, "{} completed nothing", s.scenario);
        assert_eq!(s.unit, "sign-ins/s");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_admin_keys_fail_seeding_with_the_error_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        port: 0,
        data_dir: dir.path().to_path_buf(),
        admin_keys: vec![AdminKey { access_key_id: "bench-test".into(), secret: "bench-test-secret".into() }],
        // The tool measures a node's capacity; request-rate limits would cap it.
        rate_limits: Some(false),
        ..Config::default()
    };
    let server = cognate::start(&config).await.expect("server starts");
    let endpoint = format!("http://{}", server.addr);
    let options = Options::parse_from(["cognate-bench", "--endpoint", &endpoint, "--users", "1", "--secret-access-key", "wrong"]);
    let err = run(&options).await.expect_err("seeding must fail");
    assert!(err.starts_with("seeding failed: "), "{err}");
    server.stop().await;
}
