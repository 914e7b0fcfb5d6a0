//! Everything request handlers share.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::commit_gate;
use crate::config::WarehouseConfig;
use crate::counters::CounterSet;
use crate::faults::FaultBook;
use crate::links::LinkSigner;
use crate::sessions::SessionStore;
use crate::sql::engine::Engine;
use crate::statements::StatementStore;
use crate::tokens::TokenStore;

pub struct AppState {
    pub config: WarehouseConfig,
    /// `https://host:port` (or `http://`), used for discovery URLs.
    pub base_url: String,
    /// Where external links point: `base_url` unless configured otherwise.
    pub link_base_url: String,
    pub warehouse_id: String,
    pub tokens: TokenStore,
    pub sessions: SessionStore,
    pub statements: StatementStore,
    pub engine: Engine,
    pub links: LinkSigner,
    pub faults: FaultBook,
    pub counters: CounterSet,
    /// Download rate limit in bytes per second; 0 = unlimited.
    pub throttle: AtomicU64,
}

impl AppState {
    pub fn download_throttle(&self) -> Option<u64> {
        Some(self.throttle.load(Ordering::Relaxed)).filter(|r| *r > 0)
    }

    pub fn set_download_throttle(&self, bytes_per_sec: Option<u64>) {
        self.throttle
            .store(bytes_per_sec.unwrap_or(0), Ordering::Relaxed);
    }
}

impl commit_gate::Hooks for AppState {
    fn hold(&self, point: &str) -> Option<Duration> {
        let fault = self.faults.take(point)?;
        self.counters.faults_injected();
        Some(Duration::from_millis(fault.delay_ms.unwrap_or(0)))
    }
}
