//! Shared set-up: a warehouse with the wanted knobs, a kernel config that trusts its CA with fast
//! retry and poll timings, and helpers to run queries and read counters.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_schema::DataType;
use futures::future::BoxFuture;
use sluice_kernel::{
    AuthConfig, Config, Connection, ExecuteOptions, FetchedToken, Result, RetryPolicy, Secret,
    TokenProvider,
};
use sluice_warehouse::{Warehouse, WarehouseConfig};

pub fn base() -> WarehouseConfig {
    WarehouseConfig {
        tpch_scale: 0.0,
        ..WarehouseConfig::default()
    }
}

pub async fn start(config: WarehouseConfig) -> Warehouse {
    Warehouse::start(config)
        .await
        .expect("the local warehouse starts")
}

pub fn config(wh: &Warehouse, auth: AuthConfig) -> Config {
    let mut c = Config::new(wh.url(), wh.http_path(), auth);
    c.ca_pem = wh.ca_pem().map(|p| p.as_bytes().to_vec());
    c.retry = RetryPolicy {
        max_retries: 3,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        overall_budget: Duration::from_secs(20),
    };
    c.poll.initial = Duration::from_millis(5);
    c.poll.max = Duration::from_millis(50);
    c
}

pub fn token_config(wh: &Warehouse) -> Config {
    config(wh, AuthConfig::Token(Secret::new(wh.token())))
}

pub fn oauth_config(wh: &Warehouse, secret: &str) -> Config {
    config(
        wh,
        AuthConfig::OAuthM2M {
            client_id: "sluice-test-client".into(),
            client_secret: Secret::new(secret),
            scope: "all-apis".into(),
        },
    )
}

pub fn oauth_warehouse(secret: &str, token_ttl: Duration) -> WarehouseConfig {
    WarehouseConfig {
        oauth_client_id: Some("sluice-test-client".into()),
        oauth_client_secret: Some(secret.into()),
        token_ttl,
        ..base()
    }
}

/// Runs `sql` and returns its first column as i64 values, in order.
pub async fn query_i64(conn: &Connection, sql: &str) -> Result<Vec<i64>> {
    query_i64_with(conn, sql, ExecuteOptions::default()).await
}

pub async fn query_i64_with(
    conn: &Connection,
    sql: &str,
    options: ExecuteOptions,
) -> Result<Vec<i64>> {
    let statement = conn.statement()?;
    statement.execute(sql, options).await?;
    let mut out = Vec::new();
    while let Some(batch) = statement.next_batch().await? {
        // Integer literals are INT, as in Spark; other integer columns are BIGINT.
        let column =
            arrow_cast::cast(batch.column(0), &DataType::Int64).expect("an integer column");
        out.extend(column.as_primitive::<Int64Type>().values().iter().copied());
    }
    statement.close().await?;
    Ok(out)
}

/// A token provider over a closure, counting its calls.
pub struct CountingProvider<F> {
    pub calls: std::sync::atomic::AtomicUsize,
    make: F,
}

impl<F: Fn(usize) -> FetchedToken + Send + Sync> CountingProvider<F> {
    pub fn new(make: F) -> Arc<Self> {
        Arc::new(CountingProvider {
            calls: Default::default(),
            make,
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl<F: Fn(usize) -> FetchedToken + Send + Sync> TokenProvider for CountingProvider<F> {
    fn fetch(&self) -> BoxFuture<'_, Result<FetchedToken>> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let token = (self.make)(n);
        Box::pin(async move { Ok(token) })
    }
}

/// Waits until `check` holds (a counter caught up), failing after a generous bound.
pub async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} did not happen within 5 s");
}

/// Asserts that downloads stopped for good after a stop, `chunks` being the result's chunk
/// count: requests the client aborted can still reach the server just after the abort, so the
/// count must first stay still for 300 ms (a producer that keeps downloading never lets it, and
/// fails within 5 s), then not move for another 500 ms, short of every chunk.
pub async fn assert_downloads_stopped(wh: &Warehouse, chunks: u64, what: &str) {
    let count = || wh.counters().requests_on("download");
    let mut last = count();
    let mut still = false;
    for _ in 0..16 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = count();
        still = now == last;
        last = now;
        if still {
            break;
        }
    }
    assert!(still, "{what}: downloads kept starting for 5 s");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count(), last, "{what}: no download starts after the stop");
    assert!(
        last < chunks,
        "{what}: only some of the {chunks} chunks were fetched: {last}"
    );
}
