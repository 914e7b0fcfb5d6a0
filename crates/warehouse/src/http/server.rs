//! Accept loop and the front door every request passes: trailing-slash normalisation,
//! injected faults, and per-route counters, around the axum router.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Router;
use futures::StreamExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::errors::{platform_error, ApiError};
use crate::faults::{self, Fault, FaultKind};
use crate::http::blob;
use crate::http::state::AppState;

const TLS_BUFFER_LIMIT: usize = 1024 * 1024;
const H2_SEND_BUFFER: usize = 4 * 1024 * 1024;

/// Returned to hyper to make it close the connection without answering.
#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedByFault {}

pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<AppState>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let state = state.clone();
        let router = router.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(mut stream) = acceptor.accept(tcp).await {
                        // Bigger TLS write batches mean fewer syscalls on large downloads.
                        stream.get_mut().1.set_buffer_limit(Some(TLS_BUFFER_LIMIT));
                        serve_connection(stream, state, router).await;
                    }
                }
                None => serve_connection(tcp, state, router).await,
            }
        });
    }
}

async fn serve_connection<I>(io: I, state: Arc<AppState>, router: Router)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        front(state.clone(), router.clone(), req)
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A larger HTTP/2 send buffer keeps big downloads from stalling on small writes.
    builder.http2().max_send_buf_size(H2_SEND_BUFFER);
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

async fn front(
    state: Arc<AppState>,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, DroppedByFault> {
    let req = strip_trailing_slash(req.map(Body::new));
    let route = faults::classify(req.method(), req.uri().path());
    let fault = (route != "admin")
        .then(|| state.faults.take(route))
        .flatten();
    let mut cut = None;
    if let Some(fault) = fault {
        state.counters.faults_injected();
        match fault.kind {
            FaultKind::Status => {
                let resp = fault_response(&fault, route == "download");
                state.counters.request(route, resp.status().as_u16());
                return Ok(resp);
            }
            FaultKind::Delay => {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or(0))).await
            }
            FaultKind::Cut => cut = fault.cut_after_bytes,
            FaultKind::Drop => {
                state.counters.request(route, 0);
                return Err(DroppedByFault);
            }
        }
    }
    let mut resp = match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    // Real warehouses tag every answer with a request id; clients log it.
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut().insert("x-request-id", id);
    }
    state.counters.request(route, resp.status().as_u16());
    Ok(match cut {
        Some(n) => cut_body(resp, n).await,
        None => resp,
    })
}

/// Clients disagree on trailing slashes (`/statements/` vs `/statements`); route both.
fn strip_trailing_slash(mut req: Request<Body>) -> Request<Body> {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let pq = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = Uri::builder().path_and_query(pq).build() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Downloads answer like cloud storage (XML); API routes with the platform error object.
fn fault_response(fault: &Fault, storage: bool) -> Response<Body> {
    let status = StatusCode::from_u16(fault.status.unwrap_or(503))
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut resp = match status.as_u16() {
        403 if storage => blob::s3_error(status, "AccessDenied", "Request has expired", ""),
        503 if storage => {
            blob::s3_error(status, "SlowDown", "Please reduce your request rate.", "")
        }
        _ if storage => blob::s3_error(status, "InternalError", "Injected fault.", ""),
        _ if fault.error_code.is_some() => platform_error(
            status,
            fault.error_code.as_deref().unwrap_or("UNKNOWN"),
            fault.message.as_deref().unwrap_or("Injected fault."),
        ),
        401 => ApiError::Unauthenticated.into_response(),
        403 => ApiError::InvalidToken.into_response(),
        429 => platform_error(
            status,
            "REQUEST_LIMIT_EXCEEDED",
            "Too many requests (injected fault).",
        ),
        503 => platform_error(
            status,
            "TEMPORARILY_UNAVAILABLE",
            "The service is temporarily unavailable (injected fault).",
        ),
        500 => platform_error(status, "INTERNAL_ERROR", "Internal error (injected fault)."),
        404 => platform_error(status, "NOT_FOUND", "Not found (injected fault)."),
        _ => platform_error(status, "UNKNOWN", "Injected fault."),
    };
    if let Some(secs) = fault.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// Sends the first `n` body bytes, then fails the body so the connection is aborted while
/// the client still expects the full `Content-Length`.
async fn cut_body(resp: Response<Body>, n: u64) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let head = bytes.slice(..(n as usize).min(bytes.len()));
    // The pause lets the head and the first bytes reach the client before the abort.
    let stream = futures::stream::iter([Some(head), None]).then(|part| async move {
        match part {
            Some(bytes) => Ok(bytes),
            None => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "body cut by an injected fault",
                ))
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}
