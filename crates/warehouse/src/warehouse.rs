//! The `Warehouse` handle: starts the server on its own runtime and exposes what clients
//! and tests need (URL, CA, token, ids, counters, admin knobs).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio_rustls::TlsAcceptor;

use crate::config::WarehouseConfig;
use crate::counters::{CounterSet, Counters};
use crate::faults::FaultBook;
use crate::http::admin::Admin;
use crate::http::state::AppState;
use crate::http::{router, server, tls};
use crate::links::LinkSigner;
use crate::sessions::SessionStore;
use crate::sql::engine::Engine;
use crate::statements::StatementStore;
use crate::tokens::TokenStore;

/// Why the warehouse could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot write the CA certificate to {path}: {source}")]
    StateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Tls(String),
    #[error("cannot set up the SQL engine: {0}")]
    Engine(String),
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// A running local warehouse. Dropping it stops the server too; `shutdown` does it gracefully.
pub struct Warehouse {
    state: Arc<AppState>,
    url: String,
    host: String,
    port: u16,
    ca_pem: Option<String>,
    ca_path: Option<PathBuf>,
    /// A state directory we created ourselves, removed on shutdown.
    owned_dir: Option<PathBuf>,
    shutdown: watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
}

struct Booted {
    state: Arc<AppState>,
    url: String,
    port: u16,
    ca_pem: Option<String>,
    ca_path: Option<PathBuf>,
    owned_dir: Option<PathBuf>,
}

impl Warehouse {
    /// Starts a warehouse (binding `config.host:config.port`, 0 = any free port).
    pub async fn start(config: WarehouseConfig) -> Result<Warehouse, StartError> {
        validate(&config)?;
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(4);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("sluice-warehouse")
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (tx, rx) = oneshot::channel();
        let host = config.host.clone();
        runtime.spawn(async move {
            let _ = tx.send(boot(config, shutdown_rx).await);
        });
        let booted = match rx.await {
            Ok(result) => result,
            Err(_) => Err(StartError::Engine("the start-up task died".to_string())),
        };
        let booted = match booted {
            Ok(b) => b,
            Err(e) => {
                runtime.shutdown_background();
                return Err(e);
            }
        };
        Ok(Warehouse {
            state: booted.state,
            url: booted.url,
            host,
            port: booted.port,
            ca_pem: booted.ca_pem,
            ca_path: booted.ca_path,
            owned_dir: booted.owned_dir,
            shutdown,
            runtime: Some(runtime),
        })
    }

    /// `https://host:port` (or `http://` with `plain_http`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// PEM of the CA that signed the server certificate (`None` with `plain_http`).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Where the CA PEM was written (`None` with `plain_http`).
    pub fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The first accepted personal access token.
    pub fn token(&self) -> &str {
        &self.state.tokens.personal()[0]
    }

    /// Every accepted personal access token.
    pub fn tokens(&self) -> &[String] {
        self.state.tokens.personal()
    }

    pub fn warehouse_id(&self) -> &str {
        &self.state.warehouse_id
    }

    /// `/sql/1.0/warehouses/<id>`.
    pub fn http_path(&self) -> String {
        format!("/sql/1.0/warehouses/{}", self.state.warehouse_id)
    }

    pub fn config(&self) -> &WarehouseConfig {
        &self.state.config
    }

    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    pub fn admin(&self) -> Admin {
        Admin::new(self.state.clone())
    }

    /// The JSON the binary prints when it is ready.
    pub fn ready_line(&self) -> Value {
        let c = &self.state.config;
        json!({
            "url": self.url,
            "host": self.host,
            "port": self.port,
            "ca_path": self.ca_path,
            "token": self.token(),
            "warehouse_id": self.warehouse_id(),
            "http_path": self.http_path(),
            "oauth_client_id": c.oauth_client_id,
            "oauth_client_secret": c.oauth_client_secret,
            "token_ttl_secs": c.token_ttl.as_secs(),
            "link_ttl_secs": c.link_ttl.as_secs(),
            "link_base_url": self.state.link_base_url,
            "session_idle_timeout_secs": c.session_idle_timeout.as_secs(),
            "result_retention_secs": c.result_retention.as_secs(),
            "chunk_rows": c.chunk_rows,
            "chunk_bytes": c.chunk_bytes,
            "inline_limit": c.inline_limit,
            "admin": c.enable_admin,
        })
    }

    /// Stops accepting, ends open connections and removes a state directory it created.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(rt) = self.runtime.take() {
            let _ =
                tokio::task::spawn_blocking(move || rt.shutdown_timeout(Duration::from_secs(2)))
                    .await;
        }
        self.remove_owned_dir();
    }

    fn remove_owned_dir(&mut self) {
        if let Some(dir) = self.owned_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Warehouse {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        self.remove_owned_dir();
    }
}

fn validate(config: &WarehouseConfig) -> Result<(), StartError> {
    let bad = |m: &str| Err(StartError::Config(m.to_string()));
    if config.oauth_client_id.is_some() != config.oauth_client_secret.is_some() {
        return bad("oauth_client_id and oauth_client_secret go together");
    }
    if config.chunk_rows == 0 || config.chunk_bytes == 0 {
        return bad("chunk_rows and chunk_bytes must be positive");
    }
    if !(config.tpch_scale >= 0.0 && config.tpch_scale <= 10.0) {
        return bad("tpch_scale must be between 0 and 10");
    }
    if config.tokens.iter().any(|t| t.trim().is_empty()) {
        return bad("tokens must not be empty");
    }
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

async fn boot(
    mut config: WarehouseConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<Booted, StartError> {
    if config.tokens.is_empty() {
        config.tokens.push(format!("dapi{}", random_hex(16)));
    }
    let addr = format!("{}:{}", config.host, config.port);
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?
        .port();
    let url_host = if config.host.contains(':') {
        format!("[{}]", config.host)
    } else {
        config.host.clone()
    };

    let (tls, ca_pem, ca_path, owned_dir) = if config.plain_http {
        (None, None, None, None)
    } else {
        let material = tls::generate().map_err(StartError::Tls)?;
        let (dir, owned) = match &config.state_dir {
            Some(d) => (d.clone(), None),
            None => {
                let d = std::env::temp_dir().join(format!(
                    "sluice-warehouse-{}",
                    uuid::Uuid::new_v4().simple()
                ));
                (d.clone(), Some(d))
            }
        };
        let path = dir.join("ca.pem");
        std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(&path, &material.ca_pem))
            .map_err(|source| StartError::StateDir {
                path: path.clone(),
                source,
            })?;
        (
            Some(TlsAcceptor::from(material.server_config)),
            Some(material.ca_pem),
            Some(path),
            owned,
        )
    };
    let scheme = if config.plain_http { "http" } else { "https" };
    let url = format!("{scheme}://{url_host}:{port}");

    let engine = Engine::new(&config).await.map_err(StartError::Engine)?;
    let state = Arc::new(AppState {
        base_url: url.clone(),
        link_base_url: config
            .link_base_url
            .as_deref()
            .map_or_else(|| url.clone(), |u| u.trim_end_matches('/').to_string()),
        warehouse_id: random_hex(8),
        tokens: TokenStore::new(config.tokens.clone(), format!("{url}/oidc")),
        sessions: SessionStore::new(config.session_idle_timeout),
        statements: StatementStore::new(config.result_retention),
        engine,
        links: LinkSigner::new(config.link_ttl),
        faults: FaultBook::default(),
        counters: CounterSet::default(),
        throttle: Default::default(),
        config,
    });
    let app = router::build(state.clone());
    tokio::spawn(server::serve(
        listener,
        tls,
        state.clone(),
        app,
        shutdown.clone(),
    ));
    tokio::spawn(janitor(state.clone(), shutdown));
    Ok(Booted {
        state,
        url,
        port,
        ca_pem,
        ca_path,
        owned_dir,
    })
}

/// Frees idle sessions and expired results even when nobody asks for them.
async fn janitor(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let period = state
        .config
        .session_idle_timeout
        .min(state.config.result_retention)
        .div_f64(4.0)
        .clamp(Duration::from_millis(100), Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {
                state.sessions.sweep();
                state.statements.sweep();
            }
            _ = shutdown.changed() => return,
        }
    }
}
