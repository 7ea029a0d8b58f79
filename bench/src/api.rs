//! AWS JSON 1.1 calls over one pooled hyper 1 client (keep-alive), spread round-robin over one or
//! more endpoints (several nodes sharing a database); and, for the hot loop of the token
//! scenarios, [`Connection`]: one HTTP/1.1 connection owned by one load task.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::sigv4::Signer;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// Why a call (or a multi-call sign-in) did not succeed. `kind` is what the report counts: the
/// answer's `__type` for a non-2xx answer, `HTTP <status>` without one, `transport: …` when no
/// answer came, `unexpected: …` for a 2xx answer that is not what the scenario needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: String,
    pub message: String,
}

impl Failure {
    pub fn unexpected(what: impl Into<String>) -> Self {
        let what = what.into();
        Failure { kind: format!("unexpected: {what}"), message: what }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// One request, encoded once and sent many times.
#[derive(Debug, Clone)]
pub struct Prepared {
    target: http::HeaderValue,
    body: Bytes,
}

impl Prepared {
    pub fn new(op: &str, body: &Value) -> Result<Self, Failure> {
        let target = http::HeaderValue::from_str(&format!("{TARGET_PREFIX}{op}")).map_err(|e| transport(e.to_string()))?;
        let body = serde_json::to_vec(body).map_err(|e| transport(format!("encode: {e}")))?;
        Ok(Prepared { target, body: Bytes::from(body) })
    }
}

struct Endpoint {
    uri: http::Uri,
    host: String,
}

/// One keep-alive HTTP/1.1 connection (hyper's low-level client) owned by one load task, which
/// also drives it: no connection pool to check out of and into, and no hand-over to a separate
/// connection task on every request. The load generator shares the machine with the server it
/// measures; with the pooled client it used about as much CPU as the server.
pub struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    driver: hyper::client::conn::http1::Connection<hyper_util::rt::TokioIo<tokio::net::TcpStream>, Full<Bytes>>,
    uri: http::Uri,
    host: http::HeaderValue,
}

impl Connection {
    /// Sends `op` and waits for the whole answer, which is not needed when it is a success: the
    /// token scenarios' hot loop. Skipping the JSON work on both ends keeps the load generator's
    /// share of a shared machine small, so more of it is left to the server being measured.
    /// Failures are parsed and counted by `__type` as everywhere else.
    pub async fn call_prepared(&mut self, op: &Prepared) -> Result<(), Failure> {
        let mut request = http::Request::new(Full::new(op.body.clone()));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(http::header::HOST, self.host.clone());
        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(CONTENT_TYPE));
        headers.insert("x-amz-target", op.target.clone());
        let sender = &mut self.sender;
        let exchange = async move {
            let response =
                sender.send_request(request).await.map_err(|e| Failure { kind: "transport: request".into(), message: format!("{e:?}") })?;
            let status = response.status();
            let body = response.into_body().collect().await.map_err(|e| transport(format!("reading the answer: {e}")))?.to_bytes();
            Ok::<_, Failure>((status, body))
        };
        // The connection makes progress only while it is polled: poll it alongside the exchange.
        let (status, body) = tokio::select! {
            biased;
            answer = exchange => answer?,
            closed = &mut self.driver => {
                return Err(Failure { kind: "transport: request".into(), message: format!("connection closed: {closed:?}") });
            }
        };
        if status.is_success() {
            return Ok(());
        }
        Err(failure(status, &body))
    }
}

#[derive(Clone)]
pub struct Api {
    client: Client<HttpConnector, Full<Bytes>>,
    endpoints: Arc<Vec<Endpoint>>,
    next: Arc<AtomicUsize>,
    signer: Signer,
}

impl Api {
    pub fn new(endpoints: &[String], signer: Signer) -> Result<Self, String> {
        let mut parsed = Vec::new();
        for e in endpoints {
            let uri: http::Uri = e.parse().map_err(|err| format!("endpoint {e}: {err}"))?;
            if uri.scheme_str() != Some("http") {
                return Err(format!("endpoint {e}: only http:// is supported"));
            }
            let host = uri.authority().map(|a| a.to_string()).ok_or_else(|| format!("endpoint {e}: no host"))?;
            parsed.push(Endpoint { uri, host });
        }
        if parsed.is_empty() {
            return Err("no endpoint".into());
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(1024).build(connector);
        Ok(Api { client, endpoints: Arc::new(parsed), next: Arc::new(AtomicUsize::new(0)), signer: signer.clone() })
    }

    /// An unsigned call (public and access-token operations).
    pub async fn call(&self, op: &str, body: &Value) -> Result<Value, Failure> {
        self.send(op, body, false).await
    }

    /// A new [`Connection`] to the next endpoint in turn.
    pub async fn connect(&self) -> Result<Connection, Failure> {
        let endpoint = &self.endpoints[self.next.fetch_add(1, Ordering::Relaxed) % self.endpoints.len()];
        let connect_error = |e: &dyn std::fmt::Display| Failure { kind: "transport: connect".into(), message: e.to_string() };
        let stream = tokio::net::TcpStream::connect(endpoint.host.as_str()).await.map_err(|e| connect_error(&e))?;
        stream.set_nodelay(true).map_err(|e| connect_error(&e))?;
        let (sender, driver) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(|e| connect_error(&e))?;
        let host = http::HeaderValue::from_str(&endpoint.host).map_err(|e| connect_error(&e))?;
        Ok(Connection { sender, driver, uri: endpoint.uri.clone(), host })
    }

    /// A SigV4-signed call (admin operations).
    pub async fn admin(&self, op: &str, body: &Value) -> Result<Value, Failure> {
        self.send(op, body, true).await
    }

    async fn send(&self, op: &str, body: &Value, signed: bool) -> Result<Value, Failure> {
        let endpoint = &self.endpoints[self.next.fetch_add(1, Ordering::Relaxed) % self.endpoints.len()];
        let target = format!("{TARGET_PREFIX}{op}");
        let bytes = serde_json::to_vec(body).map_err(|e| transport(format!("encode: {e}")))?;
        let mut request = http::Request::post(&endpoint.uri).header("content-type", CONTENT_TYPE).header("x-amz-target", &target);
        if signed {
            for (k, v) in self.signer.headers(&endpoint.host, &target, &bytes).map_err(transport)? {
                request = request.header(k, v);
            }
        }
        let request = request.body(Full::new(Bytes::from(bytes))).map_err(|e| transport(e.to_string()))?;
        self.answer(request).await
    }

    /// Sends `request`: the JSON of a 2xx answer, or the failure by kind.
    async fn answer(&self, request: http::Request<Full<Bytes>>) -> Result<Value, Failure> {
        let (status, body) = self.exchange(request).await?;
        if status.is_success() {
            return Ok(serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
        Err(failure(status, &body))
    }

    /// Sends `request`: the status and whole body of the answer, or a transport failure.
    async fn exchange(&self, request: http::Request<Full<Bytes>>) -> Result<(http::StatusCode, Bytes), Failure> {
        let response = self.client.request(request).await.map_err(|e| {
            let kind = if e.is_connect() { "connect" } else { "request" };
            Failure { kind: format!("transport: {kind}"), message: format!("{e:?}") }
        })?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| transport(format!("reading the answer: {e}")))?.to_bytes();
        Ok((status, body))
    }

    /// A SigV4-signed `GET <path_and_query>` answered with JSON (the development outbox), on the
    /// endpoints in turn.
    pub async fn admin_get(&self, path_and_query: &str) -> Result<Value, Failure> {
        let endpoint = &self.endpoints[self.next.fetch_add(1, Ordering::Relaxed) % self.endpoints.len()];
        let uri = format!("{}{}", endpoint.uri.to_string().trim_end_matches('/'), path_and_query);
        let mut request = http::Request::get(uri);
        for (k, v) in self.signer.get_headers(&endpoint.host, path_and_query).map_err(transport)? {
            request = request.header(k, v);
        }
        let request = request.body(Full::new(Bytes::new())).map_err(|e| transport(e.to_string()))?;
        self.answer(request).await
    }

    /// `GET <path>` on the first endpoint; the status code, or `None` if nothing answered.
    pub async fn get_status(&self, path: &str) -> Option<u16> {
        let uri = format!("{}{}", self.endpoints[0].uri.to_string().trim_end_matches('/'), path);
        let request = http::Request::get(uri).body(Full::new(Bytes::new())).ok()?;
        let response = self.client.request(request).await.ok()?;
        Some(response.status().as_u16())
    }
}

/// A non-2xx answer, counted by its `__type` (or its status when it has none).
fn failure(status: http::StatusCode, body: &[u8]) -> Failure {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    Failure { kind: error_type(&json).unwrap_or_else(|| format!("HTTP {}", status.as_u16())), message: message(&json, body) }
}

/// A failure before any answer: the report counts these as `transport: local`.
fn transport(message: impl Into<String>) -> Failure {
    Failure { kind: "transport: local".into(), message: message.into() }
}

/// `__type`, without the `namespace#` prefix the real service sometimes adds.
fn error_type(json: &Value) -> Option<String> {
    let t = json.get("__type")?.as_str()?;
    Some(t.rsplit('#').next().unwrap_or(t).to_string())
}

fn message(json: &Value, raw: &[u8]) -> String {
    match json.get("message").or_else(|| json.get("Message")).and_then(Value::as_str) {
        Some(m) => m.to_string(),
        None => String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned(),
    }
}
