//! What the warehouse served, so tests can assert exact client behaviour.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Live counters, shared by every request handler.
#[derive(Default)]
pub struct CounterSet {
    by_route: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    token_grants: AtomicU64,
    chunk_link_fetches: AtomicU64,
    downloads: AtomicU64,
    download_bytes: AtomicU64,
    downloads_with_authorization: AtomicU64,
    sessions_opened: AtomicU64,
    statements_executed: AtomicU64,
    faults_injected: AtomicU64,
    recent_statements: Mutex<VecDeque<String>>,
    queries_running: Arc<AtomicU64>,
    results_encoding: Arc<AtomicU64>,
}

/// How many statement texts the counters keep.
const RECENT_STATEMENTS: usize = 256;

/// A point-in-time copy of the counters (also the JSON of `GET /admin/counters`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counters {
    /// Requests per route name (see `faults::Route`) and HTTP status; status 0 = connection
    /// dropped by an injected fault.
    pub requests: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Successful OAuth token grants.
    pub token_grants: u64,
    /// Calls to `.../result/chunks/{n}` that answered 200.
    pub chunk_link_fetches: u64,
    /// Downloads of external links that answered 200.
    pub downloads: u64,
    /// Bytes sent by those downloads (before any injected cut).
    pub download_bytes: u64,
    /// Download attempts that carried an `Authorization` header (always rejected).
    pub downloads_with_authorization: u64,
    /// Sessions created.
    pub sessions_opened: u64,
    /// Statements accepted by `POST /api/2.0/sql/statements`.
    pub statements_executed: u64,
    /// Faults applied (each injected fault counts once per request it hit).
    pub faults_injected: u64,
    /// The texts of the last statements received, oldest first, exactly as they arrived.
    #[serde(default)]
    pub recent_statements: Vec<String>,
    /// Gauge: statements whose query is executing in DataFusion right now. Cancel and close
    /// bring it down only once the execution is really gone (not reset by `reset_counters`).
    #[serde(default)]
    pub queries_running: u64,
    /// Gauge: statements whose finished query is being encoded into result chunks.
    #[serde(default)]
    pub results_encoding: u64,
}

impl Counters {
    /// Requests seen on `route` with `status` (0 when never).
    pub fn requests_with(&self, route: &str, status: u16) -> u64 {
        self.requests
            .get(route)
            .and_then(|m| m.get(&status))
            .copied()
            .unwrap_or(0)
    }

    /// All requests seen on `route`, any status.
    pub fn requests_on(&self, route: &str) -> u64 {
        self.requests
            .get(route)
            .map(|m| m.values().sum())
            .unwrap_or(0)
    }
}

macro_rules! bump {
    ($($name:ident),*) => {$(
        pub fn $name(&self) {
            self.$name.fetch_add(1, Ordering::Relaxed);
        }
    )*};
}

impl CounterSet {
    bump!(
        token_grants,
        chunk_link_fetches,
        downloads,
        downloads_with_authorization,
        sessions_opened,
        statements_executed,
        faults_injected
    );

    /// Records a received statement text, keeping the last few.
    pub fn statement_text(&self, text: &str) {
        let mut recent = self
            .recent_statements
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if recent.len() == RECENT_STATEMENTS {
            recent.pop_front();
        }
        recent.push_back(text.to_string());
    }

    /// Counts one running query until the returned guard is dropped.
    pub fn query_running(&self) -> Running {
        Running::new(&self.queries_running)
    }

    /// Counts one result encoding until the returned guard is dropped.
    pub fn result_encoding(&self) -> Running {
        Running::new(&self.results_encoding)
    }

    pub fn add_download_bytes(&self, n: u64) {
        self.download_bytes.fetch_add(n, Ordering::Relaxed);
    }

    pub fn request(&self, route: &str, status: u16) {
        let mut map = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(route.to_string())
            .or_default()
            .entry(status)
            .or_default() += 1;
    }

    pub fn snapshot(&self) -> Counters {
        let requests = self
            .by_route
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Counters {
            requests,
            token_grants: self.token_grants.load(Ordering::Relaxed),
            chunk_link_fetches: self.chunk_link_fetches.load(Ordering::Relaxed),
            downloads: self.downloads.load(Ordering::Relaxed),
            download_bytes: self.download_bytes.load(Ordering::Relaxed),
            downloads_with_authorization: self.downloads_with_authorization.load(Ordering::Relaxed),
            sessions_opened: self.sessions_opened.load(Ordering::Relaxed),
            statements_executed: self.statements_executed.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            recent_statements: self
                .recent_statements
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned()
                .collect(),
            queries_running: self.queries_running.load(Ordering::Relaxed),
            results_encoding: self.results_encoding.load(Ordering::Relaxed),
        }
    }

    pub fn reset(&self) {
        self.by_route
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.recent_statements
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        for c in [
            &self.token_grants,
            &self.chunk_link_fetches,
            &self.downloads,
            &self.download_bytes,
            &self.downloads_with_authorization,
            &self.sessions_opened,
            &self.statements_executed,
            &self.faults_injected,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// One unit of a gauge, given back on drop: an aborted task drops its guard with its future,
/// and a blocking encoder only when it really returns.
pub struct Running(Arc<AtomicU64>);

impl Running {
    fn new(gauge: &Arc<AtomicU64>) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Running(gauge.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
