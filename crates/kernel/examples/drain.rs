//! Drains a large result through external links and reports throughput and peak memory.
//!
//!   cargo run --release -p sluice-kernel --example drain -- [--rows N] [--slow-ms MS] [--budget-mib MIB]
//!
//! The warehouse runs as a separate process (the release `sluice-warehouse` beside this example,
//! or $SLUICE_WAREHOUSE_BIN) so the peak RSS reported is the client's alone. Besides RSS it
//! reports the peak of live heap bytes (a counting allocator) and of the bytes the stream held
//! in its budget, which tell the stream's own memory apart from allocator overhead. It keeps
//! the system allocator: mimalloc 0.1 held more RSS here, and a fixed glibc mmap threshold
//! (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576`) brings RSS down to the live heap at a
//! throughput cost; figures in the kernel README.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use sluice_kernel::{AuthConfig, Config, Connection, ExecuteOptions, Secret};

/// Counts live heap bytes and their peak on top of the system allocator.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

/// Resident set size now and at its peak, in MiB, from /proc.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let rows = arg("--rows", 32_000_000);
    let slow = Duration::from_millis(arg("--slow-ms", 0));
    let budget_mib = arg("--budget-mib", 256);
    let binary = std::env::var("SLUICE_WAREHOUSE_BIN").unwrap_or_else(|_| {
        let exe = std::env::current_exe().expect("own path");
        exe.parent()
            .and_then(|examples| examples.parent())
            .map(|dir| dir.join("sluice-warehouse").display().to_string())
            .expect("target directory")
    });
    let mut warehouse = Command::new(&binary)
        .args([
            "--port",
            "0",
            "--inline-limit",
            "0",
            "--chunk-rows",
            "500000",
            "--chunk-bytes",
        ])
        .arg((64u64 << 20).to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    let mut ready = String::new();
    BufReader::new(warehouse.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("ready line");
    let info: serde_json::Value = serde_json::from_str(&ready).expect("ready line is JSON");
    let text = |k: &str| info[k].as_str().expect(k).to_string();

    let mut config = Config::new(
        text("url"),
        text("http_path"),
        AuthConfig::Token(Secret::new(text("token"))),
    );
    config.ca_pem = Some(std::fs::read(text("ca_path")).expect("CA file"));
    config.results.memory_budget_bytes = (budget_mib as usize) << 20;
    let conn = Connection::open(config).await.expect("connect");
    let (rss_before, _) = rss_mib();
    let heap_before = LIVE.load(Relaxed) as f64 / MIB;
    let sql = format!("SELECT id, id * 2 AS a, id * 3 AS b, id % 1000 AS c FROM range({rows})");
    let statement = std::sync::Arc::new(conn.statement().expect("statement"));
    let submitted = Instant::now();
    let info = statement
        .execute(&sql, ExecuteOptions::default())
        .await
        .expect("execute");
    let executed = submitted.elapsed();
    let memory = statement.result_memory().expect("a result");
    let peak_reserved = std::sync::Arc::new(AtomicUsize::new(0));
    let sampler = tokio::spawn({
        let (memory, peak) = (memory.clone(), peak_reserved.clone());
        async move {
            loop {
                peak.fetch_max(memory.reserved_bytes(), Relaxed);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    let started = Instant::now();
    let (mut delivered_rows, mut bytes, mut chunks) = (0usize, 0usize, 0usize);
    while let Some(chunk) = statement.next_chunk().await.expect("chunk") {
        delivered_rows += chunk.row_count();
        bytes += chunk.byte_len();
        chunks += 1;
        drop(chunk);
        if !slow.is_zero() {
            tokio::time::sleep(slow).await;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    sampler.abort();
    let (_, peak) = rss_mib();
    let peak_heap = PEAK.load(Relaxed) as f64 / MIB;
    let peak_reserved = peak_reserved.load(Relaxed) as f64 / MIB;
    assert_eq!(
        Some(delivered_rows as i64),
        info.total_row_count,
        "every row arrived"
    );
    println!(
        "{{\"rows\":{delivered_rows},\"chunks\":{chunks},\"arrow_bytes\":{bytes},\"execute_s\":{:.3},\"drain_s\":{elapsed:.3},\
\"gb_per_s\":{:.3},\"slow_ms\":{},\"budget_mib\":{budget_mib},\"rss_before_execute_mib\":{rss_before:.1},\
\"heap_before_execute_mib\":{heap_before:.1},\"peak_reserved_mib\":{peak_reserved:.1},\"peak_heap_mib\":{peak_heap:.1},\
\"peak_rss_mib\":{peak:.1},\"peak_rss_over_budget_mib\":{:.1}}}",
        executed.as_secs_f64(),
        bytes as f64 / 1e9 / elapsed,
        slow.as_millis(),
        peak - budget_mib as f64,
    );
    statement.close().await.expect("close");
    conn.close().await.expect("close");
    let _ = warehouse.kill();
    let _ = warehouse.wait();
}
