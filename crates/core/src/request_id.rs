//! The id of the API request being served (its `x-amzn-RequestId`), for what Cognito stamps with
//! it: the `event_id` claim of the tokens a sign-in mints is the request id of that sign-in's answer.
//! The HTTP layer runs each request inside [`scope`]; code outside a request (tests calling the
//! core directly) has no id, and callers fall back to a fresh one.

use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
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
