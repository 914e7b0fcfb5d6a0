//! What clients ask a workspace before their first statement: the connector feature flags
//! (`GET /api/2.0/connector-service/feature-flags/{client}/{version}`) and the host metadata
//! (`GET /.well-known/databricks-config`), answered as for a workspace without flags.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::http::state::AppState;

/// How long clients may cache the (empty) flag set, in seconds.
const FLAGS_TTL_SECS: u64 = 900;

pub async fn feature_flags() -> Json<Value> {
    Json(json!({ "flags": [], "ttl_seconds": FLAGS_TTL_SECS }))
}

pub async fn databricks_config(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "oidc_endpoint": format!("{}/oidc", state.base_url),
        "workspace_id": workspace_id(&state.warehouse_id),
    }))
}

/// A stable numeric workspace id derived from the warehouse id (workspace ids are numbers).
fn workspace_id(warehouse_id: &str) -> String {
    u64::from_str_radix(warehouse_id, 16)
        .map(|n| (n >> 12).to_string())
        .unwrap_or_else(|_| "0".to_string())
}
