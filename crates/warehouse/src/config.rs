//! Everything a warehouse needs to know before it starts. The CLI maps its flags onto this.

use std::path::PathBuf;
use std::time::Duration;

/// Start-up settings. Every field has the default of the matching CLI flag.
#[derive(Debug, Clone)]
pub struct WarehouseConfig {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Accepted personal access tokens; empty means one random `dapi…` token.
    pub tokens: Vec<String>,
    /// Where `ca.pem` is written; `None` means a fresh temporary directory.
    pub state_dir: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS.
    pub plain_http: bool,
    /// TPC-H scale factor of `samples.tpch`.
    pub tpch_scale: f64,
    /// Maximum rows per result chunk.
    pub chunk_rows: usize,
    /// Target maximum uncompressed bytes per result chunk.
    pub chunk_bytes: usize,
    /// Hybrid disposition: inline when the whole Arrow result is at most this many bytes.
    pub inline_limit: usize,
    /// Lifetime of external links.
    pub link_ttl: Duration,
    /// Base URL that external links point at, when downloads must reach the blob route some
    /// other way than the API does (through a proxy, say). `None` means the warehouse's own URL.
    pub link_base_url: Option<String>,
    /// Lifetime of OAuth tokens minted at `/oidc/v1/token`.
    pub token_ttl: Duration,
    /// A session unused for this long is gone.
    pub session_idle_timeout: Duration,
    /// A finished statement is kept this long, then answers 404.
    pub result_retention: Duration,
    /// OAuth M2M client id (needs `oauth_client_secret` too).
    pub oauth_client_id: Option<String>,
    /// OAuth M2M client secret.
    pub oauth_client_secret: Option<String>,
    /// Mount the `/admin/...` routes.
    pub enable_admin: bool,
    /// Files mounted as `main.default.<name>` (`.parquet` or `.csv`).
    pub tables: Vec<(String, PathBuf)>,
    /// Also serve a `hive_metastore` catalog (schema `default`) that, like a workspace's
    /// legacy Hive metastore, has no `information_schema`: clients must fall back to SHOW.
    pub hive_metastore: bool,
}

impl Default for WarehouseConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_string(),
            port: 0,
            tokens: Vec::new(),
            state_dir: None,
            plain_http: false,
            tpch_scale: 0.01,
            chunk_rows: 100_000,
            chunk_bytes: 16 * 1024 * 1024,
            inline_limit: 1024 * 1024,
            link_ttl: Duration::from_secs(900),
            link_base_url: None,
            token_ttl: Duration::from_secs(3600),
            session_idle_timeout: Duration::from_secs(3600),
            result_retention: Duration::from_secs(3600),
            oauth_client_id: None,
            oauth_client_secret: None,
            enable_admin: false,
            tables: Vec::new(),
            hive_metastore: false,
        }
    }
}
