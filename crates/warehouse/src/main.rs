//! `sluice-warehouse`: runs the local warehouse and prints one JSON ready line on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use sluice_warehouse::{Warehouse, WarehouseConfig};
use tokio::signal::unix::{signal, Signal, SignalKind};

/// A local HTTPS server that behaves like a Databricks SQL warehouse (SQL Statement
/// Execution API), backed by Apache DataFusion. Prints one JSON line with the URL, CA path,
/// token and ids on stdout when ready; logs go to stderr.
#[derive(Parser, Debug)]
#[command(name = "sluice-warehouse", version)]
struct Cli {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind (0 = any free port; read it from the ready line).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Accepted personal access token (repeatable). Default: one random `dapi…` token.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// Directory where `ca.pem` is written. Default: a fresh temporary directory.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS.
    #[arg(long)]
    plain_http: bool,
    /// Scale factor of the generated `samples.tpch` tables.
    #[arg(long, default_value_t = 0.01, value_name = "F")]
    tpch_scale: f64,
    /// Maximum rows per result chunk.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    chunk_rows: usize,
    /// Target maximum uncompressed Arrow bytes per result chunk.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "N")]
    chunk_bytes: usize,
    /// Hybrid disposition: inline attachment when the whole Arrow result is at most this.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    inline_limit: usize,
    /// Lifetime of external links, in seconds.
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    link_ttl: u64,
    /// Base URL external links point at (e.g. a TCP proxy in front of this warehouse).
    /// Default: the warehouse's own URL.
    #[arg(long, value_name = "URL")]
    link_base_url: Option<String>,
    /// Lifetime of OAuth tokens minted at /oidc/v1/token, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    token_ttl: u64,
    /// Seconds after which an unused session is gone.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    session_idle_timeout: u64,
    /// Seconds a finished statement and its results are kept (then 404).
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    result_retention: u64,
    /// OAuth M2M client id accepted at /oidc/v1/token (needs --oauth-client-secret).
    #[arg(long, value_name = "ID", requires = "oauth_client_secret")]
    oauth_client_id: Option<String>,
    /// OAuth M2M client secret (needs --oauth-client-id).
    #[arg(long, value_name = "SECRET", requires = "oauth_client_id")]
    oauth_client_secret: Option<String>,
    /// Mount the /admin/... routes (fault injection, token revocation, counters).
    #[arg(long)]
    enable_admin: bool,
    /// Mount a .parquet or .csv file as main.default.NAME (repeatable).
    #[arg(long = "table", value_name = "NAME=PATH", value_parser = parse_table)]
    tables: Vec<(String, PathBuf)>,
    /// Also serve a hive_metastore catalog (schema default) without information_schema.
    #[arg(long)]
    hive_metastore: bool,
}

fn parse_table(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=PATH, got '{s}'"))?;
    if name.is_empty() || path.is_empty() {
        return Err(format!("expected NAME=PATH, got '{s}'"));
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

impl Cli {
    fn into_config(self) -> WarehouseConfig {
        WarehouseConfig {
            host: self.host,
            port: self.port,
            tokens: self.tokens,
            state_dir: self.state_dir,
            plain_http: self.plain_http,
            tpch_scale: self.tpch_scale,
            chunk_rows: self.chunk_rows,
            chunk_bytes: self.chunk_bytes,
            inline_limit: self.inline_limit,
            link_ttl: Duration::from_secs(self.link_ttl),
            link_base_url: self.link_base_url,
            token_ttl: Duration::from_secs(self.token_ttl),
            session_idle_timeout: Duration::from_secs(self.session_idle_timeout),
            result_retention: Duration::from_secs(self.result_retention),
            oauth_client_id: self.oauth_client_id,
            oauth_client_secret: self.oauth_client_secret,
            enable_admin: self.enable_admin,
            tables: self.tables,
            hive_metastore: self.hive_metastore,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let config = Cli::parse().into_config();
    // Listening before the ready line exists: a client may signal the moment it reads it, and
    // a signal with no listener yet would take the default action instead of a clean stop.
    let mut signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sluice-warehouse: cannot listen for signals: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let warehouse = match Warehouse::start(config).await {
        Ok(w) => w,
        Err(e) => {
            eprintln!("sluice-warehouse: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", warehouse.ready_line());
    let _ = stdout.flush();
    drop(stdout);
    eprintln!("sluice-warehouse: listening on {}", warehouse.url());
    signals.recv().await;
    eprintln!("sluice-warehouse: shutting down");
    warehouse.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// SIGTERM and SIGINT listeners; a signal that arrives before `recv` is kept until then.
struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}
