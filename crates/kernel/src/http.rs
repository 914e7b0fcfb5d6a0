//! The one execute path every API request goes through: bearer auth, the exactly-once refresh on
//! a recognised credential rejection, the retry policy, cancellable waits, and the mapping of
//! non-2xx answers to typed errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::auth::{is_credential_rejection, Auth};
use crate::config::{Config, ProxyConfig};
use crate::error::{Error, ErrorCode, Result};
use crate::retry::{parse_retry_after, Failure, Operation, RetryPolicy};
use crate::wire::PlatformError;

/// What an HTTP client is for.
pub(crate) enum ClientKind {
    /// API calls: redirects followed.
    Api,
    /// Pre-signed links: never redirected (a link must not lead to another host), and over
    /// HTTP/1.1, one connection per parallel download. Multiplexed on one HTTP/2 connection,
    /// downloads share its bandwidth and queue behind each other, so on a slow link a stream can
    /// wait past the read timeout for its first byte, and one stalled connection stalls them all.
    Downloads,
}

/// Builds the reqwest client used for API calls or (without default auth) for downloads.
pub(crate) fn build_client(config: &Config, kind: ClientKind) -> Result<reqwest::Client> {
    // reqwest is built without a crypto provider of its own and takes the process default:
    // ring (see the workspace Cargo.toml). An Err means one is installed already, which is kept.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.request_timeout)
        .pool_idle_timeout(Duration::from_secs(60));
    builder = match kind {
        // The caller's extra headers go to the workspace only, never to a pre-signed link.
        ClientKind::Api => builder
            .redirect(reqwest::redirect::Policy::limited(5))
            .default_headers(config.extra_headers()?),
        ClientKind::Downloads => builder
            .redirect(reqwest::redirect::Policy::none())
            .http1_only(),
    };
    if let Some(pem) = &config.ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            Error::invalid_argument(format!("the CA certificate is not valid PEM: {e}"))
        })?;
        if certs.is_empty() {
            return Err(Error::invalid_argument(
                "the CA certificate file holds no certificate",
            ));
        }
        builder = builder.tls_certs_only(certs);
    }
    builder = match &config.proxy {
        Some(p) => builder.proxy(proxy(p)?),
        None => builder.no_proxy(),
    };
    builder
        .build()
        .map_err(|e| Error::internal(format!("could not build the HTTP client: {e}")))
}

/// The reqwest proxy of `p`. Errors never quote the URL's credentials: it carries none.
fn proxy(p: &ProxyConfig) -> Result<reqwest::Proxy> {
    let made = if p.https_only {
        reqwest::Proxy::https(&p.url)
    } else {
        reqwest::Proxy::all(&p.url)
    };
    let mut proxy = made.map_err(|e| {
        Error::invalid_argument(format!("the proxy {:?} is not usable: {e}", p.url))
    })?;
    if let Some((user, password)) = &p.auth {
        proxy = proxy.basic_auth(user, password.expose());
    }
    Ok(proxy.no_proxy(
        p.no_proxy
            .as_deref()
            .and_then(reqwest::NoProxy::from_string),
    ))
}

pub(crate) struct ApiClient {
    http: reqwest::Client,
    base: String,
    auth: Arc<Auth>,
    retry: RetryPolicy,
}

/// A non-2xx answer or a transport failure of one attempt.
enum AttemptError {
    Status {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    Transport {
        connect: bool,
        error: Error,
    },
}

impl ApiClient {
    pub fn new(http: reqwest::Client, base: String, auth: Arc<Auth>, retry: RetryPolicy) -> Self {
        ApiClient {
            http,
            base,
            auth,
            retry,
        }
    }

    /// Sends one API request and decodes its JSON answer.
    pub async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        op: Operation,
        method: Method,
        path: &str,
        body: Option<&B>,
        cancel: &CancellationToken,
    ) -> Result<T> {
        let url = format!("{}{}", self.base, path);
        let started = Instant::now();
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            let credential = self.auth.current().await?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(credential.token.expose());
            if let Some(b) = body {
                request = request.json(b);
            }
            let request = request.build().map_err(|e| {
                Error::from_request_build(&format!("{} could not be sent", op.describe()), e)
            })?;
            // A request that changes state on the server (a submission) is never abandoned in
            // flight: only its answer tells what it did. `cancel` then ends only the waits.
            let attempt = if op.is_idempotent() {
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => return Err(Error::cancelled(format!("{} was cancelled", op.describe()))),
                    r = send(&self.http, request) => r,
                }
            } else {
                send(&self.http, request).await
            };
            let failure = match attempt {
                Ok(bytes) => {
                    return serde_json::from_slice(&bytes).map_err(|e| {
                        Error::new(
                            ErrorCode::Internal,
                            format!(
                                "the server's answer to {} is not the expected JSON: {e}",
                                op.describe()
                            ),
                        )
                    })
                }
                Err(f) => f,
            };
            let (decision, error) = match &failure {
                AttemptError::Status {
                    status,
                    headers,
                    body,
                } => {
                    let platform: PlatformError = serde_json::from_slice(body).unwrap_or_default();
                    if is_credential_rejection(*status, &platform)
                        && !refreshed
                        && self
                            .auth
                            .refresh_after_rejection(&credential)
                            .await?
                            .is_some()
                    {
                        refreshed = true;
                        continue;
                    }
                    let retry_after = headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    (
                        Failure::Status {
                            status: *status,
                            retry_after,
                        },
                        error_from_status(op, *status, &platform),
                    )
                }
                AttemptError::Transport { connect, error } => (
                    if !error.retryable {
                        Failure::Permanent
                    } else if *connect {
                        Failure::Connect
                    } else {
                        Failure::Transport
                    },
                    error.clone(),
                ),
            };
            let retry_after = match decision {
                Failure::Status { retry_after, .. } => retry_after,
                _ => None,
            };
            if retries < self.retry.max_retries && self.retry.is_retryable(op, decision) {
                let wait = self.retry.backoff(retries + 1, retry_after);
                if started.elapsed() + wait <= self.retry.overall_budget {
                    retries += 1;
                    tokio::select! {
                        biased;
                        _ = cancel.cancelled() => return Err(Error::cancelled(format!("{} was cancelled", op.describe()))),
                        _ = tokio::time::sleep(wait) => continue,
                    }
                }
            }
            let mut error = error;
            if retries > 0 {
                error.message = format!("{} (after {retries} retries)", error.message);
            }
            return Err(error);
        }
    }
}

async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> std::result::Result<Vec<u8>, AttemptError> {
    let response = client
        .execute(request)
        .await
        .map_err(|e| AttemptError::Transport {
            connect: e.is_connect(),
            error: Error::from_transport("request failed", e),
        })?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| AttemptError::Transport {
            connect: false,
            error: Error::from_transport("response body was cut", e),
        })?
        .to_vec();
    if status.is_success() {
        Ok(body)
    } else {
        Err(AttemptError::Status {
            status: status.as_u16(),
            headers,
            body,
        })
    }
}

/// Maps a non-2xx answer to a typed error. String error codes take precedence over the status,
/// as in the SDKs; integer codes (legacy endpoints) are treated as absent.
fn error_from_status(op: Operation, status: u16, body: &PlatformError) -> Error {
    let code = match body.code_str() {
        Some("INVALID_PARAMETER_VALUE") | Some("INVALID_STATE") | Some("BAD_REQUEST") => {
            ErrorCode::InvalidArgument
        }
        Some("RESOURCE_DOES_NOT_EXIST") | Some("NOT_FOUND") => ErrorCode::NotFound,
        Some("RESOURCE_EXHAUSTED") | Some("REQUEST_LIMIT_EXCEEDED") => ErrorCode::ResourceExhausted,
        Some("UNAUTHENTICATED") => ErrorCode::Unauthenticated,
        Some("PERMISSION_DENIED") => ErrorCode::PermissionDenied,
        Some("TEMPORARILY_UNAVAILABLE") => ErrorCode::Unavailable,
        Some("DEADLINE_EXCEEDED") => ErrorCode::Timeout,
        _ if is_credential_rejection(status, body) => ErrorCode::Unauthenticated,
        _ => match status {
            // The request itself is refused (too large a body, URL or header): a change of
            // input, not a retry, fixes it.
            400 | 413 | 414 | 431 => ErrorCode::InvalidArgument,
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::PermissionDenied,
            404 => ErrorCode::NotFound,
            429 => ErrorCode::ResourceExhausted,
            499 => ErrorCode::Cancelled,
            501 => ErrorCode::NotSupported,
            504 => ErrorCode::Timeout,
            500..=599 => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        },
    };
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let detail = body
        .message
        .as_deref()
        .map(|m| format!(": {}", m.trim()))
        .unwrap_or_default();
    let mut error = Error::new(
        code,
        format!(
            "{} failed with HTTP {status} {reason}{detail}",
            op.describe()
        ),
    )
    .with_http_status(status)
    .with_retryable(matches!(status, 429 | 500..=599));
    if let Some(vendor) = body.code_str() {
        error = error.with_vendor_code(vendor);
    }
    error
}
