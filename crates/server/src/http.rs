//! The HTTP face of the protocol layer: `POST /` with `X-Amz-Target`, CORS for browser SDKs, and the
//! response headers every answer carries (`x-amzn-RequestId`; errors add `x-amzn-ErrorType` and
//! `x-amzn-ErrorMessage`). Also `GET /_cognate/outbox` ([`crate::outbox`]).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use cognate_core::{App, Caller};
use cognate_wire::codec::{MAX_BODY_BYTES, decode_body, encode_error, error_type_header, operation_from_target, too_large};
use cognate_wire::{Access, ApiError, CONTENT_TYPE, ErrorCode};

use crate::auth::AdminAuth;
use crate::dispatch::dispatch;

pub struct ServerState {
    pub app: App,
    pub auth: AdminAuth,
}

pub fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/", post(api).options(fallback))
        .route("/health", get(crate::health::health))
        .route("/ready", get(crate::health::ready))
        .route("/{pool_id}/.well-known/jwks.json", get(crate::wellknown::jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(crate::wellknown::openid_configuration))
        .route(crate::outbox::PATH, get(crate::outbox::list).options(fallback).fallback(fallback))
        .fallback(any(fallback))
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

const EXPOSED: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

/// CORS headers for a browser caller: the origin and requested headers are echoed, as the clients
/// README observed of AWS-compatible endpoints; nothing is credentialed (tokens travel in the body).
pub(crate) fn cors(headers: &HeaderMap, out: &mut HeaderMap) {
    let origin = headers.get(header::ORIGIN).cloned().unwrap_or_else(|| HeaderValue::from_static("*"));
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
}

async fn fallback(State(_state): State<Arc<ServerState>>, req: Request<Body>) -> Response {
    let mut out = HeaderMap::new();
    cors(req.headers(), &mut out);
    if req.method() == Method::OPTIONS {
        out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, GET, OPTIONS"));
        let requested = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
        out.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            requested.unwrap_or_else(|| HeaderValue::from_static("content-type,x-amz-target,x-amz-user-agent,authorization")),
        );
        out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        return (StatusCode::NO_CONTENT, out).into_response();
    }
    let err = ApiError::new(ErrorCode::UnknownOperationException, format!("No operation at {} {}", req.method(), req.uri().path()));
    let mut resp = error_response(&err, &uuid::Uuid::new_v4().to_string());
    resp.headers_mut().extend(out);
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp
}

async fn api(State(state): State<Arc<ServerState>>, req: Request<Body>) -> Response {
    let request_id: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
    let mut cors_headers = HeaderMap::new();
    cors(req.headers(), &mut cors_headers);
    let mut resp = match cognate_core::request_id::scope(request_id.clone(), handle(&state, req)).await {
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

pub(crate) fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

pub(crate) fn error_response(err: &ApiError, request_id: &str) -> Response {
    if err.code.status() >= 500 {
        tracing::warn!(code = err.code.name(), "request failed with a server error");
    } else {
        tracing::debug!(code = err.code.name(), message = %err.message, "request refused");
    }
    let mut r = Response::new(Body::from(encode_error(err)));
    *r.status_mut() = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert("x-amzn-requestid", header_value(request_id));
    h.insert("x-amzn-errortype", header_value(&error_type_header(err)));
    // Header values cannot carry every character a message may hold; the body always has it.
    if let Ok(v) = HeaderValue::from_str(&err.message) {
        h.insert("x-amzn-errormessage", v);
    }
    r
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

async fn handle(state: &ServerState, req: Request<Body>) -> Result<Vec<u8>, ApiError> {
    let (parts, body) = req.into_parts();
    if !acceptable_content_type(&parts.headers) {
        return Err(ApiError::new(
            ErrorCode::UnknownOperationException,
            "Unsupported Content-Type; AWS JSON 1.1 requests use application/x-amz-json-1.1.",
        ));
    }
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    let op = operation_from_target(target)?;
    let body = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())?;
    let caller = match op.access() {
        Access::Iam => Caller::Iam(state.auth.verify(&parts, &body, state.app.now_ms())?),
        Access::AccessToken | Access::Public => Caller::Anonymous,
    };
    let value = decode_body(op, &body)?;
    dispatch(&state.app, op, caller, value).await
}
