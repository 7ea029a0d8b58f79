//! Message delivery against real peers on loopback: the webhook against a small HTTP listener, SMTP
//! (lettre) against an in-test SMTP server that speaks the protocol and records what it is sent, and
//! the router built from the server configuration.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use cognate::config::{Config, WebhookSettings};
use cognate_core::delivery::{Channel, Message, Sender, purpose};
use cognate_core::store::Store;
use cognate_core::{Clock, SystemClock};
use cognate_delivery::{SmtpConfig, SmtpSender, SmtpTls, WebhookConfig, WebhookSender};
use cognate_store::{SqliteOptions, SqliteStore};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const SECRET: &str = "whsec_0123456789abcdef";

fn sms(body: &str) -> Message {
    Message {
        pool_id: "us-east-1_TestPool1".into(),
        username: "alice".into(),
        channel: Channel::Sms,
        destination: "+15555550100".into(),
        subject: None,
        body: body.into(),
        purpose: purpose::SIGN_UP,
    }
}

fn email(body: &str) -> Message {
    Message {
        channel: Channel::Email,
        destination: "alice@example.com".into(),
        subject: Some("Your verification code".into()),
        ..sms(body)
    }
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver: answers each request with the next status of its script (then 200).

#[derive(Debug, Clone)]
struct Hit {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Hit {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

struct Receiver {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("http://{}/hooks/cognate", self.addr)
    }
}

/// `None` in the script: accept the request and never answer.
async fn receiver(script: Vec<Option<u16>>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(Mutex::new(Vec::new()));
    let recorded = hits.clone();
    tokio::spawn(async move {
        let mut script = script.into_iter();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let answer = script.next().unwrap_or(Some(200));
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                    return;
                }
                let mut parts = request_line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let path = parts.next().unwrap_or("").to_string();
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        headers.push((k.trim().to_string(), v.trim().to_string()));
                    }
                }
                let length = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.parse::<usize>().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                if let Ok(mut h) = recorded.lock() {
                    h.push(Hit { method, path, headers, body });
                }
                let Some(status) = answer else {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                };
                let response = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                let mut stream = reader.into_inner();
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Receiver { addr, hits }
}

fn quick(url: &str) -> WebhookConfig {
    WebhookConfig {
        initial_backoff: Duration::from_millis(50),
        request_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        ..WebhookConfig::new(url, SECRET)
    }
}

fn webhook(config: WebhookConfig) -> WebhookSender {
    WebhookSender::new(config, Arc::new(SystemClock)).expect("webhook sender")
}

/// The receiver's side of the signature, computed here independently of the sender's code.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("hmac key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn webhook_posts_signed_json() {
    let rx = receiver(vec![Some(204)]).await;
    let before = SystemClock.now_secs();
    webhook(quick(&rx.url())).send(&sms("Your verification code is 123456. ")).await.expect("delivered");
    let hits = rx.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.method, "POST");
    assert_eq!(hit.path, "/hooks/cognate");
    assert_eq!(hit.header("content-type"), Some("application/json"));
    let ts = hit.header("x-cognate-timestamp").expect("timestamp header");
    let ts_num: i64 = ts.parse().expect("unix seconds");
    assert!(ts_num >= before && ts_num <= SystemClock.now_secs());
    assert_eq!(hit.header("x-cognate-signature"), Some(expected_signature(ts, &hit.body).as_str()));
    let doc: serde_json::Value = serde_json::from_slice(&hit.body).expect("JSON body");
    assert_eq!(doc["pool_id"], "us-east-1_TestPool1");
    assert_eq!(doc["username"], "alice");
    assert_eq!(doc["channel"], "SMS");
    assert_eq!(doc["destination"], "+15555550100");
    assert_eq!(doc["body"], "Your verification code is 123456. ");
    assert_eq!(doc["purpose"], "SignUp");
    assert_eq!(doc["timestamp"], ts_num);
    assert!(doc.get("subject").is_none());
    assert_eq!(doc["message_id"].as_str().map(str::len), Some(36));

    // Email carries its subject.
    let rx = receiver(vec![]).await;
    webhook(quick(&rx.url())).send(&email("Code 1")).await.expect("delivered");
    let doc: serde_json::Value = serde_json::from_slice(&rx.hits()[0].body).expect("JSON body");
    assert_eq!(doc["channel"], "EMAIL");
    assert_eq!(doc["subject"], "Your verification code");
}

#[tokio::test]
async fn webhook_retries_a_500_then_succeeds_with_the_same_signed_bytes() {
    let rx = receiver(vec![Some(500), Some(200)]).await;
    webhook(quick(&rx.url())).send(&sms("Your code is 1")).await.expect("delivered on the second attempt");
    let hits = rx.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body, hits[1].body);
    assert_eq!(hits[0].header("x-cognate-signature"), hits[1].header("x-cognate-signature"));
    let ts = hits[1].header("x-cognate-timestamp").expect("timestamp");
    assert_eq!(hits[1].header("x-cognate-signature"), Some(expected_signature(ts, &hits[1].body).as_str()));
}

#[tokio::test]
async fn webhook_does_not_retry_a_4xx() {
    let rx = receiver(vec![Some(400), Some(200)]).await;
    let err = webhook(quick(&rx.url())).send(&sms("Your code is 1")).await.expect_err("refused");
    assert!(err.0.contains("400"), "{err}");
    assert!(!err.0.contains("Your code"), "no message text in errors");
    assert_eq!(rx.hits().len(), 1);
}

#[tokio::test]
async fn webhook_gives_up_after_three_attempts() {
    let rx = receiver(vec![Some(503), Some(502), Some(500), Some(200)]).await;
    let err = webhook(quick(&rx.url())).send(&sms("x")).await.expect_err("all attempts fail");
    assert!(err.0.contains("3 attempt"), "{err}");
    assert_eq!(rx.hits().len(), 3);
}

#[tokio::test]
async fn webhook_retries_refused_connections_within_bounded_time() {
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("addr")
    };
    let started = Instant::now();
    let err = webhook(quick(&format!("http://{addr}/h"))).send(&sms("x")).await.expect_err("nobody listens");
    assert!(err.0.contains("3 attempt"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn webhook_times_out_a_silent_receiver() {
    let rx = receiver(vec![None, None, None]).await;
    let config = WebhookConfig {
        request_timeout: Duration::from_millis(300),
        total_timeout: Duration::from_millis(1500),
        initial_backoff: Duration::from_millis(50),
        ..WebhookConfig::new(rx.url(), SECRET)
    };
    let started = Instant::now();
    let err = webhook(config).send(&sms("x")).await.expect_err("never answered");
    assert!(err.0.contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(2500));
    assert!((1..=3).contains(&rx.hits().len()));
}

// ---------------------------------------------------------------------------------------------
// The SMTP server: enough of RFC 5321 for a real client (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA
// with dot-unstuffing, RSET, NOOP, QUIT); it records every command and every message.

#[derive(Debug, Clone, Default)]
struct Mail {
    auth: Option<String>,
    from: String,
    to: Vec<String>,
    data: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.data.split_once("\r\n\r\n")?;
        head.split("\r\n").find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name))).map(|(_, v)| v.trim().to_string())
    }

    fn body(&self) -> String {
        self.data.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
    }
}

#[derive(Clone, Default)]
struct SmtpLog {
    commands: Arc<Mutex<Vec<String>>>,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpLog {
    fn commands(&self) -> Vec<String> {
        self.commands.lock().map(|c| c.clone()).unwrap_or_default()
    }
    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

async fn smtp_server() -> (SocketAddr, SmtpLog) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let log = SmtpLog::default();
    let shared = log.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = shared.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, log).await;
            });
        }
    });
    (addr, log)
}

async fn smtp_session(stream: tokio::net::TcpStream, log: SmtpLog) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut mail = Mail::default();
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if let Ok(mut c) = log.commands.lock() {
            c.push(line.clone());
        }
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000000\r\n".into()
        } else if upper.starts_with("HELO") {
            "250 sink.test\r\n".into()
        } else if let Some(initial) = upper.strip_prefix("AUTH PLAIN") {
            let mut response = line[line.len() - initial.len()..].trim().to_string();
            if response.is_empty() {
                write.write_all(b"334 \r\n").await?;
                let mut next = String::new();
                lines.read_line(&mut next).await?;
                response = next.trim().to_string();
            }
            let decoded = base64::engine::general_purpose::STANDARD.decode(response).unwrap_or_default();
            mail.auth = Some(String::from_utf8_lossy(&decoded).to_string());
            "235 2.7.0 Authentication successful\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = line[10..].trim().to_string();
            "250 2.1.0 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().to_string());
            "250 2.1.5 OK\r\n".into()
        } else if upper == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if lines.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            mail.data = data;
            if let Ok(mut m) = log.mails.lock() {
                m.push(std::mem::take(&mut mail));
            }
            "250 2.0.0 OK queued\r\n".into()
        } else if upper == "RSET" || upper == "NOOP" {
            "250 OK\r\n".into()
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 Bye\r\n").await?;
            return Ok(());
        } else {
            "502 5.5.2 Command not implemented\r\n".into()
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

fn smtp_config(addr: SocketAddr, tls: SmtpTls) -> SmtpConfig {
    SmtpConfig {
        host: addr.ip().to_string(),
        port: addr.port(),
        tls,
        username: Some("mailer".into()),
        password: Some("smtp-pass-123".into()),
        from: "Cognate <noreply@example.com>".into(),
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn smtp_delivers_an_email_through_a_real_smtp_conversation() {
    let (addr, log) = smtp_server().await;
    let sender = SmtpSender::new(&smtp_config(addr, SmtpTls::None)).expect("smtp sender");
    sender.send(&email("Your verification code is 654321. ")).await.expect("sent");
    let mails = log.mails();
    assert_eq!(mails.len(), 1, "{:?}", log.commands());
    let mail = &mails[0];
    assert_eq!(mail.auth.as_deref(), Some("\0mailer\0smtp-pass-123"));
    assert_eq!(mail.from, "<noreply@example.com>");
    assert_eq!(mail.to, vec!["<alice@example.com>".to_string()]);
    assert_eq!(mail.header("Subject").as_deref(), Some("Your verification code"));
    assert_eq!(mail.header("From").as_deref(), Some("Cognate <noreply@example.com>"));
    assert_eq!(mail.header("To").as_deref(), Some("alice@example.com"));
    assert!(mail.header("Content-Type").is_some_and(|c| c.starts_with("text/plain")));
    assert!(mail.header("Message-ID").is_some_and(|id| id.ends_with("@example.com>")));
    assert!(mail.body().contains("Your verification code is 654321."));
    let commands = log.commands();
    assert!(commands.iter().any(|c| c.starts_with("EHLO")));
    assert!(commands.iter().any(|c| c == "QUIT"), "{commands:?}");

    // An HTML template goes out as HTML.
    sender.send(&email("<p>Your code is <b>1</b></p>")).await.expect("sent");
    let mails = log.mails();
    assert!(mails[1].header("Content-Type").is_some_and(|c| c.starts_with("text/html")));
}

#[tokio::test]
async fn smtp_starttls_is_required_not_opportunistic() {
    // The server does not offer STARTTLS: nothing may be sent, least of all the password.
    let (addr, log) = smtp_server().await;
    let sender = SmtpSender::new(&smtp_config(addr, SmtpTls::StartTls)).expect("smtp sender");
    let err = sender.send(&email("code 1")).await.expect_err("no TLS");
    assert!(!err.0.contains("code 1"));
    assert!(log.commands().iter().any(|c| c.starts_with("EHLO")), "the client did talk to the server: {err}");
    assert!(log.mails().is_empty());
    assert!(!log.commands().iter().any(|c| c.starts_with("AUTH") || c.starts_with("MAIL")), "{:?}", log.commands());
}

#[tokio::test]
async fn smtp_sends_email_only() {
    let (addr, log) = smtp_server().await;
    let sender = SmtpSender::new(&smtp_config(addr, SmtpTls::None)).expect("smtp sender");
    assert!(sender.send(&sms("code")).await.is_err());
    assert!(log.commands().is_empty());
}

// ---------------------------------------------------------------------------------------------
// The router as the server builds it from its configuration.

async fn store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(&dir.path().join("cognate.db"), SqliteOptions::default()).await.expect("store"))
}

#[tokio::test]
async fn configured_channels_bypass_the_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir).await;
    let (smtp_addr, smtp_log) = smtp_server().await;
    let rx = receiver(vec![]).await;
    let config = Config {
        smtp: Some(SmtpConfig { username: None, password: None, ..smtp_config(smtp_addr, SmtpTls::None) }),
        webhook: Some(WebhookSettings { url: rx.url(), secret: SECRET.into(), channels: vec![Channel::Sms] }),
        ..Config::default()
    };
    let delivery = cognate::delivery(&config, store.clone(), Arc::new(SystemClock)).expect("delivery");
    delivery.send(&email("email code 1")).await.expect("email");
    delivery.send(&sms("sms code 2")).await.expect("sms");
    assert_eq!(smtp_log.mails().len(), 1);
    assert!(smtp_log.mails()[0].auth.is_none());
    assert_eq!(rx.hits().len(), 1);
    let kept = store.list_messages("us-east-1_TestPool1", None, 10).await.expect("outbox");
    assert!(kept.is_empty(), "{kept:?}");

    // Unconfigured, everything lands in the outbox, newest first.
    let delivery = cognate::delivery(&Config::default(), store.clone(), Arc::new(SystemClock)).expect("delivery");
    delivery.send(&email("email code 3")).await.expect("email");
    delivery.send(&sms("sms code 4")).await.expect("sms");
    let kept = store.list_messages("us-east-1_TestPool1", Some("alice"), 10).await.expect("outbox");
    let bodies: Vec<&str> = kept.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, vec!["sms code 4", "email code 3"]);
}

#[tokio::test]
async fn a_webhook_for_email_is_used_when_smtp_is_not_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir).await;
    let rx = receiver(vec![]).await;
    let config = Config {
        webhook: Some(WebhookSettings { url: rx.url(), secret: SECRET.into(), channels: vec![Channel::Email] }),
        ..Config::default()
    };
    let delivery = cognate::delivery(&config, store.clone(), Arc::new(SystemClock)).expect("delivery");
    delivery.send(&email("e")).await.expect("email");
    delivery.send(&sms("s")).await.expect("sms");
    assert_eq!(rx.hits().len(), 1);
    let kept = store.list_messages("us-east-1_TestPool1", None, 10).await.expect("outbox");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].channel, "SMS");
}

#[tokio::test]
async fn a_bad_webhook_url_stops_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir).await;
    let config = Config {
        webhook: Some(WebhookSettings { url: "ftp://example.com/".into(), secret: SECRET.into(), channels: vec![Channel::Sms] }),
        ..Config::default()
    };
    assert!(cognate::delivery(&config, store, Arc::new(SystemClock)).is_err());
}
