//! CORS: which web pages may call Cognate from a browser (docs/security.md, Crafted input and
//! browsers).
//!
//! - **Public operations** (sign-up, sign-in, the signed-in user's own calls) are what browser apps
//!   exist to call (amazon-cognito-identity-js, the AWS SDK for JavaScript): any origin is granted,
//!   the origin echoed, nothing credentialed (tokens travel in the body).
//! - **Admin operations** (SigV4) and the development outbox are granted only to the origins of
//!   `--cors-origin`. A page on any other site gets no grant, so its browser neither sends the
//!   signed call (the preflight is refused) nor shows it the answer; and an admin call that still
//!   arrives with a foreign `Origin` is refused before it runs ([`CorsPolicy::admin_allowed`]). This
//!   holds in local mode too, where any well-formed signature is accepted: a page on any site can
//!   reach 127.0.0.1.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_wire::{ApiError, ErrorCode};

/// Response headers a browser script may read: the request id and the error details.
const EXPOSED: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

/// Request headers that only a SigV4-signed (admin) call carries; a preflight asking for any of them
/// is for an admin call. The unsigned operations' SDKs send none of them.
const SIGNING_HEADERS: [&str; 4] = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/// Who a request is for, as far as browsers are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Any origin may call it.
    Public,
    /// Only the configured origins may call it: admin operations and the outbox.
    Admin,
}

/// The origins granted admin calls (`--cors-origin`), normalised as browsers send them: scheme and
/// host in lower case, no trailing slash.
#[derive(Debug, Clone, Default)]
pub struct CorsPolicy {
    admin_origins: Vec<String>,
}

impl CorsPolicy {
    pub fn new(admin_origins: &[String]) -> Self {
        CorsPolicy { admin_origins: admin_origins.iter().map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase()).collect() }
    }

    /// Whether a request with these headers may make an admin call: it carries no `Origin` (not a
    /// browser, or a same-origin GET), or a configured one. `Origin: null` (sandboxed frames, files)
    /// is foreign.
    pub fn admin_allowed(&self, headers: &HeaderMap) -> bool {
        match headers.get(header::ORIGIN) {
            None => true,
            Some(origin) => origin.to_str().is_ok_and(|o| self.admin_origins.iter().any(|a| a.eq_ignore_ascii_case(o))),
        }
    }

    /// [`admin_allowed`](Self::admin_allowed) as the answer to an admin call, checked before its
    /// signature is looked at: in local mode any well-formed signature is accepted.
    pub fn check_admin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if self.admin_allowed(headers) {
            return Ok(());
        }
        Err(ApiError::new(
            ErrorCode::AccessDeniedException,
            "Admin operations are not allowed from this browser origin (see --cors-origin).",
        ))
    }

    /// The CORS headers of an answer to a request for `audience`.
    pub fn headers(&self, headers: &HeaderMap, audience: Audience, out: &mut HeaderMap) {
        // Caches must keep answers to different origins apart, granted or not.
        out.insert(header::VARY, HeaderValue::from_static("Origin"));
        let granted = match (audience, headers.get(header::ORIGIN)) {
            (Audience::Public, Some(origin)) => Some(origin.clone()),
            (Audience::Public, None) => Some(HeaderValue::from_static("*")),
            (Audience::Admin, Some(origin)) if self.admin_allowed(headers) => Some(origin.clone()),
            (Audience::Admin, _) => None,
        };
        if let Some(origin) = granted {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
        }
    }

    /// The answer to a CORS preflight (`OPTIONS`). On the API path the preflight does not name the
    /// operation, so one asking to send a signing header is taken for an admin call.
    pub fn preflight(&self, headers: &HeaderMap, audience: Audience) -> Response {
        let requested = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
        let signs = requested
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .is_some_and(|list| list.split(',').any(|h| SIGNING_HEADERS.iter().any(|s| h.trim().eq_ignore_ascii_case(s))));
        let audience = if signs { Audience::Admin } else { audience };
        let mut out = HeaderMap::new();
        self.headers(headers, audience, &mut out);
        if out.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, GET, OPTIONS"));
            out.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                requested.unwrap_or_else(|| HeaderValue::from_static("content-type,x-amz-target,x-amz-user-agent,authorization")),
            );
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        }
        (StatusCode::NO_CONTENT, out).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn admin_needs_a_configured_origin_public_does_not() {
        let policy = CorsPolicy::new(&["https://Admin.example/".to_string()]);
        let foreign = with(&[("origin", "https://evil.example")]);
        let admin = with(&[("origin", "https://admin.example")]);
        assert!(policy.admin_allowed(&HeaderMap::new()));
        assert!(policy.admin_allowed(&admin));
        assert!(!policy.admin_allowed(&foreign));
        assert!(!policy.admin_allowed(&with(&[("origin", "null")])));
        let granted = |h: &HeaderMap, a| {
            let mut out = HeaderMap::new();
            policy.headers(h, a, &mut out);
            out.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap_or("").to_string())
        };
        assert_eq!(granted(&foreign, Audience::Public).as_deref(), Some("https://evil.example"));
        assert_eq!(granted(&foreign, Audience::Admin), None);
        assert_eq!(granted(&admin, Audience::Admin).as_deref(), Some("https://admin.example"));
        let signed_preflight =
            with(&[("origin", "https://evil.example"), ("access-control-request-headers", "content-type,Authorization")]);
        assert!(policy.preflight(&signed_preflight, Audience::Public).headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    }
}
