//! `POST /api/2.0/sql/sessions` (and JDBC's warehouse-scoped form) and `DELETE` of a session.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::errors::{parse_body, ApiError};
use crate::http::state::AppState;
use crate::ids;
use crate::sessions::{
    normalize_catalog, validate_timezone, ALLOWED_CONFS, DEFAULT_SCHEMA, DEFAULT_TIMEZONE,
};

#[derive(Deserialize)]
struct CreateSession {
    #[serde(default)]
    catalog: Option<String>,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    session_confs: Option<BTreeMap<String, Value>>,
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req: CreateSession = parse_body(&body)?;
    open(&state, req).map(|id| Json(json!({ "session_id": id })))
}

/// JDBC 3.4's `POST /api/2.0/sql/warehouses/{id}/sessions` (body
/// `{"schema": ..., "execution_mode": "FAST"}`): the same session, answered with its version
/// (`{"version_id": n}`, as the driver's `SessionVersion` reads it).
pub async fn create_on_warehouse(
    State(state): State<Arc<AppState>>,
    Path(warehouse_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if warehouse_id != state.warehouse_id {
        return Err(ApiError::NotFound(format!(
            "SQL warehouse {warehouse_id} does not exist."
        )));
    }
    let req: CreateSession = parse_body(&body)?;
    open(&state, req)
        .map(|id| Json(json!({ "session_id": id, "session_version": { "version_id": 1 } })))
}

fn open(state: &AppState, req: CreateSession) -> Result<String, ApiError> {
    let mut timezone = DEFAULT_TIMEZONE.to_string();
    for (key, value) in req.session_confs.unwrap_or_default() {
        let lower = key.to_ascii_lowercase();
        if !ALLOWED_CONFS.contains(&lower.as_str()) {
            return Err(ApiError::InvalidParameter(format!(
                "Configuration {key} is not available."
            )));
        }
        let value = match value {
            Value::String(s) => s,
            Value::Null => continue,
            other => other.to_string(),
        };
        if lower == "timezone" {
            timezone = validate_timezone(&value).map_err(ApiError::InvalidParameter)?;
        }
    }
    let catalog = normalize_catalog(req.catalog.as_deref());
    let schema = req.schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
    check_namespace(state, &catalog, &schema)?;
    let id = state.sessions.create(catalog, schema, timezone);
    state.counters.sessions_opened();
    Ok(id)
}

/// A session's initial catalog and schema must exist, as on Databricks.
fn check_namespace(state: &AppState, catalog: &str, schema: &str) -> Result<(), ApiError> {
    let Some(cat) = state.engine.catalog(catalog) else {
        return Err(ApiError::NotFound(format!(
            "[NO_SUCH_CATALOG_EXCEPTION] Catalog '{catalog}' was not found. Please verify the catalog name and then retry the query or command again. SQLSTATE: 42704"
        )));
    };
    if cat.schema(schema).is_none() {
        return Err(ApiError::NotFound(format!(
            "[SCHEMA_NOT_FOUND] The schema `{catalog}`.`{schema}` cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42704"
        )));
    }
    Ok(())
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    ids::validate(&id, "session")?;
    if state.sessions.remove(&id) {
        Ok(Json(json!({})))
    } else {
        Err(ApiError::session_not_found(&id))
    }
}
