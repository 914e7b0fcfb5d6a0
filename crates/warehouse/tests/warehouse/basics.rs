//! The priority-1 slice: sessions, synchronous statements, inline results, errors, auth.

use crate::common::{rows, Harness};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_schema::{DataType, TimeUnit};
use serde_json::json;

#[tokio::test]
async fn session_create_and_delete() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/api/2.0/sql/sessions/",
            json!({"warehouse_id": h.wh.warehouse_id(), "catalog": "SPARK", "schema": "default"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.headers.contains_key("x-request-id"));
    assert_eq!(r.headers["content-type"], "application/json");
    let id = r.body["session_id"].as_str().unwrap().to_string();
    assert_eq!(r.body.as_object().unwrap().len(), 1);
    let r = h
        .delete(&format!(
            "/api/2.0/sql/sessions/{id}?warehouse_id={}",
            h.wh.warehouse_id()
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({}));
    let r = h.delete(&format!("/api/2.0/sql/sessions/{id}")).await;
    assert_eq!(r.status, 404);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("SESSION_NOT_FOUND"));
}

#[tokio::test]
async fn hybrid_small_result_is_an_inline_arrow_attachment() {
    let h = Harness::start().await;
    let sid = h.session().await;
    let r = h
        .exec(
            "SELECT * FROM range(10)",
            json!({"session_id": sid, "disposition": "INLINE_OR_EXTERNAL_LINKS", "format": "ARROW_STREAM",
                   "result_compression": "LZ4_FRAME", "wait_timeout": "10s", "on_wait_timeout": "CONTINUE", "parameters": []}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["status"], json!({"state": "SUCCEEDED"}));
    let m = &b["manifest"];
    assert_eq!(m["format"], "ARROW_STREAM");
    assert_eq!(m["schema"]["column_count"], 1);
    assert_eq!(
        m["schema"]["columns"][0],
        json!({"name": "id", "type_text": "BIGINT", "type_name": "LONG", "position": 0})
    );
    assert_eq!(m["total_chunk_count"], 1);
    assert_eq!(m["total_row_count"], 10);
    assert_eq!(m["truncated"], false);
    assert_eq!(m["result_compression"], "LZ4_FRAME");
    assert_eq!(m["chunks"][0]["byte_count"], m["total_byte_count"]);
    let res = &b["result"];
    assert_eq!(res["chunk_index"], 0);
    assert_eq!(res["row_offset"], 0);
    assert_eq!(res["row_count"], 10);
    let att = res["attachment"].as_str().unwrap();
    assert!(att.starts_with("BCJNGG"), "LZ4 frame magic");
    let batches = h.collect_arrow(b).await;
    assert_eq!(rows(&batches), 10);
    let schema = batches[0].schema();
    assert_eq!(schema.field(0).data_type(), &DataType::Int64);
    assert!(!schema.field(0).is_nullable());
    let ids: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    assert_eq!(ids, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn range_forms_match_spark() {
    let h = Harness::start().await;
    let (_, b) = h.arrow("SELECT id FROM range(2, 10, 3)").await;
    let ids: Vec<i64> = b[0].column(0).as_primitive::<Int64Type>().values().to_vec();
    assert_eq!(ids, vec![2, 5, 8]);
    let (_, b) = h.arrow("SELECT count(*) AS c FROM range(5, 8)").await;
    assert_eq!(b[0].column(0).as_primitive::<Int64Type>().value(0), 3);
}

#[tokio::test]
async fn inline_json_array() {
    let h = Harness::start().await;
    let r = h
        .exec(
            "SELECT id, CAST(id AS STRING) AS s, NULL AS n FROM range(3)",
            json!({"disposition": "INLINE", "format": "JSON_ARRAY", "result_compression": "NONE"}),
        )
        .await;
    let b = &r.body;
    assert_eq!(b["status"]["state"], "SUCCEEDED", "{}", r.text);
    assert_eq!(b["manifest"]["format"], "JSON_ARRAY");
    assert!(b["manifest"].get("total_byte_count").is_none());
    assert!(b["manifest"].get("result_compression").is_none());
    assert_eq!(
        b["manifest"]["chunks"],
        json!([{"chunk_index": 0, "row_offset": 0, "row_count": 3}])
    );
    assert_eq!(
        b["result"],
        json!({"chunk_index": 0, "row_offset": 0, "row_count": 3,
               "data_array": [["0", "0", null], ["1", "1", null], ["2", "2", null]]})
    );
    assert_eq!(b["manifest"]["schema"]["columns"][2]["type_name"], "NULL");
    assert_eq!(b["manifest"]["schema"]["columns"][2]["type_text"], "VOID");
}

#[tokio::test]
async fn basic_types_have_spark_names_and_arrow_types() {
    let h = Harness::start().await;
    let (body, batches) = h
        .arrow(
            "SELECT CAST(1 AS BIGINT) AS l, CAST(1 AS INT) AS i, CAST(1.5 AS DOUBLE) AS d, 'x' AS s, \
             true AS b, DATE '2021-01-01' AS dt, TIMESTAMP '2021-01-01 10:00:00' AS ts, \
             CAST(1.25 AS DECIMAL(10,2)) AS dec, NULL AS n",
        )
        .await;
    let cols = body["manifest"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<(&str, &str)> = cols
        .iter()
        .map(|c| {
            (
                c["type_name"].as_str().unwrap(),
                c["type_text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("LONG", "BIGINT"),
            ("INT", "INT"),
            ("DOUBLE", "DOUBLE"),
            ("STRING", "STRING"),
            ("BOOLEAN", "BOOLEAN"),
            ("DATE", "DATE"),
            ("TIMESTAMP", "TIMESTAMP"),
            ("DECIMAL", "DECIMAL(10,2)"),
            ("NULL", "VOID"),
        ]
    );
    assert_eq!(cols[7]["type_precision"], 10);
    assert_eq!(cols[7]["type_scale"], 2);
    let schema = batches[0].schema();
    let types: Vec<DataType> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        vec![
            DataType::Int64,
            DataType::Int32,
            DataType::Float64,
            DataType::Utf8,
            DataType::Boolean,
            DataType::Date32,
            DataType::Timestamp(TimeUnit::Microsecond, Some("Etc/UTC".into())),
            DataType::Decimal128(10, 2),
            DataType::Null,
        ]
    );
}

#[tokio::test]
async fn syntax_error_is_http_200_failed() {
    let h = Harness::start().await;
    let r = h.exec("INSER INTO t VALUES (1)", json!({})).await;
    assert_eq!(r.status, 200);
    let st = &r.body["status"];
    assert_eq!(st["state"], "FAILED");
    assert_eq!(st["error"]["error_code"], "BAD_REQUEST");
    let msg = st["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("[PARSE_SYNTAX_ERROR]") && msg.contains("SQLSTATE: 42601"),
        "{msg}"
    );
    assert_eq!(st["sql_state"], "42601");
    assert!(r.body.get("manifest").is_none());
    assert!(r.body.get("result").is_none());
}

#[tokio::test]
async fn close_then_get_is_closed() {
    let h = Harness::start().await;
    let r = h.exec("SELECT 1", json!({})).await;
    let id = r.body["statement_id"].as_str().unwrap().to_string();
    let d = h.delete(&format!("/api/2.0/sql/statements/{id}")).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.body, json!({}));
    let g = h.get(&format!("/api/2.0/sql/statements/{id}")).await;
    assert_eq!(g.status, 200);
    assert_eq!(
        g.body,
        json!({"statement_id": id, "status": {"state": "CLOSED"}})
    );
}

#[tokio::test]
async fn missing_or_unknown_token_is_401_with_realm() {
    let h = Harness::start().await;
    for token in [None, Some("dapi-not-a-token")] {
        let r = h
            .send(
                reqwest::Method::POST,
                "/api/2.0/sql/sessions",
                Some(json!({})),
                token,
            )
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(
            r.body,
            json!({"error_code": 401, "message": "Credential was not sent or was of an unsupported type for this API."})
        );
        assert_eq!(
            r.headers["www-authenticate"],
            "Bearer realm=\"DatabricksRealm\""
        );
    }
}

#[tokio::test]
async fn revoked_token_is_403() {
    let h = Harness::start().await;
    h.wh.admin().revoke_token(&h.token);
    let r = h.post("/api/2.0/sql/sessions", json!({})).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        json!({"error_code": 403, "message": "Invalid access token."})
    );
}

#[tokio::test]
async fn expired_oauth_token_is_403() {
    let h = Harness::start().await;
    let token =
        h.wh.admin()
            .mint_oauth_token(std::time::Duration::from_secs(1));
    let ok = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/sessions",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(ok.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/sessions",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["message"], "Invalid access token.");
}

#[tokio::test]
async fn plain_http_mode() {
    let h = Harness::with(sluice_warehouse::WarehouseConfig {
        plain_http: true,
        ..Default::default()
    })
    .await;
    assert!(h.wh.url().starts_with("http://127.0.0.1:"));
    assert!(h.wh.ca_pem().is_none() && h.wh.ca_path().is_none());
    assert_eq!(h.wh.ready_line()["ca_path"], serde_json::Value::Null);
    let r = h.exec("SELECT 1 AS one", json!({})).await;
    assert_eq!(r.body["result"]["data_array"], json!([["1"]]));
}

#[tokio::test]
async fn statement_level_namespace_without_a_session() {
    let h = Harness::start().await;
    let r = h
        .exec(
            "SELECT count(*) AS n FROM nation",
            json!({"catalog": "samples", "schema": "tpch"}),
        )
        .await;
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["25"]]),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn jdbc_opens_sessions_on_the_warehouse_route() {
    let h = Harness::start().await;
    let path = format!("/api/2.0/sql/warehouses/{}/sessions", h.wh.warehouse_id());
    let r = h
        .post(
            &path,
            json!({"schema": "default", "execution_mode": "FAST"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sid = r.body["session_id"].as_str().unwrap().to_string();
    assert!(r.body["session_version"]["version_id"].is_number());
    let rows = h
        .json_rows("SELECT current_schema()", json!({"session_id": sid}))
        .await;
    assert_eq!(rows, json!([["default"]]));
    let r = h
        .post(
            "/api/2.0/sql/warehouses/0123456789abcdef/sessions",
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = h
        .send(reqwest::Method::POST, &path, Some(json!({})), None)
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn a_session_on_a_missing_namespace_fails() {
    let h = Harness::start().await;
    for (body, class) in [
        (json!({"catalog": "nope"}), "NO_SUCH_CATALOG_EXCEPTION"),
        (
            json!({"catalog": "main", "schema": "nope"}),
            "SCHEMA_NOT_FOUND",
        ),
        (json!({"catalog": "samples"}), "SCHEMA_NOT_FOUND"),
    ] {
        let r = h.post("/api/2.0/sql/sessions", body.clone()).await;
        assert_eq!(r.status, 404, "{body}: {}", r.text);
        assert_eq!(r.body["error_code"], "NOT_FOUND");
        assert!(
            r.body["message"].as_str().unwrap().contains(class),
            "{}",
            r.text
        );
    }
    let r = h
        .post(
            "/api/2.0/sql/sessions",
            json!({"catalog": "samples", "schema": "tpch"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// A strict binary-protocol Thrift call with an empty argument struct.
fn thrift_call(name: &str, seqid: i32) -> Vec<u8> {
    let mut b = 0x8001_0001u32.to_be_bytes().to_vec();
    b.extend_from_slice(&(name.len() as i32).to_be_bytes());
    b.extend_from_slice(name.as_bytes());
    b.extend_from_slice(&seqid.to_be_bytes());
    b.extend_from_slice(&[12, 0, 1, 0, 0]); // field 1: struct { } ; stop
    b
}

/// Reads a Thrift struct's fields of the kinds the gate writes: i32, string, struct.
fn thrift_fields(b: &[u8], at: &mut usize, out: &mut Vec<(Vec<i16>, String)>, path: &[i16]) {
    loop {
        let kind = b[*at];
        *at += 1;
        if kind == 0 {
            return;
        }
        let id = i16::from_be_bytes([b[*at], b[*at + 1]]);
        *at += 2;
        let mut here = path.to_vec();
        here.push(id);
        let word = |at: usize| i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        match kind {
            8 => {
                out.push((here, word(*at).to_string()));
                *at += 4;
            }
            11 => {
                let len = word(*at) as usize;
                out.push((
                    here,
                    String::from_utf8(b[*at + 4..*at + 4 + len].to_vec()).unwrap(),
                ));
                *at += 4 + len;
            }
            12 => thrift_fields(b, at, out, &here),
            other => panic!("unexpected Thrift type {other}"),
        }
    }
}

#[tokio::test]
async fn thrift_open_session_is_rejected_with_kp001() {
    let h = Harness::start().await;
    let post = |body: Vec<u8>, token: Option<String>| {
        let mut req = h
            .http
            .post(h.url(&h.wh.http_path()))
            .header("content-type", "application/x-thrift")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let resp = post(thrift_call("OpenSession", 7), Some(h.token.clone()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/x-thrift");
    let b = resp.bytes().await.unwrap().to_vec();
    assert_eq!(&b[..4], &[0x80, 0x01, 0x00, 0x02], "a strict REPLY");
    assert_eq!(&b[8..19], b"OpenSession");
    assert_eq!(&b[19..23], &7i32.to_be_bytes());
    let mut fields = Vec::new();
    thrift_fields(&b, &mut 23, &mut fields, &[]);
    let get = |path: &[i16]| {
        fields
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        get(&[0, 1, 1]),
        Some("3"),
        "TStatus.statusCode = ERROR_STATUS"
    );
    assert_eq!(get(&[0, 1, 3]), Some("KP001"), "TStatus.sqlState");
    assert!(get(&[0, 1, 5]).is_some_and(|m| m.contains("Statement Execution API")));
    // Other calls get an exception; a missing token the usual 401; garbage a 400.
    let resp = post(thrift_call("ExecuteStatement", 8), Some(h.token.clone()))
        .await
        .unwrap();
    let b = resp.bytes().await.unwrap();
    assert_eq!(&b[..4], &[0x80, 0x01, 0x00, 0x03]);
    let resp = post(thrift_call("OpenSession", 1), None).await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = post(b"hello".to_vec(), Some(h.token.clone()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn discovery_routes_answer_like_a_workspace_without_flags() {
    let h = Harness::start().await;
    let r = h
        .get("/api/2.0/connector-service/feature-flags/PYTHON/4.9.0")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"flags": [], "ttl_seconds": 900}));
    let r = h
        .send(
            reqwest::Method::GET,
            "/.well-known/databricks-config",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["oidc_endpoint"], format!("{}/oidc", h.wh.url()));
    assert!(r.body["workspace_id"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
}

#[tokio::test]
async fn a_16_mib_statement_is_accepted() {
    let h = Harness::start().await;
    let literal = "x".repeat(1024 * 1024);
    let head = format!("SELECT length('{literal}') AS n /* ");
    let sql = format!("{head}{} */", "y".repeat(16 * 1024 * 1024 - head.len() - 3));
    assert_eq!(sql.len(), 16 * 1024 * 1024);
    let r = h.exec(&sql, json!({"wait_timeout": "50s"})).await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    assert_eq!(
        r.body["status"]["state"],
        "SUCCEEDED",
        "{}",
        &r.text[..r.text.len().min(300)]
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([[literal.len().to_string()]])
    );
    // One byte over the body limit is refused before it is read.
    let over = "z".repeat(17 * 1024 * 1024);
    let r = h.exec(&over, json!({})).await;
    assert_eq!(r.status, 413);
}
