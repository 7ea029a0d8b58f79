//! Parsing `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
//!
//! Like AWS, parameters are separated by commas *or* whitespace, so a stray space inside a
//! value (`Credential= AKID/…`, a classic copy-paste error) yields AWS's own
//! "not a valid key=value pair" message rather than a silently wrong parse.

use super::SigV4Error;
use super::error::shown;

/// The three parameters of an AWS4 `Authorization` header, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Authorization<'a> {
    pub algorithm: &'a str,
    pub credential: &'a str,
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

/// Parses `value`. `has_date` says whether the request carries `X-Amz-Date` or `Date`, so
/// that a missing date is reported together with missing parameters, as AWS does.
pub(crate) fn parse(value: &str, has_date: bool) -> Result<Authorization<'_>, SigV4Error> {
    let trimmed = value.trim();
    // Anything that is not AWS4 at all is treated as no credentials.
    if !trimmed.starts_with("AWS4-") {
        return Err(SigV4Error::MissingAuthenticationToken);
    }
    let (algorithm, rest) = trimmed.split_once(|c: char| c.is_whitespace()).unwrap_or((trimmed, ""));

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for token in rest.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()) {
        let Some((key, val)) = token.split_once('=') else {
            return Err(SigV4Error::IncompleteSignature(format!(
                "'{}' not a valid key=value pair (missing equal-sign) in Authorization \
                 header: '{}'.",
                shown(token),
                shown(value)
            )));
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.is_none() && !val.is_empty() {
            *slot = Some(val);
        }
    }

    let mut message = String::new();
    for (name, found) in
        [("Credential", credential.is_some()), ("Signature", signature.is_some()), ("SignedHeaders", signed_headers.is_some())]
    {
        if !found {
            message.push_str(&format!("Authorization header requires '{name}' parameter. "));
        }
    }
    if !has_date {
        message.push_str("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) if message.is_empty() => {
            Ok(Authorization { algorithm, credential, signed_headers, signature })
        }
        _ => Err(SigV4Error::IncompleteSignature(format!("{message}Authorization={}", shown(value)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/cognito-idp/aws4_request, \
                        SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc123";

    #[test]
    fn parses_the_sdk_form() {
        assert_eq!(
            parse(GOOD, true).unwrap(),
            Authorization {
                algorithm: "AWS4-HMAC-SHA256",
                credential: "AKID/20261123/us-east-1/cognito-idp/aws4_request",
                signed_headers: "content-type;host;x-amz-date;x-amz-target",
                signature: "abc123",
            }
        );
        // Without spaces after commas, in another order.
        let compact = "AWS4-HMAC-SHA256 Signature=abc,Credential=A/B/C/D/E,SignedHeaders=host";
        let parsed = parse(compact, true).unwrap();
        assert_eq!(parsed.signature, "abc");
        assert_eq!(parsed.credential, "A/B/C/D/E");
    }

    #[test]
    fn non_aws4_is_missing_token() {
        for value in ["", "   ", "Bearer eyJhbGciOi", "AWS AKID:sig", "garbage"] {
            assert_eq!(parse(value, true), Err(SigV4Error::MissingAuthenticationToken), "{value:?}");
        }
    }

    #[test]
    fn missing_parts_are_listed_in_aws_order() {
        let value = "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/cognito-idp/aws4_request";
        assert_eq!(
            parse(value, false),
            Err(SigV4Error::IncompleteSignature(format!(
                "Authorization header requires 'Signature' parameter. Authorization header \
                 requires 'SignedHeaders' parameter. Authorization header requires existence \
                 of either a 'X-Amz-Date' or a 'Date' header. Authorization={value}"
            )))
        );
        assert_eq!(
            parse("AWS4-HMAC-SHA256", true),
            Err(SigV4Error::IncompleteSignature(
                "Authorization header requires 'Credential' parameter. Authorization header \
                 requires 'Signature' parameter. Authorization header requires \
                 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"
                    .into()
            ))
        );
    }

    #[test]
    fn missing_date_alone() {
        assert_eq!(
            parse(GOOD, false),
            Err(SigV4Error::IncompleteSignature(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
                 header. Authorization={GOOD}"
            )))
        );
    }

    #[test]
    fn stray_space_gives_missing_equal_sign() {
        let value = "AWS4-HMAC-SHA256 Credential= AKID/20261123/us-east-1/cognito-idp/aws4_request, \
                     SignedHeaders=host, Signature=abc";
        assert_eq!(
            parse(value, true),
            Err(SigV4Error::IncompleteSignature(format!(
                "'AKID/20261123/us-east-1/cognito-idp/aws4_request' not a valid key=value pair \
                 (missing equal-sign) in Authorization header: '{value}'."
            )))
        );
        let garbage = "AWS4-HMAC-SHA256 garbage";
        assert_eq!(
            parse(garbage, true),
            Err(SigV4Error::IncompleteSignature(
                "'garbage' not a valid key=value pair (missing equal-sign) in Authorization \
                 header: 'AWS4-HMAC-SHA256 garbage'."
                    .into()
            ))
        );
    }
}
