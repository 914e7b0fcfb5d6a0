//! SEA sessions: a default namespace and session confs, forgotten after an idle timeout.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::errors::{parse_body, ApiError};
use crate::ids;
use crate::state::AppState;

pub const DEFAULT_CATALOG: &str = "main";
pub const DEFAULT_SCHEMA: &str = "default";
pub const DEFAULT_TIMEZONE: &str = "Etc/UTC";

/// Session confs the server accepts (keys are case-insensitive), as real warehouses do.
const ALLOWED_CONFS: &[&str] = &[
    "ansi_mode",
    "enable_photon",
    "legacy_time_parser_policy",
    "max_file_partition_bytes",
    "read_only_external_metastore",
    "statement_timeout",
    "timezone",
    "use_cached_result",
    "query_tags",
];

/// What a statement needs from its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub id: String,
    pub catalog: String,
    pub schema: String,
    pub timezone: String,
}

impl SessionView {
    /// The namespace of a statement sent without a session.
    pub fn sessionless(catalog: Option<&str>, schema: Option<&str>) -> Self {
        SessionView {
            id: String::new(),
            catalog: normalize_catalog(catalog),
            schema: schema.unwrap_or(DEFAULT_SCHEMA).to_string(),
            timezone: DEFAULT_TIMEZONE.to_string(),
        }
    }
}

struct Session {
    view: SessionView,
    last_used: Instant,
}

pub struct SessionStore {
    idle_timeout: Duration,
    sessions: Mutex<HashMap<String, Session>>,
}

impl SessionStore {
    pub fn new(idle_timeout: Duration) -> Self {
        Self {
            idle_timeout,
            sessions: Mutex::default(),
        }
    }

    pub fn create(&self, catalog: String, schema: String, timezone: String) -> String {
        let id = ids::new_id();
        let view = SessionView {
            id: id.clone(),
            catalog,
            schema,
            timezone,
        };
        self.lock().insert(
            id.clone(),
            Session {
                view,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// The live session with this id, marking it used.
    pub fn touch(&self, id: &str) -> Option<SessionView> {
        let mut sessions = self.lock();
        let idle = self.idle_timeout;
        match sessions.get_mut(id) {
            Some(s) if s.last_used.elapsed() <= idle => {
                s.last_used = Instant::now();
                Some(s.view.clone())
            }
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn set_namespace(&self, id: &str, catalog: Option<String>, schema: Option<String>) {
        if let Some(s) = self.lock().get_mut(id) {
            if let Some(c) = catalog {
                s.view.catalog = c;
            }
            if let Some(sc) = schema {
                s.view.schema = sc;
            }
        }
    }

    pub fn set_timezone(&self, id: &str, tz: String) {
        if let Some(s) = self.lock().get_mut(id) {
            s.view.timezone = tz;
        }
    }

    pub fn remove(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    pub fn expire_all(&self) {
        self.lock().clear();
    }

    /// Drops idle sessions (called periodically so abandoned sessions free their memory).
    pub fn sweep(&self) {
        let idle = self.idle_timeout;
        self.lock().retain(|_, s| s.last_used.elapsed() <= idle);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// JDBC sends the legacy catalog name `SPARK` when the user chose none.
fn normalize_catalog(catalog: Option<&str>) -> String {
    match catalog {
        None => DEFAULT_CATALOG.to_string(),
        Some(c) if c.eq_ignore_ascii_case("spark") || c.is_empty() => DEFAULT_CATALOG.to_string(),
        Some(c) => c.to_string(),
    }
}

/// Checks a time zone name the way Arrow will use it for TIMESTAMP columns.
pub fn validate_timezone(tz: &str) -> Result<String, String> {
    tz.parse::<arrow_array::timezone::Tz>()
        .map(|_| tz.to_string())
        .map_err(|_| format!("Invalid time zone '{tz}'."))
}

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
