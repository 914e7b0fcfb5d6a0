//! External links: the warehouse's own blob route with HMAC-signed, expiring URLs, and the
//! download handler that behaves like a pre-signed S3 GET (XML errors, no auth header).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::results::Payload;
use crate::state::AppState;
use crate::statements::StatementState;

pub struct LinkSigner {
    key: [u8; 32],
    ttl: Duration,
    /// Links minted before the current generation are expired (admin "expire links now").
    generation: AtomicU64,
}

/// A freshly minted link.
pub struct Link {
    pub url: String,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as real warehouses write it.
    pub expiration: String,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl LinkSigner {
    pub fn new(ttl: Duration) -> Self {
        Self {
            key: rand::random(),
            ttl,
            generation: AtomicU64::new(0),
        }
    }

    fn sign(&self, statement: &str, chunk: usize, gen: u64, expires: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{statement}/{chunk}/{gen}/{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn mint(&self, base_url: &str, statement: &str, chunk: usize) -> Link {
        let expires = now_ms() + self.ttl.as_millis() as u64;
        let gen = self.generation.load(Ordering::SeqCst);
        let sig = self.sign(statement, chunk, gen, expires);
        let expiration = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(expires as i64)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default();
        Link {
            url: format!(
                "{base_url}/blob/{statement}/{chunk}?gen={gen}&expires={expires}&sig={sig}"
            ),
            expiration,
        }
    }

    pub fn expire_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn verify(&self, statement: &str, chunk: usize, q: &LinkQuery) -> Result<(), Rejection> {
        let expected = self.sign(statement, chunk, q.gen, q.expires);
        let same = expected.len() == q.sig.len()
            && expected
                .bytes()
                .zip(q.sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(Rejection::Signature);
        }
        if q.gen < self.generation.load(Ordering::SeqCst) || now_ms() > q.expires {
            return Err(Rejection::Expired(q.expires));
        }
        Ok(())
    }
}

/// The signed part of a link's query string.
struct LinkQuery {
    gen: u64,
    expires: u64,
    sig: String,
}

impl LinkQuery {
    fn parse(q: &HashMap<String, String>) -> Option<Self> {
        Some(LinkQuery {
            gen: q.get("gen")?.parse().ok()?,
            expires: q.get("expires")?.parse().ok()?,
            sig: q.get("sig")?.clone(),
        })
    }
}

enum Rejection {
    Signature,
    Expired(u64),
    AuthHeader,
    NoSuchKey,
}

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
