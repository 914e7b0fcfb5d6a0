//! Shared helpers: start a warehouse in-process and talk to it over real HTTPS.
#![allow(dead_code)]

use std::io::Read;

use arrow_array::RecordBatch;
use arrow_schema::DataType;
use base64::Engine as _;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sluice_warehouse::{Warehouse, WarehouseConfig};

pub struct Harness {
    pub wh: Warehouse,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// reqwest is built without a crypto provider of its own (see the workspace Cargo.toml): every
/// client a test builds takes ring, installed here as the process default.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn http_client(wh: &Warehouse) -> reqwest::Client {
    install_crypto_provider();
    let mut b = reqwest::Client::builder();
    if let Some(pem) = wh.ca_pem() {
        b = b.tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()]);
    }
    b.build().unwrap()
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(WarehouseConfig::default()).await
    }

    pub async fn with(config: WarehouseConfig) -> Self {
        let wh = Warehouse::start(config).await.expect("warehouse starts");
        let http = http_client(&wh);
        let token = wh.token().to_string();
        Harness { wh, http, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.wh.url(), path)
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(
            reqwest::Method::POST,
            path,
            Some(body),
            Some(&self.token.clone()),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, Some(&self.token.clone()))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(
            reqwest::Method::DELETE,
            path,
            None,
            Some(&self.token.clone()),
        )
        .await
    }

    pub async fn session(&self) -> String {
        let r = self
            .post("/api/2.0/sql/sessions", json!({"warehouse_id": self.wh.warehouse_id(), "catalog": "main", "schema": "default"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["session_id"].as_str().unwrap().to_string()
    }

    /// Executes with `extra` merged into the request body.
    pub async fn exec(&self, sql: &str, extra: Value) -> Reply {
        let mut body = json!({"statement": sql, "warehouse_id": self.wh.warehouse_id()});
        if let Value::Object(m) = extra {
            for (k, v) in m {
                body[k] = v;
            }
        }
        self.post("/api/2.0/sql/statements", body).await
    }

    /// Executes like `exec` and asserts the statement SUCCEEDED.
    pub async fn succeed(&self, sql: &str, extra: Value) -> Reply {
        let r = self.exec(sql, extra).await;
        assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{sql}: {}", r.text);
        r
    }

    /// Executes like `exec`, asserts the statement FAILED and returns its SQLSTATE and message.
    pub async fn fail(&self, sql: &str) -> (String, String) {
        let r = self.exec(sql, json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"]["state"], "FAILED", "{sql}: {}", r.text);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        (
            text(&r.body["status"]["sql_state"]),
            text(&r.body["status"]["error"]["message"]),
        )
    }

    /// Executes (hybrid, Arrow, LZ4), asserts SUCCEEDED and returns all rows as batches.
    pub async fn arrow(&self, sql: &str) -> (Value, Vec<RecordBatch>) {
        let r = self
            .exec(sql, json!({"disposition": "INLINE_OR_EXTERNAL_LINKS", "format": "ARROW_STREAM", "result_compression": "LZ4_FRAME"}))
            .await;
        assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{}", r.text);
        let batches = self.collect_arrow(&r.body).await;
        (r.body, batches)
    }

    /// Runs `sql` twice, as Arrow and as JSON_ARRAY: the manifest's columns, the Arrow types and
    /// the JSON rows, so a test can check a type in all three places at once.
    pub async fn describe(&self, sql: &str) -> (Vec<Value>, Vec<DataType>, Value) {
        let (body, batches) = self.arrow(sql).await;
        let cols = body["manifest"]["schema"]["columns"]
            .as_array()
            .unwrap()
            .clone();
        let arrow = batches[0]
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        (cols, arrow, self.json_rows(sql, json!({})).await)
    }

    /// Runs `sql` as INLINE JSON_ARRAY (plus `extra` request fields) and returns its rows.
    pub async fn json_rows(&self, sql: &str, extra: Value) -> Value {
        let mut req = json!({"disposition": "INLINE", "format": "JSON_ARRAY"});
        if let Value::Object(m) = extra {
            for (k, v) in m {
                req[k] = v;
            }
        }
        let r = self.exec(sql, req).await;
        assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{sql}: {}", r.text);
        r.body["result"]["data_array"].clone()
    }

    /// Reads every chunk of an Arrow result (inline attachment or links).
    pub async fn collect_arrow(&self, body: &Value) -> Vec<RecordBatch> {
        let lz4 = body["manifest"]["result_compression"] == "LZ4_FRAME";
        let result = &body["result"];
        if let Some(att) = result["attachment"].as_str() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(att)
                .unwrap();
            return decode_arrow(&bytes, lz4);
        }
        let total = body["manifest"]["total_chunk_count"].as_u64().unwrap_or(0) as usize;
        let id = body["statement_id"].as_str().unwrap();
        let mut out = Vec::new();
        for i in 0..total {
            let link = self.link(id, i).await;
            let resp = self
                .http
                .get(link["external_link"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let bytes = resp.bytes().await.unwrap();
            out.extend(decode_arrow(&bytes, lz4));
        }
        out
    }

    /// Executes with EXTERNAL_LINKS and Arrow, and returns the answer's first link object.
    pub async fn first_link(&self, sql: &str) -> Value {
        let r = self
            .exec(
                sql,
                json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
            )
            .await;
        assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{}", r.text);
        r.body["result"]["external_links"][0].clone()
    }

    pub async fn link(&self, id: &str, chunk: usize) -> Value {
        let r = self
            .get(&format!(
                "/api/2.0/sql/statements/{id}/result/chunks/{chunk}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["external_links"][0].clone()
    }
}

pub fn decode_arrow(bytes: &[u8], lz4: bool) -> Vec<RecordBatch> {
    let raw = if lz4 {
        let mut out = Vec::new();
        lz4_flex::frame::FrameDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes.to_vec()
    };
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(raw), None).unwrap();
    reader.map(|b| b.unwrap()).collect()
}

/// The manifest's column names, in order.
pub fn column_names(body: &Value) -> Vec<&str> {
    body["manifest"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

pub fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}
