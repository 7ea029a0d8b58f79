//! Delivery through an HTTP webhook: each message is POSTed as JSON to one configured URL, signed
//! with a shared secret so the receiver can tell it came from Cognate (recipe in docs/delivery.md).
//!
//! - Body: `{"pool_id","username","channel","destination","subject"?,"body","purpose","message_id","timestamp"}`.
//! - Headers: `X-Cognate-Timestamp: <unix seconds>` and
//!   `X-Cognate-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
//! - Retries: connection errors, timeouts and 5xx answers are retried with exponential backoff,
//!   within a bounded total time; any other answer is final (2xx succeeds, 3xx and 4xx fail).
//!   Every attempt sends the same bytes, so delivery is at least once: receivers deduplicate on
//!   `message_id`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use sha2::Sha256;
use tokio::time::Instant;

use cognate_core::Clock;
use cognate_core::delivery::{DeliveryError, Message, Sender};

pub const SIGNATURE_HEADER: &str = "x-cognate-signature";
pub const TIMESTAMP_HEADER: &str = "x-cognate-timestamp";

/// Where and how to POST. [`WebhookConfig::new`] gives the defaults.
#[derive(Clone)]
pub struct WebhookConfig {
    /// `http://` or `https://` URL.
    pub url: String,
    /// Shared secret for the signature; never logged.
    pub secret: String,
    /// Limit for one attempt (connect, send, response head).
    pub request_timeout: Duration,
    /// Attempts in all, at least 1.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled before each further one.
    pub initial_backoff: Duration,
    /// No attempt starts, and none runs on, past this time after the first began.
    pub total_timeout: Duration,
}

impl WebhookConfig {
    /// 3 attempts, 5 s per attempt, 0.5 s then 1 s between them, 15 s in all.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            request_timeout: Duration::from_secs(5),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            total_timeout: Duration::from_secs(15),
        }
    }
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("request_timeout", &self.request_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("total_timeout", &self.total_timeout)
            .finish()
    }
}

/// The JSON document the receiver gets.
#[derive(Serialize)]
struct Payload<'a> {
    pool_id: &'a str,
    username: &'a str,
    channel: &'a str,
    destination: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    body: &'a str,
    purpose: &'a str,
    message_id: &'a str,
    timestamp: i64,
}

/// The request body for `message`.
pub fn payload(message: &Message, message_id: &str, timestamp: i64) -> Vec<u8> {
    let p = Payload {
        pool_id: &message.pool_id,
        username: &message.username,
        channel: message.channel.as_str(),
        destination: &message.destination,
        subject: message.subject.as_deref(),
        body: &message.body,
        purpose: message.purpose,
        message_id,
        timestamp,
    };
    // Serializing a struct of strings and an integer cannot fail.
    serde_json::to_vec(&p).unwrap_or_default()
}

/// `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the `X-Cognate-Signature` value.
pub fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Receiver side of [`signature`], in constant time (used by tests; a model for receivers).
pub fn verify_signature(secret: &[u8], timestamp: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

pub struct WebhookSender {
    config: WebhookConfig,
    uri: Uri,
    client: HttpClient,
    clock: Arc<dyn Clock>,
}

/// How one attempt ended.
enum Attempt {
    Delivered,
    /// Worth another try: a transport error, a timeout, a 5xx.
    Retry(String),
    /// Final: the receiver refused the message.
    Refused(StatusCode),
}

fn tls_config() -> Result<rustls::ClientConfig, DeliveryError> {
    let loaded = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
    if added == 0 {
        tracing::warn!("no CA certificates found: https webhook URLs will fail to connect");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DeliveryError(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl WebhookSender {
    pub fn new(config: WebhookConfig, clock: Arc<dyn Clock>) -> Result<Self, DeliveryError> {
        let uri: Uri = config.url.parse().map_err(|_| DeliveryError(format!("webhook URL `{}` is not a URL", config.url)))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => {
                return Err(DeliveryError(format!("webhook URL `{}` must start with http:// or https://", config.url)));
            }
        }
        if uri.host().is_none() {
            return Err(DeliveryError(format!("webhook URL `{}` has no host", config.url)));
        }
        if config.secret.is_empty() {
            return Err(DeliveryError("the webhook secret is empty".into()));
        }
        if config.max_attempts == 0 {
            return Err(DeliveryError("webhook max_attempts must be at least 1".into()));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls_config()?).https_or_http().enable_http1().build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(WebhookSender { config, uri, client, clock })
    }

    async fn attempt(&self, body: &Bytes, timestamp: &str, signature: &str) -> Attempt {
        let mut request = Request::new(Full::new(body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        let h = request.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(header::USER_AGENT, HeaderValue::from_static(concat!("cognate/", env!("CARGO_PKG_VERSION"))));
        for (name, value) in [(TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)] {
            match HeaderValue::from_str(value) {
                Ok(v) => {
                    h.insert(name, v);
                }
                Err(_) => return Attempt::Retry("unencodable header".into()),
            }
        }
        match self.client.request(request).await {
            Ok(response) => {
                let status = response.status();
                // Read (a bounded amount of) the answer so the connection can be reused.
                let _ = Limited::new(response.into_body(), 64 * 1024).collect().await;
                if status.is_success() {
                    Attempt::Delivered
                } else if status.is_server_error() {
                    Attempt::Retry(format!("HTTP {}", status.as_u16()))
                } else {
                    Attempt::Refused(status)
                }
            }
            Err(e) if e.is_connect() => Attempt::Retry("connection failed".into()),
            Err(_) => Attempt::Retry("request failed".into()),
        }
    }
}

#[async_trait]
impl Sender for WebhookSender {
    async fn send(&self, m: &Message) -> Result<(), DeliveryError> {
        let message_id = uuid::Uuid::new_v4().to_string();
        let timestamp = self.clock.now_secs();
        let body = Bytes::from(payload(m, &message_id, timestamp));
        let ts = timestamp.to_string();
        let sig = signature(self.config.secret.as_bytes(), &ts, &body);
        let deadline = Instant::now() + self.config.total_timeout;
        let mut backoff = self.config.initial_backoff;
        let mut last = String::from("no attempt made");
        let mut attempts = 0;
        while attempts < self.config.max_attempts {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            attempts += 1;
            let limit = self.config.request_timeout.min(remaining);
            let outcome =
                tokio::time::timeout(limit, self.attempt(&body, &ts, &sig)).await.unwrap_or_else(|_| Attempt::Retry("timed out".into()));
            match outcome {
                Attempt::Delivered => {
                    tracing::debug!(pool = %m.pool_id, purpose = m.purpose, %message_id, attempts, "webhook delivered");
                    return Ok(());
                }
                Attempt::Refused(status) => {
                    return Err(DeliveryError(format!("webhook refused the message with HTTP {}", status.as_u16())));
                }
                Attempt::Retry(reason) => {
                    tracing::warn!(pool = %m.pool_id, purpose = m.purpose, %message_id, attempt = attempts, %reason, "webhook attempt failed");
                    last = reason;
                }
            }
            if attempts < self.config.max_attempts {
                if backoff >= deadline.saturating_duration_since(Instant::now()) {
                    break;
                }
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        }
        Err(DeliveryError(format!("webhook failed after {attempts} attempt(s): {last}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_core::delivery::Channel;

    #[test]
    fn signature_known_answer() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",b"1700000000.{\"a\":1}",hashlib.sha256).hexdigest())'
        let sig = signature(b"whsec_test", "1700000000", br#"{"a":1}"#);
        assert_eq!(sig, "sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
        assert!(verify_signature(b"whsec_test", "1700000000", br#"{"a":1}"#, &sig));
        assert!(!verify_signature(b"whsec_test", "1700000001", br#"{"a":1}"#, &sig));
        assert!(!verify_signature(b"other", "1700000000", br#"{"a":1}"#, &sig));
        assert!(!verify_signature(b"whsec_test", "1700000000", br#"{"a":2}"#, &sig));
        assert!(!verify_signature(b"whsec_test", "1700000000", br#"{"a":1}"#, "sha256=zz"));
        assert!(!verify_signature(b"whsec_test", "1700000000", br#"{"a":1}"#, ""));
    }

    #[test]
    fn payload_members() {
        let m = Message {
            pool_id: "us-east-1_abc".into(),
            username: "alice".into(),
            channel: Channel::Sms,
            destination: "+15550100".into(),
            subject: None,
            body: "Your code is 1".into(),
            purpose: "SignUp",
        };
        let v: serde_json::Value = serde_json::from_slice(&payload(&m, "id-1", 1_700_000_000)).unwrap_or_default();
        assert_eq!(
            v,
            serde_json::json!({
                "pool_id": "us-east-1_abc", "username": "alice", "channel": "SMS",
                "destination": "+15550100", "body": "Your code is 1", "purpose": "SignUp",
                "message_id": "id-1", "timestamp": 1_700_000_000
            })
        );
        let m = Message { channel: Channel::Email, subject: Some("Hi".into()), ..m };
        let v: serde_json::Value = serde_json::from_slice(&payload(&m, "id-2", 1)).unwrap_or_default();
        assert_eq!(v["subject"], "Hi");
        assert_eq!(v["channel"], "EMAIL");
    }

    #[test]
    fn bad_configuration_is_refused() {
        let clock: Arc<dyn Clock> = Arc::new(cognate_core::SystemClock);
        for url in ["ftp://example.com/hook", "not a url", "/relative"] {
            assert!(WebhookSender::new(WebhookConfig::new(url, "s"), clock.clone()).is_err(), "{url}");
        }
        assert!(WebhookSender::new(WebhookConfig::new("http://127.0.0.1:1/h", ""), clock.clone()).is_err());
        let debug = format!("{:?}", WebhookConfig::new("http://x/", "topsecret"));
        assert!(!debug.contains("topsecret"));
    }
}
