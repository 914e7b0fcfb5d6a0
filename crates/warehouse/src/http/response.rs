//! JSON bodies of statement responses (protocol.md §3.2–3.4): status, manifest, and the
//! first chunk or a requested chunk.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::http::state::AppState;
use crate::results::{Chunk, Disposition, Payload, ResultSet};
use crate::statements::{Snapshot, StatementState};

/// The Execute / GET response.
pub fn statement(state: &AppState, snap: &Snapshot) -> Value {
    let mut status = json!({ "state": snap.state.as_str() });
    if let (StatementState::Failed, Some(err)) = (snap.state, &snap.error) {
        status["error"] = json!({ "error_code": "BAD_REQUEST", "message": err.message });
        status["sql_state"] = json!(err.sql_state);
    }
    let mut body = json!({ "statement_id": snap.id, "status": status });
    if let (StatementState::Succeeded, Some(result)) = (snap.state, &snap.result) {
        body["manifest"] = manifest(result);
        body["result"] = first_result(state, &snap.id, result);
    }
    body
}

fn manifest(result: &ResultSet) -> Value {
    let mut schema = json!({ "column_count": result.columns.len() });
    if !result.columns.is_empty() {
        schema["columns"] = Value::Array(result.columns.iter().map(|c| c.to_json()).collect());
    }
    let mut m = Map::new();
    m.insert("format".into(), json!(result.request.format.as_str()));
    m.insert("schema".into(), schema);
    m.insert("total_chunk_count".into(), json!(result.chunks.len()));
    if !result.chunks.is_empty() {
        let chunks: Vec<Value> = result
            .chunks
            .iter()
            .map(|c| {
                let mut v = json!({
                    "chunk_index": c.index,
                    "row_offset": c.row_offset,
                    "row_count": c.row_count,
                });
                if let Some(b) = c.byte_count {
                    v["byte_count"] = json!(b);
                }
                v
            })
            .collect();
        m.insert("chunks".into(), Value::Array(chunks));
    }
    m.insert("total_row_count".into(), json!(result.total_rows));
    match result.total_bytes() {
        Some(total) => {
            m.insert("total_byte_count".into(), json!(total));
        }
        None if result.chunks.is_empty() => {
            m.insert("total_byte_count".into(), json!(0));
        }
        None => {}
    }
    m.insert("truncated".into(), json!(result.truncated));
    if result.request.compressed() {
        m.insert("result_compression".into(), json!("LZ4_FRAME"));
    }
    Value::Object(m)
}

fn first_result(state: &AppState, id: &str, result: &ResultSet) -> Value {
    if result.chunks.is_empty() {
        return json!({});
    }
    if result.inline {
        return inline_chunk(&result.chunks[0]);
    }
    let links: Vec<Value> = match result.request.disposition {
        // The hybrid disposition hands out every link at once (seen live with JDBC).
        Disposition::Hybrid => result
            .chunks
            .iter()
            .map(|c| link(state, id, result, c))
            .collect(),
        _ => vec![link(state, id, result, &result.chunks[0])],
    };
    json!({ "external_links": links })
}

/// The body of `GET .../result/chunks/{n}`.
pub fn chunk(state: &AppState, id: &str, result: &ResultSet, chunk: &Chunk) -> Value {
    if result.inline {
        inline_chunk(chunk)
    } else {
        json!({ "external_links": [link(state, id, result, chunk)] })
    }
}

fn inline_chunk(chunk: &Chunk) -> Value {
    let mut v = json!({
        "chunk_index": chunk.index,
        "row_offset": chunk.row_offset,
        "row_count": chunk.row_count,
    });
    match &chunk.payload {
        Payload::Rows(rows) => v["data_array"] = json!(rows),
        Payload::Bytes(bytes) => {
            v["byte_count"] = json!(bytes.len());
            v["attachment"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
    }
    v
}

fn link(state: &AppState, id: &str, result: &ResultSet, chunk: &Chunk) -> Value {
    let minted = state.links.mint(&state.link_base_url, id, chunk.index);
    let mut v = json!({
        "chunk_index": chunk.index,
        "row_offset": chunk.row_offset,
        "row_count": chunk.row_count,
        "byte_count": chunk.served_len(),
    });
    if chunk.index + 1 < result.chunks.len() {
        let next = chunk.index + 1;
        v["next_chunk_index"] = json!(next);
        v["next_chunk_internal_link"] =
            json!(format!("/api/2.0/sql/statements/{id}/result/chunks/{next}"));
    }
    v["external_link"] = json!(minted.url);
    v["expiration"] = json!(minted.expiration);
    v
}
