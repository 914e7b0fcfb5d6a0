//! A connection: one HTTP client, one credential cache and one server session (session.rs),
//! handing out statements.

use std::sync::Arc;

use crate::auth::{Auth, ClientCredentials, Source};
use crate::config::{AuthConfig, Config};
use crate::error::{Error, Result};
use crate::http::{build_client, ApiClient, ClientKind};
use crate::session::Session;
use crate::statement::Statement;

#[derive(Clone)]
pub struct Connection {
    inner: Arc<Session>,
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
        let inner = Arc::new(Session::open(api, downloads, config, warehouse_id).await?);
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
        self.inner.close().await;
        Ok(())
    }
}
