//! Answers the local warehouse cannot produce. Download bodies: oversized, garbage, short of
//! rows, truncated, corrupt LZ4. Statement answers: links that are not http(s) URLs, a chunk
//! listed twice, an absurd chunk count, an unknown state. A hand-made fake server (plain HTTP on
//! loopback) answers the API; each case must end in a typed error in bounded time, never a short,
//! doubled or crashed result.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::{Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sluice_kernel::{
    encode_ipc, AuthConfig, Config, Connection, ErrorCode, ExecuteOptions, Secret,
};

struct Fake {
    base: String,
    /// The valid IPC stream of three rows the manifest describes.
    ipc: Vec<u8>,
}

fn three_rows() -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Int64Array::from(vec![1, 2, 3]))],
    )
    .unwrap();
    encode_ipc(&schema, &[batch]).unwrap()
}

fn two_rows() -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let batch =
        RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2]))]).unwrap();
    encode_ipc(&schema, &[batch]).unwrap()
}

async fn statement(State(fake): State<Arc<Fake>>, Json(body): Json<Value>) -> Json<Value> {
    // The statement text names the body the link will serve.
    let case = body["statement"].as_str().unwrap_or("").to_string();
    let lz4 = case == "bad-lz4";
    let mut manifest = json!({
        "format": "ARROW_STREAM",
        "schema": {"column_count": 1, "columns": [{"name": "id", "type_name": "LONG", "type_text": "BIGINT", "position": 0}]},
        "total_chunk_count": 1,
        "chunks": [{"chunk_index": 0, "row_offset": 0, "row_count": 3, "byte_count": fake.ipc.len()}],
        "total_row_count": 3,
        "total_byte_count": fake.ipc.len(),
        "truncated": false
    });
    if lz4 {
        manifest["result_compression"] = json!("LZ4_FRAME");
    }
    let mut state = "SUCCEEDED";
    let mut link = format!("{}/blob/{case}", fake.base);
    match case.as_str() {
        "ftp-link" => link = "ftp://127.0.0.1/blob/ftp-link".into(),
        "not-a-url" => link = "::not a url::".into(),
        "chunk-twice" => {
            let chunk = manifest["chunks"][0].clone();
            manifest["chunks"] = json!([chunk.clone(), chunk]);
        }
        "billion-chunks" => {
            manifest["total_chunk_count"] = json!(1_000_000_000i64);
            manifest.as_object_mut().unwrap().remove("chunks");
        }
        "weird-state" => state = "WEIRD",
        _ => {}
    }
    Json(json!({
        "statement_id": "01f00000-0000-0000-0000-000000000001",
        "status": {"state": state},
        "manifest": manifest,
        "result": {"external_links": [{
            "chunk_index": 0, "row_offset": 0, "row_count": 3, "byte_count": fake.ipc.len(),
            "external_link": link,
            "expiration": "2999-01-01T00:00:00.000Z"
        }]}
    }))
}

async fn blob(State(fake): State<Arc<Fake>>, Path(case): Path<String>) -> Vec<u8> {
    let ipc = &fake.ipc;
    match case.as_str() {
        "oversized" => ipc
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0u8, ipc.len() * 4 + (1 << 20)))
            .collect(),
        "garbage" => (0..ipc.len()).map(|i| (i * 31 % 251) as u8).collect(),
        "truncated" => ipc[..ipc.len() / 2].to_vec(),
        // The same number of bytes would not hold two rows, so the byte count check fires first
        // unless the body is padded: pad it to the promised size with an end-of-stream marker.
        "fewer-rows" => {
            let mut two = two_rows();
            two.resize(ipc.len(), 0);
            two
        }
        "bad-lz4" => {
            let mut bytes = vec![0x04, 0x22, 0x4D, 0x18, 0x60, 0x70, 0x73];
            bytes.extend((0..200).map(|i| (i * 7) as u8));
            bytes
        }
        _ => ipc.clone(),
    }
}

async fn start() -> Arc<Fake> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let fake = Arc::new(Fake {
        base,
        ipc: three_rows(),
    });
    let app = Router::new()
        .route(
            "/api/2.0/sql/sessions",
            post(|| async { Json(json!({"session_id": "01f00000-0000-0000-0000-00000000000a"})) }),
        )
        .route(
            "/api/2.0/sql/sessions/{id}",
            axum::routing::delete(|| async { Json(json!({})) }),
        )
        .route("/api/2.0/sql/statements", post(statement))
        .route(
            "/api/2.0/sql/statements/{id}",
            get(|| async { Json(json!({})) }).delete(|| async { Json(json!({})) }),
        )
        .route(
            "/api/2.0/sql/statements/{id}/cancel",
            post(|| async { Json(json!({})) }),
        )
        .route("/blob/{case}", get(blob))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

async fn connect(fake: &Fake) -> Connection {
    let mut config = Config::new(
        fake.base.clone(),
        "/sql/1.0/warehouses/fake",
        AuthConfig::Token(Secret::new("dapi-fake")),
    );
    config.results.max_download_attempts = 2;
    Connection::open(config).await.unwrap()
}

#[tokio::test]
async fn bad_download_bodies_are_data_loss() {
    let conn = connect(&*start().await).await;

    let statement = conn.statement().unwrap();
    statement
        .execute("good", ExecuteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        statement.next_chunk().await.unwrap().unwrap().row_count(),
        3,
        "the fake serves a good body"
    );

    // A link no HTTP client can fetch is the answer's fault too, not worth a retry.
    for case in [
        "oversized",
        "garbage",
        "truncated",
        "fewer-rows",
        "bad-lz4",
        "ftp-link",
        "not-a-url",
    ] {
        let statement = conn.statement().unwrap();
        statement
            .execute(case, ExecuteOptions::default())
            .await
            .unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(10), statement.next_chunk())
            .await
            .unwrap_or_else(|_| panic!("{case}: the fetch hung"));
        let err = outcome.expect_err(case);
        assert_eq!(err.code, ErrorCode::DataLoss, "{case}: {err}");
        assert!(!err.retryable, "{case}: {err}");
        assert!(
            !err.message.contains("/blob/"),
            "{case}: the link leaked: {err}"
        );
    }
}

#[tokio::test]
async fn bad_statement_answers_are_typed_errors() {
    let conn = connect(&*start().await).await;

    let err = conn
        .statement()
        .unwrap()
        .execute("chunk-twice", ExecuteOptions::default())
        .await
        .expect_err("a chunk listed twice would hand its rows out twice");
    assert_eq!(err.code, ErrorCode::Internal, "{err}");
    assert!(err.message.contains("lists chunk 0 twice"), "{err}");
    assert!(err.statement_id.is_some(), "{err}");

    // Before, the kernel allocated a plan per promised chunk (40 GB) and aborted the process.
    let statement = conn.statement().unwrap();
    statement
        .execute("billion-chunks", ExecuteOptions::default())
        .await
        .unwrap();
    let first = statement.next_chunk().await.unwrap().unwrap();
    assert_eq!(first.row_count(), 3);
    let err = tokio::time::timeout(Duration::from_secs(10), statement.next_chunk())
        .await
        .expect("the second chunk's fetch hung")
        .expect_err("the fake has no second chunk");
    assert_eq!(err.code, ErrorCode::NotFound, "{err}");

    let err = conn
        .statement()
        .unwrap()
        .execute("weird-state", ExecuteOptions::default())
        .await
        .expect_err("an unknown terminal state is not success");
    assert_eq!(err.code, ErrorCode::Internal, "{err}");
    assert!(err.message.ends_with("unexpected state WEIRD"), "{err}");
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_fails_at_once() {
    let fake = start().await;
    let config = Config::new(
        fake.base.clone(),
        "/sql/1.0/warehouses/fake",
        AuthConfig::Token(Secret::new("dapi-canary\r\nX-Injected: 1")),
    );
    let Err(err) = tokio::time::timeout(Duration::from_secs(10), Connection::open(config))
        .await
        .expect("a request that cannot be built must not be retried for half a minute")
    else {
        panic!("the token is not header text, yet a session opened");
    };
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{err}");
    assert!(!err.retryable, "{err}");
    assert!(!err.message.contains("retries"), "{err}");
    assert!(!format!("{err:?}").contains("canary"), "{err:?}");
}
