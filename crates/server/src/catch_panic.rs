//! The outermost layer of every route: it gives each request its id and turns a panic in any
//! handler into the API's `InternalErrorException` (500) carrying that id, logged with the panic's
//! message, place and backtrace. Without it a panic drops the connection, which clients report as
//! a network failure and retry. Panics are bugs (no handler may panic on request data,
//! CONTRIBUTING.md); this layer makes one bug cost one request, not a connection or a log without
//! a request id.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Once};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use cognate_wire::ApiError;

use crate::response::error_response;

/// The id of the request being answered (`x-amzn-RequestId`), set by [`layer`] for the handlers.
#[derive(Clone)]
pub struct RequestId(pub Arc<str>);

impl RequestId {
    /// The id [`layer`] gave `req`, or a fresh one for a request that did not pass through it.
    pub fn of(req: &Request<Body>) -> Arc<str> {
        req.extensions().get::<RequestId>().map_or_else(|| Arc::from(uuid::Uuid::new_v4().to_string()), |id| id.0.clone())
    }
}

pub async fn layer(mut req: Request<Body>, next: Next) -> Response {
    install_hook();
    let id: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    match (CatchUnwind { inner: Box::pin(next.run(req)) }).await {
        Ok(response) => response,
        Err(panic) => {
            // The request itself is not logged: it may hold passwords and codes.
            tracing::error!(request_id = &*id, %method, path, panic = %panic.message, backtrace = %panic.backtrace, "a request handler panicked");
            error_response(&ApiError::internal(), &id)
        }
    }
}

struct Caught {
    message: String,
    backtrace: String,
}

/// Polls `inner` inside `catch_unwind`. The future is not polled again after a panic (this one is
/// ready by then), so state it left half-changed is never used by it; shared state the handler
/// touched is behind the store and locks that recover (`lock().ok()`), which is why asserting
/// unwind safety is acceptable here.
struct CatchUnwind<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Caught>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.inner.as_mut();
        let was = CAPTURING.replace(true);
        let polled = catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
        CAPTURING.set(was);
        match polled {
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                let (location, backtrace) = CAUGHT.take().unwrap_or_default();
                let message = format!("{}{location}", payload_text(payload.as_ref()));
                Poll::Ready(Err(Caught { message, backtrace }))
            }
        }
    }
}

fn payload_text(payload: &(dyn Any + Send)) -> &str {
    payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str)).unwrap_or("(no message)")
}

thread_local! {
    /// Set while a request's future is polled on this thread: its panics are logged by [`layer`].
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The place and backtrace of the last panic caught on this thread, for [`layer`] to log.
    static CAUGHT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// The panic hook is process-wide: it keeps the backtrace of a panic inside a request (only the hook
/// sees the stack as it was) and leaves every other panic to the hook installed before it.
fn install_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.get() {
                let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let backtrace = std::backtrace::Backtrace::force_capture().to_string();
                CAUGHT.set(Some((location, backtrace)));
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn panics() -> String {
        let name = String::from("é");
        // A byte index inside a character: the kind of bug this layer is the last defence against.
        let cut = name.len() - 1;
        name[..cut].to_string()
    }

    async fn post_raw(addr: std::net::SocketAddr) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_error_with_its_request_id() {
        let app = Router::new().route("/", post(panics)).layer(axum::middleware::from_fn(super::layer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        for _ in 0..2 {
            let answer = post_raw(addr).await;
            assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
            assert!(answer.contains(r#"{"__type":"InternalErrorException","message":"An internal error occurred."}"#), "{answer}");
            let id = answer.lines().find_map(|l| l.strip_prefix("x-amzn-requestid: ")).unwrap_or("");
            assert_eq!(id.len(), 36, "{answer}");
        }
        server.abort();
    }
}
