//! The SigV4 canonical request, string to sign and signing key.
//!
//! Written from AWS's "Create a canonical request for Signature Version 4" description and
//! checked against the published `get-vanilla` example and against `aws-sigv4` (the Rust
//! SDK's signer) in the tests.

use crate::primitives::{hmac_sha256, sha256};

/// The only algorithm SigV4 (not SigV4a) defines.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Inputs of the canonical request, already extracted from the HTTP request.
pub(crate) struct CanonicalInput<'a> {
    pub method: &'a str,
    /// Path as received on the wire (still percent-encoded).
    pub path: &'a str,
    /// Raw query string without the `?`.
    pub query: &'a str,
    /// `(lower-case name, canonical value)` for each signed header, in signed order.
    pub headers: &'a [(String, String)],
    /// Hex SHA-256 of the body.
    pub payload_hash: &'a str,
}

/// Builds the canonical request text.
///
/// The URI is the wire path encoded once more (AWS services other than S3 expect the
/// client to double-encode). Cognito only uses `POST /`, so path normalisation
/// (`.`/`..` segments) is not attempted.
pub(crate) fn canonical_request(input: &CanonicalInput<'_>) -> String {
    let path = if input.path.is_empty() { "/" } else { input.path };
    let uri = path.split('/').map(uri_encode).collect::<Vec<_>>().join("/");

    let mut out = String::new();
    out.push_str(input.method);
    out.push('\n');
    out.push_str(&uri);
    out.push('\n');
    out.push_str(&canonical_query(input.query));
    out.push('\n');
    for (name, value) in input.headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    let names: Vec<&str> = input.headers.iter().map(|(n, _)| n.as_str()).collect();
    out.push_str(&names.join(";"));
    out.push('\n');
    out.push_str(input.payload_hash);
    out
}

/// `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256(canonical request)>`.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", hex::encode(sha256(&[canonical_request.as_bytes()])))
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub(crate) fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_secret = format!("AWS4{secret}");
    let k_date = hmac_sha256(k_secret.as_bytes(), &[date.as_bytes()]);
    let k_region = hmac_sha256(&k_date, &[region.as_bytes()]);
    let k_service = hmac_sha256(&k_region, &[service.as_bytes()]);
    hmac_sha256(&k_service, &[b"aws4_request"])
}

/// Lower-case hex HMAC of the string to sign.
pub(crate) fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, &[string_to_sign.as_bytes()]))
}

/// A header value as it appears in the canonical request: trimmed, with runs of
/// whitespace collapsed to one space.
pub(crate) fn canonical_header_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Query parameters decoded, re-encoded the SigV4 way, and sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (uri_encode(&percent_decode(k)), uri_encode(&percent_decode(v)))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// RFC 3986 encoding of every byte except the unreserved characters, upper-case hex.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; malformed escapes are kept literally (never an error: the
/// signature check will fail instead if the client meant something else).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) =
                (bytes.get(i + 1).and_then(|c| char::from(*c).to_digit(16)), bytes.get(i + 2).and_then(|c| char::from(*c).to_digit(16)))
        {
            // Two hex digits: at most 0xFF, so the cast is lossless.
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published SigV4 test-suite case `get-vanilla` (credentials
    /// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1,
    /// service "service", 2015-08-30T12:36:00Z).
    #[test]
    fn get_vanilla() {
        let headers =
            vec![("host".to_owned(), "example.amazonaws.com".to_owned()), ("x-amz-date".to_owned(), "20150830T123600Z".to_owned())];
        let creq = canonical_request(&CanonicalInput {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            payload_hash: &hex::encode(sha256(&[])),
        });
        assert_eq!(
            creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sts = string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", &creq);
        assert_eq!(
            sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
        assert_eq!(signature(&key, &sts), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    #[test]
    fn query_is_sorted_and_reencoded() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("k=a%20b&x"), "k=a%20b&x=");
        assert_eq!(canonical_query("k=a+b&s=%2F%zz"), "k=a%2Bb&s=%2F%25zz");
    }

    #[test]
    fn path_is_encoded_again() {
        let creq = |path| canonical_request(&CanonicalInput { method: "POST", path, query: "", headers: &[], payload_hash: "" });
        assert!(creq("").starts_with("POST\n/\n"));
        assert!(creq("/").starts_with("POST\n/\n"));
        assert!(creq("/a%20b/c d").starts_with("POST\n/a%2520b/c%20d\n"));
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(canonical_header_value("  a   b \t c  "), "a b c");
        assert_eq!(canonical_header_value(""), "");
    }
}
