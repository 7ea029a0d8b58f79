//! The API endpoint, `POST /` with `X-Amz-Target`: the request path from HTTP to [`dispatch`] and
//! back. Every answer carries `x-amzn-RequestId` and the CORS headers; errors are answered by
//! [`error_response`]. Each request runs in one `request` span carrying its operation and id.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Request, header};
use axum::response::Response;
use cognate_core::Caller;
use cognate_wire::codec::{MAX_BODY_BYTES, decode_body, operation_from_target, too_large};
use cognate_wire::{Access, ApiError, CONTENT_TYPE, ErrorCode};
use tracing::{Instrument, Span};

use crate::catch_panic::RequestId;
use crate::cors::Audience;
use crate::dispatch::dispatch;
use crate::response::{error_response, header_value};
use crate::state::ServerState;

pub async fn api(State(state): State<Arc<ServerState>>, req: Request<Body>) -> Response {
    let request_id = RequestId::of(&req);
    // The one span of an API request: every event of the handlers and the store below it carries
    // the operation and the request id. At `debug`, like the per-handler spans it stands for, so
    // under the default `info` filter it is never built and a request pays one cached level check:
    // no allocation, no clock read.
    let span = tracing::debug_span!("request", op = tracing::field::Empty, request_id = &*request_id);
    let started = (!span.is_disabled()).then(Instant::now);
    let response = answer(&state, req, request_id, &span).instrument(span.clone()).await;
    if let Some(started) = started {
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        span.in_scope(|| tracing::debug!(status = response.status().as_u16(), latency_us, "request finished"));
    }
    response
}

async fn answer(state: &ServerState, req: Request<Body>, request_id: Arc<str>, span: &Span) -> Response {
    let mut cors_headers = HeaderMap::new();
    state.cors.headers(req.headers(), audience(req.headers()), &mut cors_headers);
    let mut resp = match cognate_core::request_id::scope(request_id.clone(), handle(state, req, span)).await {
        Ok(body) => {
            let mut r = Response::new(Body::from(body));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            r.headers_mut().insert("x-amzn-requestid", header_value(&request_id));
            r
        }
        Err(err) => error_response(&err, &request_id),
    };
    resp.headers_mut().extend(cors_headers);
    resp
}

/// Admin when the target names an admin operation; an unknown target's answer is public.
fn audience(headers: &HeaderMap) -> Audience {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    match operation_from_target(target).map(|op| op.access()) {
        Ok(Access::Iam) => Audience::Admin,
        _ => Audience::Public,
    }
}

/// AWS JSON content types a client may send; anything else is refused.
fn acceptable_content_type(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        // amazon-cognito-identity-js and the SDKs always send it; curl users may not.
        None => true,
        Some(ct) => {
            let base = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            matches!(base.as_str(), "application/x-amz-json-1.1" | "application/x-amz-json-1.0" | "application/json")
        }
    }
}

async fn handle(state: &ServerState, req: Request<Body>, span: &Span) -> Result<Vec<u8>, ApiError> {
    let source = req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let (parts, body) = req.into_parts();
    if !acceptable_content_type(&parts.headers) {
        return Err(ApiError::new(
            ErrorCode::UnknownOperationException,
            "Unsupported Content-Type; AWS JSON 1.1 requests use application/x-amz-json-1.1.",
        ));
    }
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    let op = operation_from_target(target)?;
    span.record("op", op.name());
    let body = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())?;
    let caller = match op.access() {
        Access::Iam => {
            state.cors.check_admin(&parts.headers)?;
            Caller::Iam(state.auth.verify(&parts, &body, state.app.now_ms())?)
        }
        Access::AccessToken | Access::Public => Caller::Anonymous,
    };
    let value = decode_body(op, &body)?;
    state.limits.check(op, &value, source)?;
    cognate_core::request_id::with_source_ip(source, dispatch(&state.app, op, caller, value)).await
}
