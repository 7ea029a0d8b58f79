//! Which handler answers which path. The only module that knows every route, so the handlers
//! (the API, health, discovery documents, the outbox) never import one another.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use axum::routing::{any, get, post};
use cognate_wire::{ApiError, ErrorCode};

use crate::catch_panic::{self, RequestId};
use crate::cors::Audience;
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
        // Outermost, so that a panic anywhere below answers with the request's id.
        .layer(axum::middleware::from_fn(catch_panic::layer))
        .with_state(state)
}

/// What no route takes: a CORS preflight is allowed on any path; anything else is a 404 in the
/// API's error form.
/// The outbox is for administrators (docs/security.md, Crafted input and browsers); every other path
/// is public, and a preflight on the API path is judged by the headers it asks for.
async fn fallback(State(state): State<Arc<ServerState>>, req: Request<Body>) -> Response {
    let audience = if req.uri().path() == outbox::PATH { Audience::Admin } else { Audience::Public };
    if req.method() == Method::OPTIONS {
        return state.cors.preflight(req.headers(), audience);
    }
    let mut out = HeaderMap::new();
    state.cors.headers(req.headers(), audience, &mut out);
    let err = ApiError::new(ErrorCode::UnknownOperationException, format!("No operation at {} {}", req.method(), req.uri().path()));
    let mut resp = error_response(&err, &RequestId::of(&req));
    resp.headers_mut().extend(out);
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp
}
