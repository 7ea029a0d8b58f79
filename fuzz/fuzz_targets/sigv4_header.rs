//! SigV4 on a request whose `Authorization`, `X-Amz-Date`, `X-Amz-Content-Sha256` and
//! `X-Amz-Target` headers and body are the input's lines: both the local-mode structure check and
//! the full verification against a known key.
#![no_main]

use cognate_crypto::sigv4::{Request, verify, verify_structure_only};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(5, '\n');
    let mut next = || lines.next().unwrap_or("");
    let (authorization, date, sha, target, body) = (next(), next(), next(), next(), next());
    let headers = [
        ("host", "127.0.0.1:9229"),
        ("authorization", authorization),
        ("x-amz-date", date),
        ("x-amz-content-sha256", sha),
        ("x-amz-target", target),
    ];
    let request = Request { method: "POST", path: "/", query: "", headers: &headers, body: body.as_bytes() };
    let _ = verify_structure_only(&request);
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let _ = verify(&request, |id| (id == "AKIDFUZZ").then(|| "secret".to_string()), now);
});
