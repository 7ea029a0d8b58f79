//! SigV4 verification tests. Signatures are produced independently by `aws-sigv4`, the
//! signer inside the AWS SDK for Rust, over the header sets the real clients send
//! (docs/clients.md, What the clients send).

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use chrono::{DateTime, TimeZone, Utc};

use super::*;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOST: &str = "127.0.0.1:9229";
const BODY: &[u8] = br#"{"UserPoolId":"us-east-1_AbC123","Username":"alice"}"#;

fn signing_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn system_time(t: DateTime<Utc>) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(t.timestamp()).unwrap())
}

/// The three client families' headers (before signing adds x-amz-date / authorization /
/// x-amz-content-sha256), and whether the signer adds x-amz-content-sha256.
fn client_headers(client: &str) -> (Vec<(String, String)>, bool) {
    let len = BODY.len().to_string();
    let common = |extra: &[(&str, &str)]| {
        let mut h: Vec<(String, String)> = vec![
            ("Host".into(), HOST.into()),
            ("Content-Type".into(), "application/x-amz-json-1.1".into()),
            ("X-Amz-Target".into(), "AWSCognitoIdentityProviderService.AdminGetUser".into()),
        ];
        h.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        h
    };
    match client {
        // CLI v1 / boto3: content-type;host;x-amz-date;x-amz-target
        "boto3" => (common(&[("User-Agent", "Boto3/1.44.5 md/Botocore#1.44.5 ua/2.1 os/linux")]), false),
        // Rust: content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent
        "rust" => (
            common(&[
                ("content-length", &len),
                ("x-amz-user-agent", "aws-sdk-rust/1.3.9 api/cognitoidentityprovider/1.144.0"),
                ("user-agent", "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0"),
            ]),
            false,
        ),
        // JS v3: amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;
        //        x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent
        "js" => (
            common(&[
                ("amz-sdk-invocation-id", "8d1e5a4c-2f0b-4b57-9d3c-6e2f1a7b9c00"),
                ("amz-sdk-request", "attempt=1; max=3"),
                ("content-length", &len),
                ("x-amz-user-agent", "aws-sdk-js/3.1169.0"),
            ]),
            true,
        ),
        other => panic!("unknown client {other}"),
    }
}

/// Signs with aws-sigv4 and returns the complete header list the client would send.
fn sign_with_sdk(
    headers: &[(String, String)],
    body: &[u8],
    at: DateTime<Utc>,
    secret: &str,
    service: &str,
    with_content_sha: bool,
) -> Vec<(String, String)> {
    let identity = Credentials::new(AKID, secret, None, None, "test").into();
    let mut settings = SigningSettings::default();
    if with_content_sha {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(system_time(at))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        format!("http://{HOST}/"),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let (added, _) = instructions.into_parts();
    let mut all = headers.to_vec();
    all.extend(added.iter().map(|h| (h.name().to_owned(), h.value().to_owned())));
    all
}

fn signed(client: &str) -> Vec<(String, String)> {
    let (headers, sha) = client_headers(client);
    sign_with_sdk(&headers, BODY, signing_time(), SECRET, "cognito-idp", sha)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap()
}

fn run(headers: &[(String, String)], body: &[u8], now: DateTime<Utc>) -> Result<VerifiedCaller, SigV4Error> {
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = Request { method: "POST", path: "/", query: "", headers: &borrowed, body };
    verify(&request, |akid| (akid == AKID).then(|| SECRET.to_owned()), now)
}

fn run_structure_only(headers: &[(String, String)], body: &[u8]) -> Result<VerifiedCaller, SigV4Error> {
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    verify_structure_only(&Request { method: "POST", path: "/", query: "", headers: &borrowed, body })
}

fn caller() -> VerifiedCaller {
    VerifiedCaller { access_key_id: AKID.into(), region: "us-east-1".into() }
}

fn replace(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    headers.iter().map(|(n, v)| if n.eq_ignore_ascii_case(name) { (n.clone(), value.to_owned()) } else { (n.clone(), v.clone()) }).collect()
}

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case(name)).cloned().collect()
}

#[test]
fn sdk_header_sets_are_accepted() {
    for (client, expected_signed) in [
        ("boto3", "content-type;host;x-amz-date;x-amz-target"),
        ("rust", "content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent"),
        (
            "js",
            "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;\
             x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent",
        ),
    ] {
        let headers = signed(client);
        let auth = header(&headers, "authorization");
        assert!(auth.contains(&format!("SignedHeaders={expected_signed},")), "{client}: {auth}");
        assert_eq!(run(&headers, BODY, signing_time()), Ok(caller()), "{client}");
        assert_eq!(run_structure_only(&headers, BODY), Ok(caller()), "{client}");
    }
}

#[test]
fn clock_within_window_is_fine() {
    let headers = signed("boto3");
    for minutes in [-15, -1, 1, 15] {
        let now = signing_time() + chrono::TimeDelta::minutes(minutes);
        assert_eq!(run(&headers, BODY, now), Ok(caller()), "{minutes}");
    }
}

#[test]
fn wrong_secret_is_a_mismatch() {
    let (h, sha) = client_headers("rust");
    let headers = sign_with_sdk(&h, BODY, signing_time(), "not-the-secret", "cognito-idp", sha);
    let err = run(&headers, BODY, signing_time()).unwrap_err();
    assert_eq!(err, SigV4Error::SignatureMismatch);
    assert_eq!(err.aws_code(), "InvalidSignatureException");
    // …which the development mode does not care about.
    assert_eq!(run_structure_only(&headers, BODY), Ok(caller()));
}

#[test]
fn unknown_access_key() {
    let headers = signed("boto3");
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = Request { method: "POST", path: "/", query: "", headers: &borrowed, body: BODY };
    let err = verify(&request, |_| None, signing_time()).unwrap_err();
    assert_eq!(err, SigV4Error::UnrecognizedClient);
    assert_eq!(err.aws_code(), "UnrecognizedClientException");
    assert_eq!(err.message(), "The security token included in the request is invalid.");
}

#[test]
fn tampered_body_is_a_mismatch() {
    for client in ["boto3", "rust", "js"] {
        let headers = signed(client);
        let tampered = br#"{"UserPoolId":"us-east-1_AbC123","Username":"mallory"}"#;
        assert_eq!(run(&headers, tampered, signing_time()), Err(SigV4Error::SignatureMismatch), "{client}");
    }
    // With x-amz-content-sha256 signed, even the development mode notices.
    let headers = signed("js");
    assert_eq!(run_structure_only(&headers, b"{}"), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn tampered_signed_header_is_a_mismatch() {
    let headers = signed("boto3");
    let other_op = replace(&headers, "x-amz-target", "AWSCognitoIdentityProviderService.AdminDeleteUser");
    assert_eq!(run(&other_op, BODY, signing_time()), Err(SigV4Error::SignatureMismatch));
    // Whitespace changes inside a value do not matter (canonicalisation collapses them).
    let spaced = replace(&headers, "content-type", "  application/x-amz-json-1.1  ");
    assert_eq!(run(&spaced, BODY, signing_time()), Ok(caller()));
    // Unsigned headers may change freely.
    let ua = replace(&headers, "user-agent", "something else");
    assert_eq!(run(&ua, BODY, signing_time()), Ok(caller()));
    // A signed header that went missing cannot verify.
    let dropped = without(&headers, "x-amz-target");
    assert_eq!(run(&dropped, BODY, signing_time()), Err(SigV4Error::SignatureMismatch));
    // Port is part of the signed host.
    let other_port = replace(&headers, "host", "127.0.0.1:9230");
    assert_eq!(run(&other_port, BODY, signing_time()), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn stale_and_future_dates() {
    let headers = signed("boto3");
    let later = Utc.with_ymd_and_hms(2026, 11, 23, 13, 15, 0).unwrap();
    let err = run(&headers, BODY, later).unwrap_err();
    assert_eq!(err.aws_code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Signature expired: 20261123T120000Z is now earlier than 20261123T130000Z \
         (20261123T131500Z - 15 min.)"
    );
    let earlier = Utc.with_ymd_and_hms(2026, 11, 23, 11, 44, 59).unwrap();
    let err = run(&headers, BODY, earlier).unwrap_err();
    assert_eq!(err.aws_code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Signature not yet current: 20261123T120000Z is still later than 20261123T115959Z \
         (20261123T114459Z + 15 min.)"
    );
    // The development mode ignores the clock.
    assert_eq!(run_structure_only(&headers, BODY), Ok(caller()));
}

#[test]
fn missing_authorization() {
    let headers = without(&signed("boto3"), "authorization");
    let err = run(&headers, BODY, signing_time()).unwrap_err();
    assert_eq!(err, SigV4Error::MissingAuthenticationToken);
    assert_eq!(err.aws_code(), "MissingAuthenticationTokenException");
    assert_eq!(err.message(), "Missing Authentication Token");
    assert_eq!(run_structure_only(&headers, BODY), Err(SigV4Error::MissingAuthenticationToken));
}

#[test]
fn garbage_authorization() {
    let headers = signed("boto3");
    let bearer = replace(&headers, "authorization", "Bearer eyJraWQiOi.eyJzdWIi.c2ln");
    assert_eq!(run(&bearer, BODY, signing_time()), Err(SigV4Error::MissingAuthenticationToken));

    let garbage = replace(&headers, "authorization", "AWS4-HMAC-SHA256 garbage");
    let err = run(&garbage, BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "IncompleteSignatureException");
    assert_eq!(
        err.message(),
        "'garbage' not a valid key=value pair (missing equal-sign) in Authorization header: \
         'AWS4-HMAC-SHA256 garbage'."
    );
    assert_eq!(run_structure_only(&garbage, BODY), Err(err));

    let empty = replace(&headers, "authorization", "AWS4-HMAC-SHA256 ");
    let err = run(&empty, BODY, signing_time()).unwrap_err();
    assert_eq!(
        err.message(),
        "Authorization header requires 'Credential' parameter. Authorization header requires \
         'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
         Authorization=AWS4-HMAC-SHA256 "
    );

    let truncated_cred = replace(
        &headers,
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1, SignedHeaders=host, \
         Signature=00",
    );
    let err = run(&truncated_cred, BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "IncompleteSignatureException");
    assert_eq!(
        err.message(),
        "Credential must have exactly 5 slash-delimited elements, e.g. \
         keyid/date/region/service/term, got 'AKIDEXAMPLE/20261123/us-east-1'"
    );

    let sigv4a = replace(
        &headers,
        "authorization",
        "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20261123/cognito-idp/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=00",
    );
    let err = run(&sigv4a, BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "IncompleteSignatureException");
    assert_eq!(err.message(), "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ");

    // A signature that is not 64 hex digits is a mismatch in both modes.
    let auth = header(&headers, "authorization");
    let short_sig = replace(&headers, "authorization", &format!("{}zz", &auth[..auth.len() - 2]));
    assert_eq!(run(&short_sig, BODY, signing_time()), Err(SigV4Error::SignatureMismatch));
    assert_eq!(run_structure_only(&short_sig, BODY), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn missing_or_bad_date() {
    let headers = without(&signed("boto3"), "x-amz-date");
    let auth = header(&headers, "authorization").to_owned();
    let err = run(&headers, BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "IncompleteSignatureException");
    assert_eq!(
        err.message(),
        format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. Authorization={auth}"
        )
    );

    let bad = replace(&signed("boto3"), "x-amz-date", "2026-11-23T12:00:00Z");
    let err = run(&bad, BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "IncompleteSignatureException");
    assert_eq!(
        err.message(),
        "Date must be in ISO-8601 'basic format'. Got '2026-11-23T12:00:00Z'. See \
         http://en.wikipedia.org/wiki/ISO_8601"
    );
}

#[test]
fn http_date_header_is_accepted_when_signed() {
    // Sign by hand with a `Date` header instead of X-Amz-Date (older SDKs did this).
    let headers: Vec<(String, String)> = vec![("Host".into(), HOST.into()), ("Date".into(), "Mon, 23 Nov 2026 12:00:00 GMT".into())];
    let signed_pairs = vec![("date".to_owned(), "Mon, 23 Nov 2026 12:00:00 GMT".to_owned()), ("host".to_owned(), HOST.to_owned())];
    let creq = canonical::canonical_request(&canonical::CanonicalInput {
        method: "POST",
        path: "/",
        query: "",
        headers: &signed_pairs,
        payload_hash: &hex::encode(sha256(&[BODY])),
    });
    let sts = canonical::string_to_sign("20261123T120000Z", "20261123/us-east-1/cognito-idp/aws4_request", &creq);
    let sig = canonical::signature(&canonical::signing_key(SECRET, "20261123", "us-east-1", "cognito-idp"), &sts);
    let mut all = headers;
    all.push((
        "Authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={AKID}/20261123/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=date;host, Signature={sig}"
        ),
    ));
    assert_eq!(run(&all, BODY, signing_time()), Ok(caller()));
}

#[test]
fn wrong_scope() {
    let (h, sha) = client_headers("boto3");
    let headers = sign_with_sdk(&h, BODY, signing_time(), SECRET, "cognito-identity", sha);
    let err = run(&headers, BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "InvalidSignatureException");
    assert_eq!(err.message(), "Credential should be scoped to correct service: 'cognito-idp'. ");
    assert_eq!(run_structure_only(&headers, BODY), Err(err));

    // Credential date differing from X-Amz-Date's day.
    let headers = signed("boto3");
    let auth = header(&headers, "authorization").replace("/20261123/", "/20261122/");
    let err = run(&replace(&headers, "authorization", &auth), BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
         HTTP: '20261122' != '20261123', from '20261123T120000Z'."
    );

    // Several scope problems are reported together, in AWS's order.
    let auth = header(&headers, "authorization").replace("/20261123/us-east-1/cognito-idp/aws4_request", "/20261122/US_EAST/sts/aws4");
    let err = run(&replace(&headers, "authorization", &auth), BODY, signing_time()).unwrap_err();
    assert_eq!(
        err.message(),
        "Credential should be scoped to a valid region, not 'US_EAST'. Credential should be \
         scoped to correct service: 'cognito-idp'. Credential should be scoped with a valid \
         terminator: 'aws4_request', not 'aws4'. Date in Credential scope does not match \
         YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123', from \
         '20261123T120000Z'."
    );
}

#[test]
fn host_must_be_signed() {
    let headers = signed("boto3");
    let auth = header(&headers, "authorization").replace("content-type;host;x-amz-date", "content-type;x-amz-date");
    let err = run(&replace(&headers, "authorization", &auth), BODY, signing_time()).unwrap_err();
    assert_eq!(err.aws_code(), "InvalidSignatureException");
    assert_eq!(err.message(), "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

#[test]
fn content_sha_header_must_match_body() {
    let (h, _) = client_headers("js");
    let headers = sign_with_sdk(&h, BODY, signing_time(), SECRET, "cognito-idp", true);
    let lying = replace(&headers, "x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(run(&lying, BODY, signing_time()), Err(SigV4Error::SignatureMismatch));
    assert_eq!(run_structure_only(&lying, BODY), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn extreme_clocks_do_not_panic() {
    let headers = signed("boto3");
    for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let err = run(&headers, BODY, now).unwrap_err();
        assert_eq!(err.aws_code(), "InvalidSignatureException");
    }
}

#[test]
fn an_unsigned_target_is_refused() {
    let (headers, sha) = client_headers("boto3");
    let without: Vec<(String, String)> = headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("x-amz-target")).cloned().collect();
    let mut sent = sign_with_sdk(&without, BODY, signing_time(), SECRET, "cognito-idp", sha);
    sent.push(("X-Amz-Target".into(), "AWSCognitoIdentityProviderService.AdminDeleteUser".into()));
    let refused = SigV4Error::InvalidSignature("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.".into());
    assert_eq!(run(&sent, BODY, signing_time()), Err(refused.clone()));
    assert_eq!(run_structure_only(&sent, BODY), Err(refused));
    // Without a target (the outbox's GET) nothing is required beyond host.
    let plain = sign_with_sdk(&without, BODY, signing_time(), SECRET, "cognito-idp", sha);
    assert_eq!(run(&plain, BODY, signing_time()), Ok(caller()));
}

#[test]
fn long_header_values_are_quoted_short() {
    let long = format!("AWS4-HMAC-SHA256 {}", "x".repeat(70_000));
    let mut sent = signed("boto3");
    sent = replace(&sent, "authorization", &long);
    let Err(SigV4Error::IncompleteSignature(message)) = run(&sent, BODY, signing_time()) else { panic!("not incomplete") };
    assert!(message.len() < 1024, "{} bytes", message.len());
}
