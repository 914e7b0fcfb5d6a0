//! A connection: one HTTP client, one credential cache and one server session. The session is
//! reopened, once and single-flight, when the server says it is gone (idle expiry), keeping the
//! same catalog, schema and confs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reqwest::Method;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::auth::{Auth, ClientCredentials, Source};
use crate::config::{AuthConfig, Config};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{build_client, ApiClient, ClientKind};
use crate::retry::Operation;
use crate::statement::Statement;
use crate::wire::{CreateSessionRequest, CreateSessionResponse};

pub(crate) struct ConnInner {
    pub api: Arc<ApiClient>,
    /// The runtime the connection was opened on. Cancel and drop can be called from threads
    /// without one (Node's main thread, a finalizer), and still need to reach the server.
    pub runtime: tokio::runtime::Handle,
    pub downloads: reqwest::Client,
    pub config: Config,
    pub warehouse_id: String,
    session: Mutex<Option<String>>,
    closed: AtomicBool,
}

#[derive(Clone)]
pub struct Connection {
    inner: Arc<ConnInner>,
}

impl Connection {
    /// Validates the configuration, builds the HTTP clients and opens a session.
    pub async fn open(config: Config) -> Result<Connection> {
        config.validate()?;
        let base = config.base_url()?;
        let warehouse_id = config.warehouse_id()?;
        let http = build_client(&config, ClientKind::Api)?;
        let downloads = build_client(&config, ClientKind::Downloads)?;
        let source = match &config.auth {
            AuthConfig::Token(t) => Source::Static(t.clone()),
            AuthConfig::Provider(p) => Source::Refreshable(p.clone()),
            AuthConfig::OAuthM2M {
                client_id,
                client_secret,
                scope,
            } => Source::Refreshable(Arc::new(ClientCredentials {
                http: http.clone(),
                token_url: format!("{base}/oidc/v1/token"),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                scope: scope.clone(),
            })),
        };
        let auth = Arc::new(Auth::new(source));
        let api = Arc::new(ApiClient::new(http, base, auth, config.retry.clone()));
        let inner = Arc::new(ConnInner {
            api,
            runtime: tokio::runtime::Handle::current(),
            downloads,
            config,
            warehouse_id,
            session: Mutex::new(None),
            closed: AtomicBool::new(false),
        });
        let id = inner.create_session().await?;
        *inner.session.lock().await = Some(id);
        Ok(Connection { inner })
    }

    /// A new statement handle on this connection (one execution each).
    pub fn statement(&self) -> Result<Statement> {
        if self.inner.is_closed() {
            return Err(Error::closed("the connection"));
        }
        Ok(Statement::new(self.inner.clone()))
    }

    pub async fn session_id(&self) -> Result<String> {
        self.inner.session_id().await
    }

    /// Idempotent and best-effort: the server session is deleted if it still exists.
    pub async fn close(&self) -> Result<()> {
        if self.inner.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let id = self.inner.session.lock().await.take();
        if let Some(id) = id {
            let path = format!(
                "/api/2.0/sql/sessions/{id}?warehouse_id={}",
                self.inner.warehouse_id
            );
            let _ignored: Result<serde_json::Value> = self
                .inner
                .api
                .call::<(), _>(
                    Operation::CloseSession,
                    Method::DELETE,
                    &path,
                    None,
                    &CancellationToken::new(),
                )
                .await;
        }
        Ok(())
    }
}

impl ConnInner {
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    async fn create_session(&self) -> Result<String> {
        let body = CreateSessionRequest {
            warehouse_id: &self.warehouse_id,
            catalog: self.config.catalog.as_deref(),
            schema: self.config.schema.as_deref(),
            session_confs: &self.config.session_confs,
        };
        let response: CreateSessionResponse = self
            .api
            .call(
                Operation::CreateSession,
                Method::POST,
                "/api/2.0/sql/sessions",
                Some(&body),
                &CancellationToken::new(),
            )
            .await?;
        response
            .session_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::Internal,
                    "the server opened a session but returned no session_id",
                )
            })
    }

    pub async fn session_id(&self) -> Result<String> {
        if self.is_closed() {
            return Err(Error::closed("the connection"));
        }
        self.session
            .lock()
            .await
            .clone()
            .ok_or_else(|| Error::closed("the connection"))
    }

    /// Replaces `stale` with a new session unless another caller already did.
    pub async fn reopen_session(&self, stale: &str) -> Result<String> {
        let mut slot = self.session.lock().await;
        match slot.as_deref() {
            Some(current) if current != stale => return Ok(current.to_string()),
            None => return Err(Error::closed("the connection")),
            _ => {}
        }
        let fresh = self.create_session().await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }
}

/// The server's answer for a statement submitted on a session it no longer has: recognised from
/// status and body together (404 with a message naming the session), never from status alone.
pub(crate) fn is_session_gone(error: &Error) -> bool {
    let message = error.message.to_ascii_lowercase();
    matches!(error.http_status, Some(404) | Some(400))
        && message.contains("session")
        && (message.contains("does not exist")
            || message.contains("not found")
            || message.contains("expired"))
}
