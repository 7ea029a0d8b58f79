//! A black-box fuzz test: for every operation of the wire table, malformed bodies made from its
//! model input shape by a seeded generator (wrong types, huge and multibyte strings, deep nesting,
//! truncated JSON, invalid UTF-8, odd content types), sent over HTTP unsigned and SigV4-signed.
//! Every answer must be a 2xx or a typed 4xx JSON error: never a 5xx, never a dropped connection.
//!
//! Deterministic: the generator is a fixed-seed xorshift, and the number of cases per operation is
//! bounded, so the test takes seconds and a failure names the case that reproduces it.

use std::net::SocketAddr;

use cognate_wire::Operation;
use cognate_wire::generated::schema_data::SHAPES;
use cognate_wire::schema::{Kind, ShapeId, model_operation};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{TestServer, sigv4_headers};

/// Cases per operation, each sent twice (unsigned and signed).
const CASES_PER_OPERATION: u64 = 14;
const SEED: u64 = 0x00C0_6A7E_F022_5EED;

/// xorshift64*: small, seeded and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings that have broken parsers before: multibyte at every width, control characters, a byte
/// order mark, right-to-left marks, characters that look like syntax, a string past every limit.
fn odd_string(rng: &mut Rng) -> String {
    let pieces =
        ["é", "€", "😀", "\u{0}", "\u{1f}", "\u{feff}", "\u{202e}", "'", "\"", "\\", "%s", "{####}", "{username}", "../", "+", "@", " "];
    match rng.below(6) {
        0 => "é".repeat(70_000),
        1 => "x".repeat(70 * 1024),
        2 => String::new(),
        _ => (0..1 + rng.below(40)).map(|_| *rng.pick(&pieces)).collect(),
    }
}

/// A value for `shape`: mostly of the right JSON type with odd contents, sometimes of a wrong one.
fn value(rng: &mut Rng, shape: ShapeId, depth: usize, ids: &Ids) -> Value {
    if rng.chance(8) {
        return wrong_type(rng);
    }
    let Some(s) = SHAPES.get(shape) else { return Value::Null };
    match &s.kind {
        Kind::Str { enum_values, .. } => {
            if !enum_values.is_empty() && rng.chance(50) {
                return Value::String((*rng.pick(enum_values)).to_string());
            }
            match s.name {
                "UserPoolIdType" if rng.chance(60) => Value::String(ids.pool.clone()),
                "ClientIdType" if rng.chance(60) => Value::String(ids.client.clone()),
                _ => Value::String(odd_string(rng)),
            }
        }
        Kind::Blob { .. } => Value::String(odd_string(rng)),
        Kind::Int { .. } => rng.pick(&[json!(0), json!(-1), json!(2_147_483_648_i64), json!(i64::MAX), json!(1.5), json!(1e300)]).clone(),
        Kind::Bool => Value::Bool(rng.chance(50)),
        Kind::Timestamp => rng.pick(&[json!(0), json!(-1e300), json!(1.7e9)]).clone(),
        Kind::Document => nested(rng.below(200)),
        Kind::List { member, .. } => {
            let n = if depth > 3 { 0 } else { rng.below(4) };
            Value::Array((0..n).map(|_| value(rng, *member, depth + 1, ids)).collect())
        }
        Kind::Map { value: v, .. } => {
            let n = if depth > 3 { 0 } else { rng.below(4) };
            let mut map = Map::new();
            for _ in 0..n {
                map.insert(odd_string(rng), value(rng, *v, depth + 1, ids));
            }
            Value::Object(map)
        }
        Kind::Struct(members) => {
            let mut map = Map::new();
            for m in members.iter() {
                if depth <= 3 && (m.required || rng.chance(50)) {
                    map.insert(m.name.to_string(), value(rng, m.shape, depth + 1, ids));
                }
            }
            Value::Object(map)
        }
    }
}

fn wrong_type(rng: &mut Rng) -> Value {
    rng.pick(&[json!(null), json!(true), json!(-0.0), json!("s"), json!([1, "a"]), json!({"a": {}}), json!(12345678901234567890_u64)])
        .clone()
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!([inner]))
}

/// The real pool and client some cases name, so that handlers past validation run too.
struct Ids {
    pool: String,
    client: String,
}

/// One malformed request: its body and content type.
fn case(rng: &mut Rng, op: Operation, ids: &Ids) -> (Vec<u8>, &'static str) {
    let input = model_operation(op.name()).map_or(usize::MAX, |m| m.input);
    let body = value(rng, input, 0, ids);
    let text = body.to_string().into_bytes();
    let json_type = "application/x-amz-json-1.1";
    match rng.below(10) {
        // Cut anywhere, inside a character included.
        0 => {
            let cut = rng.below(text.len());
            (text[..cut].to_vec(), json_type)
        }
        // Deeper than any parser should follow.
        1 => (format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(), json_type),
        2 => (format!(r#"{{"A":{}}}"#, nested(127)).into_bytes(), json_type),
        // Not UTF-8.
        3 => {
            let mut bytes = text;
            let at = rng.below(bytes.len());
            bytes.insert(at, 0xC3);
            bytes.insert(at, 0xFF);
            (bytes, json_type)
        }
        // Not an object at the root.
        4 => (wrong_type(rng).to_string().into_bytes(), json_type),
        // Another content type: small bodies only, which the server may refuse unread.
        5 => (
            b"{}".to_vec(),
            *rng.pick(&["text/plain", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "", "application/xml"]),
        ),
        // Duplicate members and numbers no type holds.
        6 => (br#"{"MaxResults":1,"MaxResults":1e999,"Limit":-99999999999999999999999}"#.to_vec(), json_type),
        _ => (text, json_type),
    }
}

/// Sends one request on a fresh connection and returns the status (0 if the connection was dropped
/// without an answer) and the body.
async fn send(addr: SocketAddr, headers: &[(String, String)], body: &[u8]) -> (u16, Vec<u8>) {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { return (0, Vec::new()) };
    let mut head = format!("POST / HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // The server may answer (and close) before reading a body it refuses; the answer still counts.
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out);
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let start = out.windows(4).position(|w| w == b"\r\n\r\n").map_or(out.len(), |p| p + 4);
    (status, out[start..].to_vec())
}

/// SigV4 headers for `body` with the local-mode test credentials (any well-formed signature).
fn signature(addr: SocketAddr, target: &str, content_type: &str, body: &[u8]) -> Vec<(String, String)> {
    let headers = [("content-type", content_type), ("x-amz-target", target)];
    sigv4_headers(addr, "POST", "/", &headers, body, ("test", "test"), std::time::SystemTime::now()).unwrap_or_default()
}

#[tokio::test]
async fn malformed_bodies_for_every_operation_get_typed_answers() {
    let server = TestServer::start().await;
    let c = server.client();
    let pool = c.create_user_pool().pool_name("fuzz").send().await.expect("pool");
    let pool = pool.user_pool().and_then(|p| p.id()).unwrap_or_default().to_string();
    let client = c.create_user_pool_client().user_pool_id(&pool).client_name("fuzz").send().await.expect("client");
    let client = client.user_pool_client().and_then(|c| c.client_id()).unwrap_or_default().to_string();
    let ids = Ids { pool, client };

    let mut rng = Rng(SEED);
    let mut failures = Vec::new();
    for op in Operation::ALL {
        let target = format!("AWSCognitoIdentityProviderService.{}", op.name());
        for n in 0..CASES_PER_OPERATION {
            let (body, content_type) = case(&mut rng, *op, &ids);
            let mut headers = vec![("x-amz-target".to_string(), target.clone())];
            if !content_type.is_empty() {
                headers.push(("content-type".to_string(), content_type.to_string()));
            }
            for signed in [false, true] {
                let mut sent = headers.clone();
                if signed {
                    sent.extend(signature(server.addr, &target, content_type, &body));
                }
                let (status, answer) = send(server.addr, &sent, &body).await;
                let typed =
                    serde_json::from_slice::<Value>(&answer).ok().is_some_and(|v| v["__type"].as_str().is_some_and(|t| !t.is_empty()));
                let ok = match status {
                    200..=299 => serde_json::from_slice::<Value>(&answer).is_ok(),
                    400..=499 => typed,
                    _ => false,
                };
                if !ok {
                    let shown: String = String::from_utf8_lossy(&body).chars().take(200).collect();
                    failures.push(format!(
                        "{} case {n} signed={signed}: status {status}, answer {}, body {shown:?}",
                        op.name(),
                        String::from_utf8_lossy(&answer)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    server.stop().await;
}
