//! Server-side verification of AWS Signature Version 4 on Cognito's admin operations.
//!
//! The AWS SDKs only *sign*; nothing published verifies on the server side, so this is
//! our own, checked against `aws-sigv4` in the tests. The request is taken apart into
//! plain parts (method, path, query, headers, body) so the HTTP layer stays out of here.
//!
//! Checks run in the order AWS's JSON front end uses, so a request with several problems
//! gets the same first error as from AWS:
//! 1. `Authorization` present and AWS4, else `MissingAuthenticationTokenException`;
//! 2. parameters parse; `Credential`, `SignedHeaders`, `Signature` and a date present
//!    (`IncompleteSignatureException`);
//! 3. date well-formed (`Incomplete…`) and within 15 minutes of now (`InvalidSignature…`);
//! 4. `host` signed (`InvalidSignature…`), algorithm supported and credential has five
//!    parts (`Incomplete…`); `x-amz-target` signed when the request has one
//!    (`InvalidSignature…`, Cognate's rule: docs/security.md);
//! 5. scope: region, service `cognito-idp`, `aws4_request`, date matching the request
//!    date (`InvalidSignature…`);
//! 6. access key known (`UnrecognizedClientException`);
//! 7. signature (`InvalidSignatureException`).

mod authorization;
mod canonical;
mod error;

#[cfg(test)]
mod tests;

pub use error::SigV4Error;
use error::shown;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use crate::primitives::{ct_eq, sha256};
use canonical::{ALGORITHM, CanonicalInput, canonical_header_value, canonical_request, signature, signing_key, string_to_sign};

/// The signing name of the Cognito User Pools API.
pub const SERVICE: &str = "cognito-idp";

/// How far the request date may be from our clock, either way.
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 15;

/// The parts of an HTTP request that SigV4 covers.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `POST` for every Cognito call.
    pub method: &'a str,
    /// Path as received, still percent-encoded (`/`).
    pub path: &'a str,
    /// Raw query string without `?` (empty for Cognito).
    pub query: &'a str,
    /// All request headers as `(name, value)`, names in any case, repeats allowed.
    /// Headers whose value is not UTF-8 may be left out: if signed, they will simply
    /// fail the signature.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes.
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// Values of header `name` (case-insensitive), in order of appearance.
    fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.header_values(name).next()
    }
}

/// Who signed an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCaller {
    /// The access key id from the credential scope.
    pub access_key_id: String,
    /// The region from the credential scope (pools are kept per region, like AWS does).
    pub region: String,
}

/// Verifies the signature with the secret `secret_for` returns for the access key id.
pub fn verify<F>(request: &Request<'_>, secret_for: F, now: DateTime<Utc>) -> Result<VerifiedCaller, SigV4Error>
where
    F: Fn(&str) -> Option<String>,
{
    let parsed = check_structure(request, Some(now))?;
    let secret = secret_for(parsed.access_key_id).ok_or(SigV4Error::UnrecognizedClient)?;

    let signed = signed_headers(request, &parsed)?;
    let payload_hash = payload_hash(request, &parsed)?;
    let creq = canonical_request(&CanonicalInput {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: &signed,
        payload_hash: &payload_hash,
    });
    let scope = format!("{}/{}/{}/aws4_request", parsed.scope_date, parsed.region, parsed.service);
    let sts = string_to_sign(&parsed.amz_date, &scope, &creq);
    let key = signing_key(&secret, parsed.scope_date, parsed.region, parsed.service);
    let expected = signature(&key, &sts);
    if ct_eq(expected.as_bytes(), parsed.signature.as_bytes()) { Ok(parsed.caller()) } else { Err(SigV4Error::SignatureMismatch) }
}

/// Accepts any request whose SigV4 header is well-formed, without knowing the secret:
/// for local development, where any `test`/`test` credentials should work (as with moto).
///
/// Everything [`verify`] checks is still checked (header shape, scope, `host` signed,
/// every signed header present, a 64-hex-digit signature, `x-amz-content-sha256` equal
/// to the body's hash) except the secret itself and the clock: a development server
/// often runs on an injected clock that real SDKs know nothing about.
pub fn verify_structure_only(request: &Request<'_>) -> Result<VerifiedCaller, SigV4Error> {
    let parsed = check_structure(request, None)?;
    if parsed.access_key_id.is_empty() {
        return Err(SigV4Error::UnrecognizedClient);
    }
    signed_headers(request, &parsed)?;
    payload_hash(request, &parsed)?;
    let sig = parsed.signature.as_bytes();
    if sig.len() != 64 || !sig.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(parsed.caller())
}

/// The validated pieces of the `Authorization` header and date.
struct Parsed<'a> {
    access_key_id: &'a str,
    scope_date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<String>,
    signature: &'a str,
    /// The request time in ISO-8601 basic format, as it enters the string to sign.
    amz_date: String,
}

impl Parsed<'_> {
    fn caller(&self) -> VerifiedCaller {
        VerifiedCaller { access_key_id: self.access_key_id.to_owned(), region: self.region.to_owned() }
    }
}

/// Steps 1–5 of the module doc. `now = None` skips the clock-skew check.
fn check_structure<'a>(request: &'a Request<'a>, now: Option<DateTime<Utc>>) -> Result<Parsed<'a>, SigV4Error> {
    let auth_value = request.header("authorization").ok_or(SigV4Error::MissingAuthenticationToken)?;
    let raw_date = request.header("x-amz-date").map(|d| (d, true)).or_else(|| request.header("date").map(|d| (d, false)));
    let auth = authorization::parse(auth_value, raw_date.is_some())?;
    let Some((raw_date, is_amz_date)) = raw_date else {
        // `parse` already reported the missing date; this is unreachable in practice.
        return Err(SigV4Error::IncompleteSignature(format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
             Authorization={}",
            shown(auth_value)
        )));
    };

    let date = parse_request_date(raw_date.trim(), is_amz_date).ok_or_else(|| {
        SigV4Error::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See \
             http://en.wikipedia.org/wiki/ISO_8601",
            shown(raw_date)
        ))
    })?;
    if let Some(now) = now {
        check_skew(date, now)?;
    }
    let amz_date = iso_basic(date);

    let signed_headers: Vec<String> = auth.signed_headers.split(';').map(|h| h.trim().to_ascii_lowercase()).collect();
    if !signed_headers.iter().any(|h| h == "host" || h == ":authority") {
        return Err(SigV4Error::InvalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into()));
    }
    if auth.algorithm != ALGORITHM {
        return Err(SigV4Error::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{}' (only AWS4-HMAC-SHA256 for now). ",
            shown(auth.algorithm)
        )));
    }

    // Trailing slashes are ignored, as AWS does.
    let parts: Vec<&str> = auth.credential.trim_end_matches('/').split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = parts[..] else {
        return Err(SigV4Error::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{}'",
            shown(auth.credential)
        )));
    };

    // The operation is part of what a signature vouches for: were `X-Amz-Target` left unsigned, a
    // captured DescribeUserPool call could be replayed as DeleteUserPool with the same body.
    if request.header("x-amz-target").is_some() && !signed_headers.iter().any(|h| h == "x-amz-target") {
        return Err(SigV4Error::InvalidSignature("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.".into()));
    }
    let mut scope_errors = String::new();
    if region.is_empty() || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        scope_errors.push_str(&format!("Credential should be scoped to a valid region, not '{}'. ", shown(region)));
    }
    if service != SERVICE {
        scope_errors.push_str(&format!("Credential should be scoped to correct service: '{SERVICE}'. "));
    }
    if terminator != "aws4_request" {
        scope_errors.push_str(&format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             '{}'. ",
            shown(terminator)
        ));
    }
    let request_day = amz_date.get(..8).unwrap_or_default();
    if scope_date != request_day {
        scope_errors.push_str(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{}' != '{request_day}', from '{amz_date}'.",
            shown(scope_date)
        ));
    }
    if !scope_errors.is_empty() {
        return Err(SigV4Error::InvalidSignature(scope_errors));
    }

    Ok(Parsed { access_key_id, scope_date, region, service, signed_headers, signature: auth.signature, amz_date })
}

/// `(name, canonical value)` for every signed header. A header listed in `SignedHeaders`
/// but absent from the request cannot be what the client signed.
fn signed_headers(request: &Request<'_>, parsed: &Parsed<'_>) -> Result<Vec<(String, String)>, SigV4Error> {
    parsed
        .signed_headers
        .iter()
        .map(|name| {
            let values: Vec<String> = request.header_values(name).map(canonical_header_value).collect();
            if values.is_empty() { Err(SigV4Error::SignatureMismatch) } else { Ok((name.clone(), values.join(","))) }
        })
        .collect()
}

/// Hex SHA-256 of the body. A signed `x-amz-content-sha256` (the JS SDK sends one) must
/// state that same hash, or the signature would vouch for a different body.
fn payload_hash(request: &Request<'_>, parsed: &Parsed<'_>) -> Result<String, SigV4Error> {
    let hash = hex::encode(sha256(&[request.body]));
    if parsed.signed_headers.iter().any(|h| h == "x-amz-content-sha256")
        && let Some(claimed) = request.header("x-amz-content-sha256")
        && !claimed.trim().eq_ignore_ascii_case(&hash)
    {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(hash)
}

/// `X-Amz-Date` must be ISO-8601 basic (`20261123T120000Z`); a `Date` header may also be
/// in HTTP (RFC 1123) form.
fn parse_request_date(raw: &str, is_amz_date: bool) -> Option<DateTime<Utc>> {
    if let Some(date) = parse_iso_basic(raw) {
        return Some(date);
    }
    if is_amz_date {
        return None;
    }
    DateTime::parse_from_rfc2822(raw).ok().map(|d| d.with_timezone(&Utc))
}

fn parse_iso_basic(raw: &str) -> Option<DateTime<Utc>> {
    let b = raw.as_bytes();
    let shape_ok = b.len() == 16 && b[8] == b'T' && b[15] == b'Z' && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    if !shape_ok {
        return None;
    }
    NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%SZ").ok().map(|d| d.and_utc())
}

fn iso_basic(date: DateTime<Utc>) -> String {
    date.format("%Y%m%dT%H%M%SZ").to_string()
}

/// AWS's 15-minute window, with its exact wording.
fn check_skew(date: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SigV4Error> {
    let skew = TimeDelta::minutes(MAX_CLOCK_SKEW_MINUTES);
    // Checked arithmetic: an absurd clock must not panic.
    let earliest = now.checked_sub_signed(skew).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let latest = now.checked_add_signed(skew).unwrap_or(DateTime::<Utc>::MAX_UTC);
    if date < earliest {
        return Err(SigV4Error::InvalidSignature(format!(
            "Signature expired: {} is now earlier than {} ({} - {MAX_CLOCK_SKEW_MINUTES} min.)",
            iso_basic(date),
            iso_basic(earliest),
            iso_basic(now)
        )));
    }
    if date > latest {
        return Err(SigV4Error::InvalidSignature(format!(
            "Signature not yet current: {} is still later than {} ({} + {MAX_CLOCK_SKEW_MINUTES} min.)",
            iso_basic(date),
            iso_basic(latest),
            iso_basic(now)
        )));
    }
    Ok(())
}
