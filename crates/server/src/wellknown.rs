//! `/<poolId>/.well-known/jwks.json` and `/<poolId>/.well-known/openid-configuration`: what token
//! verifiers (aws-jwt-verify, PyJWT, pycognito) fetch (docs/tokens.md, Keys and discovery).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::ServerState;

fn not_found(pool_id: &str) -> Response {
    let body = json!({ "__type": "ResourceNotFoundException", "message": format!("User pool {pool_id} does not exist.") });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn cached(body: serde_json::Value) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    (StatusCode::OK, h, Json(body)).into_response()
}

pub async fn jwks(State(state): State<Arc<ServerState>>, Path(pool_id): Path<String>) -> Response {
    let app = &state.app;
    match app.store.get_pool(&pool_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&pool_id),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    match app.pool_keys(&pool_id).await {
        Ok(keys) => cached(keys.jwks()),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn openid_configuration(State(state): State<Arc<ServerState>>, Path(pool_id): Path<String>) -> Response {
    let app = &state.app;
    match app.store.get_pool(&pool_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&pool_id),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    let issuer = app.issuer(&pool_id);
    let base = format!("{}/{pool_id}", app.config.public_url.trim_end_matches('/'));
    cached(json!({
        "authorization_endpoint": base,
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "response_types_supported": ["code", "id_token", "token id_token", "none"],
        "subject_types_supported": ["public"],
    }))
}
