//! Test knobs: the `Admin` handle for Rust callers and the `/admin/...` routes (mounted only
//! with `--enable-admin`) that expose the same operations over HTTP.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::middleware;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::counters::Counters;
use crate::errors::{parse_body, ApiError};
use crate::faults::Fault;
use crate::http::auth;
use crate::http::state::AppState;

/// Cheap, cloneable handle to the warehouse's test knobs.
#[derive(Clone)]
pub struct Admin {
    state: Arc<AppState>,
}

impl Admin {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// Queues a fault; returns an error for an unknown route or incomplete rule.
    pub fn inject_fault(&self, fault: Fault) -> Result<(), String> {
        fault.validate()?;
        self.state.faults.add(fault);
        Ok(())
    }

    pub fn pending_faults(&self) -> Vec<Fault> {
        self.state.faults.pending()
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Makes `token` (personal or OAuth) answer 403 from now on.
    pub fn revoke_token(&self, token: &str) {
        self.state.tokens.revoke(token);
    }

    /// Revokes every OAuth token minted so far.
    pub fn revoke_all_oauth_tokens(&self) {
        self.state.tokens.revoke_all_oauth();
    }

    /// Every external link minted so far answers 403 "Request has expired".
    pub fn expire_links(&self) {
        self.state.links.expire_all();
    }

    /// Forgets every session (statements on them answer SESSION_NOT_FOUND).
    pub fn expire_sessions(&self) {
        self.state.sessions.expire_all();
    }

    /// Limits download speed (bytes per second); `None` removes the limit.
    pub fn throttle_downloads(&self, bytes_per_sec: Option<u64>) {
        self.state.set_download_throttle(bytes_per_sec);
    }

    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    pub fn reset_counters(&self) {
        self.state.counters.reset();
    }

    /// Mints an OAuth token as `/oidc/v1/token` would (handy to test expiry quickly).
    pub fn mint_oauth_token(&self, ttl: std::time::Duration) -> String {
        self.state.tokens.mint("admin", "all-apis", ttl)
    }
}

pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/admin/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/admin/revoke-tokens", post(revoke_tokens))
        .route("/admin/expire-links", post(expire_links))
        .route("/admin/expire-sessions", post(expire_sessions))
        .route("/admin/throttle", post(throttle))
        .route("/admin/counters", get(counters))
        .route("/admin/reset-counters", post(reset_counters))
        .route_layer(middleware::from_fn_with_state(state, auth::require_admin))
}

fn admin(state: &Arc<AppState>) -> Admin {
    Admin::new(state.clone())
}

async fn add_fault(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let fault: Fault = parse_body(&body)?;
    admin(&state)
        .inject_fault(fault)
        .map_err(ApiError::InvalidParameter)?;
    Ok(Json(json!({})))
}

async fn list_faults(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({ "faults": admin(&state).pending_faults() }))
}

async fn clear_faults(State(state): State<Arc<AppState>>) -> Json<Value> {
    admin(&state).clear_faults();
    Json(json!({}))
}

#[derive(Deserialize)]
struct Revoke {
    #[serde(default)]
    tokens: Option<Vec<String>>,
}

/// Body `{"tokens":[...]}` revokes those; an empty body revokes every minted OAuth token.
async fn revoke_tokens(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req: Revoke = parse_body(&body)?;
    let a = admin(&state);
    match req.tokens {
        Some(list) => list.iter().for_each(|t| a.revoke_token(t)),
        None => a.revoke_all_oauth_tokens(),
    }
    Ok(Json(json!({})))
}

async fn expire_links(State(state): State<Arc<AppState>>) -> Json<Value> {
    admin(&state).expire_links();
    Json(json!({}))
}

async fn expire_sessions(State(state): State<Arc<AppState>>) -> Json<Value> {
    admin(&state).expire_sessions();
    Json(json!({}))
}

#[derive(Deserialize)]
struct Throttle {
    #[serde(default)]
    bytes_per_sec: Option<u64>,
}

/// Body `{"bytes_per_sec": N}`; null, 0 or absent removes the limit.
async fn throttle(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req: Throttle = parse_body(&body)?;
    admin(&state).throttle_downloads(req.bytes_per_sec.filter(|r| *r > 0));
    Ok(Json(json!({})))
}

async fn counters(State(state): State<Arc<AppState>>) -> Json<Counters> {
    Json(admin(&state).counters())
}

async fn reset_counters(State(state): State<Arc<AppState>>) -> Json<Value> {
    admin(&state).reset_counters();
    Json(json!({}))
}
