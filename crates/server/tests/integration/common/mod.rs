//! Shared by the integration tests: a server on a random port with its own data directory, an AWS
//! SDK client pointed at it, and a bare HTTP/1.1 client for requests no SDK would send.

pub mod authenticator;
pub mod devices;
pub mod postgres;

use std::net::SocketAddr;

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::{Client, Config as SdkConfig};
use cognate::config::{AdminKey, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct TestServer {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    running: Option<cognate::Running>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Vec::new()).await
    }

    /// With a clock the test moves by hand.
    pub async fn start_at(clock: std::sync::Arc<cognate_core::ManualClock>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config { port: 0, data_dir: dir.path().to_path_buf(), ..Config::default() };
        let running = cognate::start_with_clock(&config, clock).await.expect("server starts");
        TestServer { addr: running.addr, dir, running: Some(running) }
    }

    /// With `config` changed by `adjust` (port and data directory are the test's own).
    pub async fn start_configured(clock: std::sync::Arc<cognate_core::ManualClock>, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config { port: 0, data_dir: dir.path().to_path_buf(), ..Config::default() };
        adjust(&mut config);
        let running = cognate::start_with_clock(&config, clock).await.expect("server starts");
        TestServer { addr: running.addr, dir, running: Some(running) }
    }

    /// With admin keys configured, signatures are verified for real.
    pub async fn start_with(keys: Vec<(&str, &str)>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config {
            port: 0,
            data_dir: dir.path().to_path_buf(),
            admin_keys: keys.iter().map(|(k, s)| AdminKey { access_key_id: k.to_string(), secret: s.to_string() }).collect(),
            ..Config::default()
        };
        let running = cognate::start(&config).await.expect("server starts");
        TestServer { addr: running.addr, dir, running: Some(running) }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn client(&self) -> Client {
        self.client_with("test", "test")
    }

    /// An SDK client for any endpoint (local-mode credentials, no retries).
    pub fn client_for(endpoint: &str) -> Client {
        client_at(endpoint, "test", "test")
    }

    pub fn client_with(&self, key: &str, secret: &str) -> Client {
        client_at(&self.endpoint(), key, secret)
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// An SDK client for `endpoint` signing with `key` and `secret`, without retries.
pub fn client_at(endpoint: &str, key: &str, secret: &str) -> Client {
    let conf = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "static"))
        .retry_config(aws_sdk_cognitoidentityprovider::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn error_type(&self) -> String {
        self.json()["__type"].as_str().unwrap_or("").to_string()
    }
}

/// One request over a fresh connection, `Connection: close`, read to the end.
pub async fn raw(addr: SocketAddr, method: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    raw_at(addr, method, "/", headers, body).await
}

/// [`raw`] to another path (with its query string, already encoded).
pub async fn raw_path(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    raw_at(addr, method, path, headers, body).await
}

pub async fn raw_get(addr: SocketAddr, path: &str) -> RawResponse {
    raw_at(addr, "GET", path, &[], b"").await
}

pub async fn raw_at(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect::<Vec<_>>();
    // The server answers small bodies with content-length; chunked bodies are de-chunked crudely.
    let body = if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        dechunk(body)
    } else {
        body.to_string()
    };
    RawResponse { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The SigV4 headers (`authorization`, `x-amz-date`, ...) for a request to `path_and_query` signed
/// for `(key, secret)` at `time` (service `cognito-idp`), covering `host` and `headers`. None when the
/// signer refuses the request (the fuzz test's odd header values).
pub fn sigv4_headers(
    addr: SocketAddr,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    (key, secret): (&str, &str),
    time: std::time::SystemTime,
) -> Option<Vec<(String, String)>> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let host = addr.to_string();
    let identity = aws_credential_types::Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("cognito-idp")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let mut all = vec![("host", host.as_str())];
    all.extend_from_slice(headers);
    let signable =
        SignableRequest::new(method, format!("http://{host}{path_and_query}"), all.iter().copied(), SignableBody::Bytes(body)).ok()?;
    let (instructions, _) = sign(signable, &params).ok()?.into_parts();
    Some(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// An AWS JSON 1.1 call without a signature.
pub async fn call(addr: SocketAddr, op: &str, body: &str) -> RawResponse {
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    raw(addr, "POST", &[("content-type", "application/x-amz-json-1.1"), ("x-amz-target", &target)], body.as_bytes()).await
}

/// An AWS JSON 1.1 call signed with SigV4 for `key`/`secret` at `time`, optionally with the body
/// swapped after signing.
pub async fn signed_call(
    addr: SocketAddr,
    op: &str,
    body: &str,
    key: &str,
    secret: &str,
    time: std::time::SystemTime,
    send_body: Option<&str>,
) -> RawResponse {
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target.as_str())];
    let signed = sigv4_headers(addr, "POST", "/", &headers, body.as_bytes(), (key, secret), time).expect("sign");
    let mut all: Vec<(&str, &str)> = vec![("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target.as_str())];
    for (k, v) in &signed {
        all.push((k.as_str(), v.as_str()));
    }
    raw(addr, "POST", &all, send_body.unwrap_or(body).as_bytes()).await
}

/// A GET of `path_and_query` signed with SigV4 for `key`/`secret` (service `cognito-idp`).
pub async fn signed_get(addr: SocketAddr, path_and_query: &str, key: &str, secret: &str) -> RawResponse {
    let signed = sigv4_headers(addr, "GET", path_and_query, &[], b"", (key, secret), std::time::SystemTime::now()).expect("sign");
    let all: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    raw_path(addr, "GET", path_and_query, &all, b"").await
}

/// A CONFIRMED user with a permanent `password` and the given attributes, made through the admin
/// API as a pool's administrator would.
pub async fn confirmed_user(c: &Client, pool_id: &str, name: &str, password: &str, attrs: &[(&str, &str)]) {
    use aws_sdk_cognitoidentityprovider::types::AttributeType;
    let mut req = c.admin_create_user().user_pool_id(pool_id).username(name).message_action("SUPPRESS".into());
    for (k, v) in attrs {
        req = req.user_attributes(AttributeType::builder().name(*k).value(*v).build().expect("attribute"));
    }
    req.send().await.expect("AdminCreateUser");
    c.admin_set_user_password()
        .user_pool_id(pool_id)
        .username(name)
        .password(password)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");
}

/// The digits of the newest development-outbox message for `user` of `pool_id` (its code).
pub async fn outbox_code(addr: SocketAddr, pool_id: &str, user: &str) -> String {
    let r = raw_get(addr, &format!("/_cognate/outbox?pool={pool_id}&user={user}")).await;
    let body = r.json()["Messages"][0]["Body"].as_str().unwrap_or_default().to_string();
    body.chars().filter(|c| c.is_ascii_digit()).collect()
}
