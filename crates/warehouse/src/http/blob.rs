//! The blob route external links point to (signed by `links.rs`): a download handler that
//! behaves like a pre-signed S3 GET (XML errors, no auth header).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::http::state::AppState;
use crate::links::{now_ms, LinkQuery, Rejection};
use crate::results::Payload;
use crate::statements::StatementState;

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let (status, code, message, extra) = match self {
            Rejection::Signature => (
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                String::new(),
            ),
            Rejection::Expired(expires) => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired",
                format!(
                    "<Expires>{}</Expires><ServerTime>{}</ServerTime>",
                    iso(expires),
                    iso(now_ms())
                ),
            ),
            Rejection::AuthHeader => (
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
                "<ArgumentName>Authorization</ArgumentName>".to_string(),
            ),
            Rejection::NoSuchKey => (
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
                String::new(),
            ),
        };
        s3_error(status, code, message, &extra)
    }
}

/// An S3-style XML error, as pre-signed cloud storage answers.
pub fn s3_error(status: StatusCode, code: &str, message: &str, extra: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>{extra}<RequestId>{}</RequestId></Error>",
        uuid::Uuid::new_v4().simple()
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    resp
}

fn iso(ms: u64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms as i64)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// `GET /blob/{statement}/{chunk}?gen&expires&sig`.
pub async fn download(
    State(state): State<Arc<AppState>>,
    Path((statement, chunk)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        state.counters.downloads_with_authorization();
        return Rejection::AuthHeader.into_response();
    }
    let (Ok(chunk), Some(q)) = (chunk.parse::<usize>(), LinkQuery::parse(&query)) else {
        return Rejection::Signature.into_response();
    };
    if let Err(r) = state.links.verify(&statement, chunk, &q) {
        return r.into_response();
    }
    let Some(bytes) = chunk_bytes(&state, &statement, chunk) else {
        return Rejection::NoSuchKey.into_response();
    };
    state.counters.downloads();
    state.counters.add_download_bytes(bytes.len() as u64);
    let len = bytes.len();
    let throttle = state.download_throttle();
    let body = match throttle {
        Some(rate) => throttled(bytes, rate),
        None => Body::from(bytes),
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("binary/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

fn chunk_bytes(state: &AppState, statement: &str, chunk: usize) -> Option<Bytes> {
    let snap = state.statements.get(statement)?.snapshot();
    if snap.state != StatementState::Succeeded {
        return None;
    }
    let result = snap.result?;
    match &result.chunks.get(chunk)?.payload {
        Payload::Bytes(b) if !result.inline => Some(b.clone()),
        _ => None,
    }
}

/// Sends `bytes` at about `rate` bytes per second, in slices of a tenth of a second.
fn throttled(bytes: Bytes, rate: u64) -> Body {
    let piece = (rate / 10).max(1) as usize;
    let stream = futures::stream::unfold(bytes, move |mut rest| async move {
        if rest.is_empty() {
            return None;
        }
        let part = rest.split_to(piece.min(rest.len()));
        tokio::time::sleep(Duration::from_secs_f64(part.len() as f64 / rate as f64)).await;
        Some((Ok::<_, std::io::Error>(part), rest))
    });
    Body::from_stream(stream)
}
