//! The server session of a connection and what every statement shares with it: the API client,
//! the download client and the configuration. The session is reopened, once and single-flight,
//! when the server says it is gone (idle expiry), keeping the same catalog, schema and confs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reqwest::Method;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::http::ApiClient;
use crate::retry::Operation;
use crate::wire::{CreateSessionRequest, CreateSessionResponse};

pub(crate) struct Session {
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

impl Session {
    /// Opens the server session.
    pub async fn open(
        api: Arc<ApiClient>,
        downloads: reqwest::Client,
        config: Config,
        warehouse_id: String,
    ) -> Result<Session> {
        let session = Session {
            api,
            runtime: tokio::runtime::Handle::current(),
            downloads,
            config,
            warehouse_id,
            session: Mutex::new(None),
            closed: AtomicBool::new(false),
        };
        let id = session.create_session().await?;
        *session.session.lock().await = Some(id);
        Ok(session)
    }

    /// Idempotent and best-effort: the server session is deleted if it still exists.
    pub async fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let id = self.session.lock().await.take();
        if let Some(id) = id {
            let path = format!(
                "/api/2.0/sql/sessions/{id}?warehouse_id={}",
                self.warehouse_id
            );
            let _ignored: Result<serde_json::Value> = self
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
    }

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
