//! What the running `cognate` binary says in its log about one-time codes, and when it refuses to
//! start because a code could only reach the development outbox. These run the real binary and read
//! its output, as an operator would.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{client_at, signed_get};
use aws_sdk_cognitoidentityprovider::types::{ExplicitAuthFlowsType, VerifiedAttributeType};

const KEY: &str = "AKIDLOGGINGTEST";
const SECRET: &str = "logging/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// The binary, running, with everything it printed so far.
struct Cognate {
    child: Child,
    output: Arc<Mutex<String>>,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Cognate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(args: &[&str], dir: &tempfile::TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cognate"));
    c.args(["--port", "0", "--data-dir"]).arg(dir.path()).args(args);
    // Only what the test gives: no cognate.toml or COGNATE_* of the machine running the tests.
    c.current_dir(dir.path()).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn collect(stream: impl std::io::Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut out = into.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str(&line);
            out.push('\n');
        }
    });
}

/// Start the binary and wait for its "listening" line.
fn start(args: &[&str]) -> Cognate {
    let dir = tempfile::tempdir().expect("data dir");
    let mut child = command(args, &dir).spawn().expect("run cognate");
    let output = Arc::new(Mutex::new(String::new()));
    collect(child.stdout.take().expect("stdout"), output.clone());
    collect(child.stderr.take().expect("stderr"), output.clone());
    // Owned from here, so the process is killed and reaped however the wait below ends.
    let mut server = Cognate { child, output, addr: SocketAddr::from(([127, 0, 0, 1], 0)), _dir: dir };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = server.output.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(addr) = text.lines().find(|l| l.contains("cognate listening")).and_then(listening_addr) {
            server.addr = addr;
            return server;
        }
        assert!(Instant::now() < deadline, "cognate did not start:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn listening_addr(line: &str) -> Option<SocketAddr> {
    line.split_whitespace().find_map(|w| w.strip_prefix("addr=")).and_then(|a| a.parse().ok())
}

/// Sign a new user up in a pool that confirms email, and return the code the outbox holds.
async fn sign_up_and_read_code(server: &Cognate, key: &str, secret: &str) -> String {
    let endpoint = format!("http://{}", server.addr);
    let c = client_at(&endpoint, key, secret);
    let pool = c.create_user_pool().pool_name("logs").auto_verified_attributes(VerifiedAttributeType::Email).send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_string();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .expect("client");
    let client_id = client.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_string();
    c.sign_up()
        .client_id(&client_id)
        .username("alice")
        .password("Correct-horse-9")
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("email")
                .value("alice@example.com")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("sign up");
    let listed = signed_get(server.addr, &format!("/_cognate/outbox?pool={pool_id}&user=alice"), key, secret).await;
    let body = listed.json()["Messages"][0]["Body"].as_str().unwrap_or_default().to_string();
    let code: String = body.chars().filter(|c| c.is_ascii_digit()).collect();
    assert_eq!(code.len(), 6, "a code in the outbox: {body}");
    code
}

fn output_of(server: &Cognate) -> String {
    // Give the log a moment to be flushed by the server's writer.
    std::thread::sleep(Duration::from_millis(200));
    server.output.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

#[tokio::test]
async fn codes_reach_the_log_in_local_mode_only() {
    let local = start(&[]);
    let code = sign_up_and_read_code(&local, "test", "test").await;
    assert!(output_of(&local).contains(&code), "local mode logs the outbox's messages (their purpose)");

    let keyed = start(&["--admin-key", &format!("{KEY}:{SECRET}")]);
    let code = sign_up_and_read_code(&keyed, KEY, SECRET).await;
    let log = output_of(&keyed);
    assert!(log.contains("message stored in the outbox"), "the log says a message was stored:\n{log}");
    assert!(!log.contains(&code), "the code must not be in the log outside local mode:\n{log}");
}

#[tokio::test]
async fn a_network_address_refuses_to_send_codes_only_to_the_outbox() {
    let dir = tempfile::tempdir().expect("data dir");
    let out = command(&["--bind", "0.0.0.0", "--admin-key", &format!("{KEY}:{SECRET}")], &dir).output().expect("run cognate");
    assert!(!out.status.success(), "it must not start");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("email and SMS would go to the development outbox on 0.0.0.0"), "{text}");
    assert!(text.contains("--outbox"), "the message says how to ask for it: {text}");

    // Asked for explicitly, it starts (and answers).
    let server = start(&["--bind", "0.0.0.0", "--admin-key", &format!("{KEY}:{SECRET}"), "--outbox", "true"]);
    let health = crate::common::raw_get(SocketAddr::from(([127, 0, 0, 1], server.addr.port())), "/health").await;
    assert_eq!(health.status, 200);
}
