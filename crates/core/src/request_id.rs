//! The id of the API request being served (its `x-amzn-RequestId`), for what Cognito stamps with
//! it: the `event_id` claim of the tokens a sign-in mints is the request id of that sign-in's answer.
//! The HTTP layer runs each request inside [`scope`]; code outside a request (tests calling the
//! core directly) has no id, and callers fall back to a fresh one. The request's source address is
//! kept the same way.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
    static SOURCE_IP: IpAddr;
}

/// Run `work` as a request from `ip` (a device's `last_ip_used`).
pub async fn with_source_ip<F: Future>(ip: IpAddr, work: F) -> F::Output {
    SOURCE_IP.scope(ip, work).await
}

/// The address the request this task is serving came from, if it runs inside [`with_source_ip`].
pub fn source_ip() -> Option<IpAddr> {
    SOURCE_IP.try_with(|ip| *ip).ok()
}

/// Run `work` as the request `id`.
pub async fn scope<F: Future>(id: Arc<str>, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The id of the request this task is serving, if it runs inside [`scope`].
pub fn current() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_id_is_visible_inside_the_scope_only() {
        assert!(current().is_none());
        let seen = scope(Arc::from("req-1"), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("req-1"));
        assert!(current().is_none());
    }
}
