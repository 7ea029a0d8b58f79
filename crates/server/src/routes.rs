//! Which handler answers which path. The only module that knows every route, so the handlers
//! (the API, health, discovery documents, the outbox) never import one another.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use axum::routing::{any, get, post};
use cognate_wire::{ApiError, ErrorCode};

use crate::cors::{cors, preflight};
use crate::response::error_response;
use crate::state::ServerState;
use crate::{health, http, outbox, wellknown};

pub fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/", post(http::api).options(fallback))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/{pool_id}/.well-known/jwks.json", get(wellknown::jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(wellknown::openid_configuration))
        .route(outbox::PATH, get(outbox::list).options(fallback).fallback(fallback))
        .fallback(any(fallback))
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// What no route takes: a CORS preflight is allowed on any path; anything else is a 404 in the
/// API's error form.
async fn fallback(req: Request<Body>) -> Response {
    if req.method() == Method::OPTIONS {
        return preflight(req.headers());
    }
    let mut out = HeaderMap::new();
    cors(req.headers(), &mut out);
    let err = ApiError::new(ErrorCode::UnknownOperationException, format!("No operation at {} {}", req.method(), req.uri().path()));
    let mut resp = error_response(&err, &uuid::Uuid::new_v4().to_string());
    resp.headers_mut().extend(out);
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp
}
