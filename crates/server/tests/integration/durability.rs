//! Acknowledged writes survive the server being killed with SIGKILL and started again.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::{Client, Config};

/// Start the real binary on a free port and return it with its address, read from its log.
fn spawn(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .env("COGNATE_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cognate");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("cognate exited before listening").expect("read log");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_string();
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

fn client(endpoint: &str) -> Client {
    Client::from_conf(
        Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .build(),
    )
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, endpoint) = spawn(dir.path());
    let c = client(&endpoint);
    let pool_id = c
        .create_user_pool()
        .pool_name("durable")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    let client_id = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id");
    for i in 0..50 {
        c.admin_create_user().user_pool_id(&pool_id).username(format!("user{i:02}")).send().await.expect("user");
    }
    c.create_group().user_pool_id(&pool_id).group_name("g").send().await.expect("group");
    c.admin_add_user_to_group().user_pool_id(&pool_id).username("user07").group_name("g").send().await.expect("member");
    c.admin_disable_user().user_pool_id(&pool_id).username("user08").send().await.expect("disable");

    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let (mut child, endpoint) = spawn(dir.path());
    let c = client(&endpoint);
    c.describe_user_pool().user_pool_id(&pool_id).send().await.expect("pool survived");
    c.describe_user_pool_client().user_pool_id(&pool_id).client_id(&client_id).send().await.expect("client survived");
    let mut count = 0;
    let mut token = None;
    loop {
        let page = c.list_users().user_pool_id(&pool_id).set_pagination_token(token).send().await.expect("list");
        count += page.users().len();
        token = page.pagination_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(count, 50, "every acknowledged user is there");
    let members = c.list_users_in_group().user_pool_id(&pool_id).group_name("g").send().await.expect("members");
    assert_eq!(members.users().len(), 1);
    assert!(!c.admin_get_user().user_pool_id(&pool_id).username("user08").send().await.expect("user").enabled());
    child.kill().expect("kill");
    let _ = child.wait();
}

/// The SQLite store is cached in the server's memory, so a second process on the same data
/// directory would serve stale users: it must refuse to start, saying why.
#[test]
fn a_second_server_on_the_same_data_dir_refuses_to_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut first, _addr) = spawn(dir.path());
    let second = Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(["--port", "0", "--data-dir"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run a second cognate");
    let _ = first.kill();
    let _ = first.wait();
    assert!(!second.status.success(), "the second server started on a locked data dir");
    let said = format!("{}{}", String::from_utf8_lossy(&second.stdout), String::from_utf8_lossy(&second.stderr));
    assert!(said.contains("in use by another cognate process"), "{said}");
}
