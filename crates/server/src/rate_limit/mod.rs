//! Request-rate limits in AWS's categories ([`categories`]), as token buckets per user pool and per
//! source address, answered with AWS's `TooManyRequestsException` "Rate exceeded". Off by default in
//! local mode (a test suite on a laptop should not be throttled), on otherwise; `--rate-limits`
//! switches them either way and `--rate-limit CATEGORY=RPS` sets a category's rate.
//!
//! The pool a request counts against is the one it names: `UserPoolId`, else its app client
//! (`ClientId`, one pool's), else the issuer of its access token. The limit is per node: N nodes
//! behind a load balancer allow N times the rate (docs/security.md).

mod buckets;
mod categories;

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use base64::Engine;
use cognate_wire::{Access, ApiError, ErrorCode, Operation};
use serde_json::Value;

use buckets::Buckets;
pub use categories::{Category, category};

pub struct RateLimits {
    enabled: bool,
    rates: HashMap<Category, f64>,
    by_pool: Buckets<(Category, String)>,
    by_source: Buckets<(Category, IpAddr)>,
}

impl RateLimits {
    /// `overrides`: a category's rate in requests per second instead of its default.
    pub fn new(enabled: bool, overrides: &[(Category, u32)]) -> Self {
        let mut rates: HashMap<Category, f64> = Category::ALL.iter().map(|c| (*c, f64::from(c.default_rate()))).collect();
        for (c, rps) in overrides {
            rates.insert(*c, f64::from(*rps));
        }
        RateLimits { enabled, rates, by_pool: Buckets::default(), by_source: Buckets::default() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Count a request of `op` from `source` with `body`; refused past the rate.
    pub fn check(&self, op: Operation, body: &Value, source: IpAddr) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let category = category(op);
        let rate = self.rates.get(&category).copied().unwrap_or(f64::from(category.default_rate()));
        let now = Instant::now();
        let pool_ok = match pool_key(op, body) {
            Some(pool) => self.by_pool.take(&(category, pool), rate, now),
            None => true,
        };
        if !pool_ok || !self.by_source.take(&(category, source), rate, now) {
            return Err(ApiError::new(ErrorCode::TooManyRequestsException, "Rate exceeded"));
        }
        Ok(())
    }
}

/// What pool the request names (unverified: it only chooses the bucket).
fn pool_key(op: Operation, body: &Value) -> Option<String> {
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    if let Some(pool) = text("UserPoolId") {
        return Some(format!("p:{pool}"));
    }
    if let Some(client) = text("ClientId") {
        return Some(format!("c:{client}"));
    }
    if op.access() == Access::AccessToken {
        return text("AccessToken").and_then(issuer_pool).map(|pool| format!("p:{pool}"));
    }
    None
}

/// The pool id at the end of an access token's `iss`, read without verifying the token.
fn issuer_pool(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str()?.rsplit('/').next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_a_request_names() {
        let token =
            format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"iss":"http://127.0.0.1:9229/us-east-1_abc"}"#));
        let cases = [
            (Operation::AdminGetUser, serde_json::json!({"UserPoolId": "us-east-1_abc", "Username": "a"}), Some("p:us-east-1_abc")),
            (Operation::InitiateAuth, serde_json::json!({"ClientId": "c1", "AuthFlow": "USER_SRP_AUTH"}), Some("c:c1")),
            (Operation::GetUser, serde_json::json!({"AccessToken": token}), Some("p:us-east-1_abc")),
            (Operation::GetUser, serde_json::json!({"AccessToken": "garbage"}), None),
        ];
        for (op, body, want) in cases {
            assert_eq!(pool_key(op, &body).as_deref(), want, "{op:?}");
        }
    }

    #[test]
    fn refused_past_the_rate_per_pool_and_off_when_disabled() {
        let limits = RateLimits::new(true, &[(Category::UserCreation, 2)]);
        let body = serde_json::json!({"ClientId": "c1"});
        let ip = IpAddr::from([10, 0, 0, 1]);
        assert!(limits.check(Operation::SignUp, &body, ip).is_ok());
        assert!(limits.check(Operation::SignUp, &body, ip).is_ok());
        let refused = limits.check(Operation::SignUp, &body, ip).expect_err("third in a second");
        assert_eq!((refused.code, refused.message.as_str()), (ErrorCode::TooManyRequestsException, "Rate exceeded"));
        assert!(limits.check(Operation::InitiateAuth, &body, ip).is_ok(), "other categories have their own buckets");
        let off = RateLimits::new(false, &[(Category::UserCreation, 0)]);
        assert!((0..100).all(|_| off.check(Operation::SignUp, &body, ip).is_ok()));
    }
}
