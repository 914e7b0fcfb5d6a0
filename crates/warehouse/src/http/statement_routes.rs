//! HTTP handlers of the statement API: execute, poll, cancel, close, fetch chunk.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::commit_gate::{self, Gate};
use crate::errors::{parse_body, ApiError};
use crate::http::response;
use crate::http::state::AppState;
use crate::ids;
use crate::results::{self, Disposition, Format, Limits, ResultRequest};
use crate::sessions::SessionView;
use crate::sql;
use crate::sql::engine::Effect;
use crate::sql::params::{self, Params};
use crate::sql::types;
use crate::statements::{Statement, StatementState};

#[derive(Deserialize)]
struct ExecuteRequest {
    statement: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    catalog: Option<String>,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    disposition: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    result_compression: Option<String>,
    #[serde(default)]
    wait_timeout: Option<String>,
    #[serde(default)]
    on_wait_timeout: Option<String>,
    #[serde(default)]
    row_limit: Option<i64>,
    #[serde(default)]
    byte_limit: Option<i64>,
    #[serde(default)]
    parameters: Option<Value>,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::InvalidParameter(msg.into())
}

fn enum_field<T: serde::de::DeserializeOwned>(
    name: &str,
    value: Option<&str>,
    default: T,
    allowed: &str,
) -> Result<T, ApiError> {
    match value {
        None => Ok(default),
        Some(v) => serde_json::from_value(Value::String(v.to_string())).map_err(|_| {
            bad(format!(
                "Invalid `{name}` '{v}'; expected one of {allowed}."
            ))
        }),
    }
}

/// `"Ns"` with N = 0 or 5..=50 (the public API's rule).
fn wait_timeout(value: Option<&str>) -> Result<Duration, ApiError> {
    let Some(v) = value else {
        return Ok(Duration::from_secs(10));
    };
    let secs = v
        .strip_suffix('s')
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n == 0 || (5..=50).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "Invalid `wait_timeout` '{v}'; expected 0s or 5s to 50s."
            ))
        })?;
    Ok(Duration::from_secs(secs))
}

fn result_request(req: &ExecuteRequest) -> Result<ResultRequest, ApiError> {
    let disposition = enum_field(
        "disposition",
        req.disposition.as_deref(),
        Disposition::Inline,
        "INLINE, EXTERNAL_LINKS, INLINE_OR_EXTERNAL_LINKS",
    )?;
    let format = enum_field(
        "format",
        req.format.as_deref(),
        Format::JsonArray,
        "JSON_ARRAY, ARROW_STREAM, CSV",
    )?;
    if disposition == Disposition::Inline && format == Format::Csv {
        return Err(bad(
            "The INLINE disposition does not support the CSV format.",
        ));
    }
    let lz4 = match req.result_compression.as_deref() {
        None | Some("NONE") => false,
        Some("LZ4_FRAME") => true,
        Some(other) => {
            return Err(bad(format!(
                "Invalid `result_compression` '{other}'; expected LZ4_FRAME or NONE."
            )))
        }
    };
    let limit = |name: &str, v: Option<i64>| -> Result<Option<u64>, ApiError> {
        match v {
            None => Ok(None),
            Some(n) if n >= 0 => Ok(Some(n as u64)),
            Some(n) => Err(bad(format!(
                "Invalid `{name}` {n}; it must not be negative."
            ))),
        }
    };
    Ok(ResultRequest {
        format,
        disposition,
        lz4,
        row_limit: limit("row_limit", req.row_limit)?,
        byte_limit: limit("byte_limit", req.byte_limit)?,
    })
}

pub async fn execute(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req: ExecuteRequest = parse_body(&body)?;
    let sql = req
        .statement
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("`statement` is required."))?;
    let request = result_request(&req)?;
    let timeout = wait_timeout(req.wait_timeout.as_deref())?;
    let cancel_on_timeout = match req.on_wait_timeout.as_deref() {
        None | Some("CONTINUE") => false,
        Some("CANCEL") => true,
        Some(other) => {
            return Err(bad(format!(
                "Invalid `on_wait_timeout` '{other}'; expected CONTINUE or CANCEL."
            )))
        }
    };
    let mut session = match &req.session_id {
        Some(id) => {
            ids::validate(id, "session")?;
            state
                .sessions
                .touch(id)
                .ok_or_else(|| ApiError::session_not_found(id))?
        }
        None => SessionView::sessionless(req.catalog.as_deref(), req.schema.as_deref()),
    };
    if req.session_id.is_some() {
        if let Some(c) = &req.catalog {
            session.catalog = c.clone();
        }
        if let Some(s) = &req.schema {
            session.schema = s.clone();
        }
    }
    let params = params::parse(req.parameters.as_ref(), &session.timezone)?;

    let stmt = state.statements.create(request);
    state.counters.statements_executed();
    state.counters.statement_text(&sql);
    let task = tokio::spawn(run(state.clone(), stmt.clone(), session, sql, params));
    stmt.set_abort(task.abort_handle());
    if !timeout.is_zero() {
        stmt.wait(timeout).await;
        if cancel_on_timeout && !stmt.state().is_terminal() {
            stmt.cancel();
        }
    }
    Ok(Json(response::statement(&state, &stmt.snapshot())))
}

async fn run(
    state: Arc<AppState>,
    stmt: Arc<Statement>,
    session: SessionView,
    sql: String,
    params: Params,
) {
    stmt.set_running();
    // Dropped with this future when cancel or close aborts the task.
    let query = state.counters.query_running();
    let gate = Gate {
        statement: stmt.clone(),
        hooks: state.clone(),
    };
    let executed =
        match commit_gate::scoped(gate, sql::run(&state.engine, &session, &sql, &params)).await {
            Ok(e) => e,
            Err(err) => return stmt.fail(err),
        };
    drop(query);
    let mut tz = session.timezone.clone();
    if !session.id.is_empty() {
        match &executed.effect {
            Effect::None => {}
            Effect::UseNamespace { catalog, schema } => {
                state
                    .sessions
                    .set_namespace(&session.id, catalog.clone(), schema.clone())
            }
            Effect::SetTimezone(new_tz) => {
                state.sessions.set_timezone(&session.id, new_tz.clone());
                tz = new_tz.clone();
            }
        }
    }
    let limits = Limits {
        chunk_rows: state.config.chunk_rows,
        chunk_bytes: state.config.chunk_bytes,
        inline_limit: state.config.inline_limit,
    };
    let request = stmt.request;
    let encoding = state.counters.result_encoding();
    let watched = stmt.clone();
    let small = executed
        .batches
        .iter()
        .map(|b| b.get_array_memory_size())
        .sum::<usize>()
        <= ENCODE_IN_PLACE_BYTES;
    // Aborting the task cannot stop a blocking closure, so the closure itself watches for cancel
    // and close.
    let encode = move || {
        let _encoding = encoding;
        let normalized = types::normalize(&executed.schema, &executed.batches, &tz);
        // Only the normalized batches may keep rows alive: `build` frees them chunk by chunk.
        drop(executed);
        let (schema, batches) = normalized
            .map_err(|e| crate::sql::sql_errors::SqlError::new("INTERNAL_ERROR", "XX000", e))?;
        results::build(&schema, batches, request, limits, &|| {
            watched.state().is_terminal()
        })
    };
    // Encoding is CPU work; keep it off the async workers that serve HTTP, unless it is small:
    // then the hop to a blocking thread and back costs more than the work.
    let built = if small {
        Ok(encode())
    } else {
        tokio::task::spawn_blocking(encode).await
    };
    match built {
        Ok(Ok(result)) => stmt.succeed(result),
        Ok(Err(err)) => stmt.fail(err),
        Err(join) => stmt.fail(crate::sql::sql_errors::SqlError::new(
            "INTERNAL_ERROR",
            "XX000",
            format!("result encoding failed: {join}"),
        )),
    }
}

/// Results up to this many bytes of Arrow memory (a few thousand small rows) are encoded on the
/// async worker.
const ENCODE_IN_PLACE_BYTES: usize = 64 * 1024;

fn lookup(state: &AppState, id: &str) -> Result<Arc<Statement>, ApiError> {
    ids::validate(id, "statement")?;
    state
        .statements
        .get(id)
        .ok_or_else(|| ApiError::statement_not_found(id))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stmt = lookup(&state, &id)?;
    Ok(Json(response::statement(&state, &stmt.snapshot())))
}

pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    lookup(&state, &id)?.cancel();
    Ok(Json(json!({})))
}

pub async fn close(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    lookup(&state, &id)?.close();
    Ok(Json(json!({})))
}

pub async fn chunk(
    State(state): State<Arc<AppState>>,
    Path((id, index)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let stmt = lookup(&state, &id)?;
    let index: usize = index
        .parse()
        .map_err(|_| bad(format!("Invalid chunk index '{index}'.")))?;
    let snap = stmt.snapshot();
    let result = match (snap.state, &snap.result) {
        (StatementState::Succeeded, Some(r)) => r.clone(),
        (s, _) => {
            return Err(ApiError::InvalidState(format!(
                "Statement {id} is {}; its results cannot be fetched.",
                s.as_str()
            )))
        }
    };
    let chunk = result.chunks.get(index).ok_or_else(|| {
        bad(format!(
            "Chunk index {index} is out of range; the result has {} chunks.",
            result.chunks.len()
        ))
    })?;
    state.counters.chunk_link_fetches();
    Ok(Json(response::chunk(&state, &id, &result, chunk)))
}
