//! `GET /_cognate/outbox?pool=<id>&user=<name>&limit=<n>`: the development outbox, newest first.
//!
//! Open in local mode (no admin keys, loopback only); otherwise SigV4-signed with an admin key, like
//! any admin call (service `cognito-idp`). Like admin calls, it is granted to no browser origin but
//! those of `--cors-origin` (crate::cors). Messages sent through SMTP or the webhook are never in
//! the outbox. Errors use the API's `{"__type","message"}` form.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Request, header};
use axum::response::Response;
use cognate_core::errors::internal;
use cognate_core::store::OutboxMessage;
use cognate_wire::ApiError;
use cognate_wire::codec::{MAX_BODY_BYTES, too_large};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::catch_panic::RequestId;
use crate::cors::Audience;
use crate::response::{error_response, header_value};
use crate::state::ServerState;

pub const PATH: &str = "/_cognate/outbox";
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

#[derive(Deserialize)]
struct Params {
    pool: Option<String>,
    user: Option<String>,
    limit: Option<String>,
}

pub async fn list(State(state): State<Arc<ServerState>>, req: Request<Body>) -> Response {
    let request_id = RequestId::of(&req);
    let mut cors_headers = HeaderMap::new();
    state.cors.headers(req.headers(), Audience::Admin, &mut cors_headers);
    let mut resp = match handle(&state, req).await {
        Ok(value) => {
            let mut r = Response::new(Body::from(value.to_string()));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r.headers_mut().insert("x-amzn-requestid", header_value(&request_id));
            r
        }
        Err(err) => error_response(&err, &request_id),
    };
    resp.headers_mut().extend(cors_headers);
    resp
}

fn wire(m: &OutboxMessage) -> Value {
    let mut v = json!({
        "Id": m.id,
        "PoolId": m.pool_id,
        "Username": m.username,
        "Channel": m.channel,
        "Destination": m.destination,
        "Body": m.body,
        "Purpose": m.purpose,
        "CreatedDate": cognate_core::time::wire_timestamp(m.created_ms),
    });
    if let (Some(subject), Some(obj)) = (&m.subject, v.as_object_mut()) {
        obj.insert("Subject".into(), Value::String(subject.clone()));
    }
    v
}

async fn handle(state: &ServerState, req: Request<Body>) -> Result<Value, ApiError> {
    let (parts, body) = req.into_parts();
    state.cors.check_admin(&parts.headers)?;
    let body = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())?;
    if !state.auth.is_open() {
        state.auth.verify(&parts, &body, state.app.now_ms())?;
    }
    let Query(params) =
        Query::<Params>::try_from_uri(&parts.uri).map_err(|_| ApiError::invalid_parameter("The query string could not be read."))?;
    let pool_id =
        params.pool.filter(|p| !p.is_empty()).ok_or_else(|| ApiError::invalid_parameter("The query parameter pool is required."))?;
    let limit = match params.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::invalid_parameter(format!("The query parameter limit must be a number from 1 to {MAX_LIMIT}.")))?,
    };
    let app = &state.app;
    let pool = app.pool(&pool_id).await?;
    // Messages are filed under the internal username; accept whatever the user signs in with
    // (username, alias, email in email-as-username pools, sub). A user deleted since keeps the name.
    let username = match params.user.filter(|u| !u.is_empty()) {
        Some(name) => Some(match cognate_core::users::find(app, &pool, &name).await? {
            Some(user) => user.username,
            None => name,
        }),
        None => None,
    };
    let messages = app.store.list_messages(&pool.id, username.as_deref(), limit).await.map_err(internal)?;
    Ok(json!({ "Messages": messages.iter().map(wire).collect::<Vec<_>>() }))
}
