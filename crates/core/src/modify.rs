//! One read-modify-write loop for the records written under optimistic concurrency (pools, app
//! clients, users): read, change, write if the stored version is still the one read, else read
//! again — a bounded number of times. Store outcomes become the service's errors here, in one
//! place: a record gone is the operation's own not-found error, a key taken its conflict error.

use std::future::Future;

use crate::errors::internal;
use crate::store::{StoreError, StoreResult};
use crate::{ApiError, ApiResult, api_error};

/// Attempts before giving up with `ConcurrentModificationException`.
const ATTEMPTS: usize = 16;

/// How a kind of record's failures read.
pub struct Errors<'a> {
    /// `user`, `user pool`, `app client`: in the message after too many attempts.
    pub kind: &'static str,
    pub not_found: &'a (dyn Fn() -> ApiError + Sync),
    /// A unique key (a username, an alias) taken by another record.
    pub conflict: &'a (dyn Fn(&str) -> ApiError + Sync),
}

/// Read with `load`, apply `change`, write with `save` (which hands the record back with the
/// result); again while the write finds the record changed. `change` may run more than once, so it
/// must not have side effects beyond the record; it also bumps the record's version.
pub async fn retrying<R, L, LoadFuture, S, SaveFuture>(
    errors: &Errors<'_>,
    load: L,
    mut change: impl FnMut(&mut R) -> ApiResult<()>,
    save: S,
) -> ApiResult<R>
where
    L: Fn() -> LoadFuture,
    LoadFuture: Future<Output = ApiResult<R>>,
    S: Fn(R) -> SaveFuture,
    SaveFuture: Future<Output = (R, StoreResult<()>)>,
{
    for _ in 0..ATTEMPTS {
        let mut record = load().await?;
        change(&mut record)?;
        match save(record).await {
            (record, Ok(())) => return Ok(record),
            (_, Err(StoreError::Stale)) => continue,
            (_, Err(StoreError::NotFound)) => return Err((errors.not_found)()),
            (_, Err(StoreError::Conflict(key))) => return Err((errors.conflict)(&key)),
            (_, Err(e)) => return Err(internal(e)),
        }
    }
    Err(api_error!(ConcurrentModificationException, "The {} was modified concurrently; try again.", errors.kind))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::ErrorCode;

    fn errors() -> Errors<'static> {
        Errors {
            kind: "thing",
            not_found: &|| api_error!(ResourceNotFoundException, "gone"),
            conflict: &|key| api_error!(AliasExistsException, "{key} taken"),
        }
    }

    async fn run(outcomes: Vec<StoreResult<()>>) -> (ApiResult<u32>, usize) {
        let writes = AtomicUsize::new(0);
        let outcomes = std::sync::Mutex::new(outcomes.into_iter());
        let result = retrying(
            &errors(),
            || async { Ok(0u32) },
            |n| {
                *n += 1;
                Ok(())
            },
            |n| {
                writes.fetch_add(1, Ordering::SeqCst);
                let next = outcomes.lock().unwrap().next().unwrap_or(Err(StoreError::Stale));
                async move { (n, next) }
            },
        )
        .await;
        (result, writes.into_inner())
    }

    #[tokio::test]
    async fn retries_stale_writes_then_gives_up() {
        let (r, writes) = run(vec![Err(StoreError::Stale), Ok(())]).await;
        assert_eq!((r.unwrap(), writes), (1, 2));
        let (r, writes) = run(vec![]).await;
        assert_eq!((r.unwrap_err().code, writes), (ErrorCode::ConcurrentModificationException, ATTEMPTS));
    }

    #[tokio::test]
    async fn store_outcomes_become_the_record_kinds_errors() {
        assert_eq!(run(vec![Err(StoreError::NotFound)]).await.0.unwrap_err().code, ErrorCode::ResourceNotFoundException);
        assert_eq!(run(vec![Err(StoreError::Conflict("a:email".into()))]).await.0.unwrap_err().message, "a:email taken");
        assert_eq!(run(vec![Err(StoreError::Backend("x".into()))]).await.0.unwrap_err().code, ErrorCode::InternalErrorException);
    }
}
