//! Result streaming over external links: every row in order, link refresh before and after
//! expiry, transient download failures, and cancellation mid-stream. Counts come from the
//! warehouse.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use sluice_kernel::{Config, Connection, ErrorCode, ExecuteOptions};
use sluice_warehouse::{Fault, Warehouse, WarehouseConfig};

use crate::common::*;

fn chunked(rows_per_chunk: usize) -> WarehouseConfig {
    WarehouseConfig {
        chunk_rows: rows_per_chunk,
        // Never inline: every result travels through links.
        inline_limit: 0,
        ..base()
    }
}

/// Reads every chunk, returning the ids in order; `pause` runs between chunks.
async fn drain(conn: &Connection, sql: &str, pause: Duration) -> sluice_kernel::Result<Vec<i64>> {
    let statement = conn.statement()?;
    let info = statement.execute(sql, ExecuteOptions::default()).await?;
    let mut ids = Vec::new();
    while let Some(chunk) = statement.next_chunk().await? {
        for batch in &chunk.batches {
            ids.extend(
                batch
                    .column(0)
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .copied(),
            );
        }
        tokio::time::sleep(pause).await;
    }
    assert_eq!(info.total_row_count, Some(ids.len() as i64));
    statement.close().await?;
    Ok(ids)
}

/// Drains `SELECT id FROM range(n) ORDER BY id` and checks every id arrived once, in order.
async fn drain_range(conn: &Connection, n: i64, pause: Duration) {
    let ids = drain(
        conn,
        &format!("SELECT id FROM range({n}) ORDER BY id"),
        pause,
    )
    .await
    .unwrap();
    assert_eq!(ids, (0..n).collect::<Vec<_>>());
}

async fn warehouse_sum(conn: &Connection, n: i64) -> i64 {
    query_i64(
        conn,
        &format!("SELECT CAST(sum(id) AS BIGINT) FROM range({n})"),
    )
    .await
    .unwrap()[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn multi_chunk_results_arrive_complete_and_in_order_with_and_without_lz4() {
    for lz4 in [true, false] {
        let wh = start(chunked(1000)).await;
        let mut config = token_config(&wh);
        config.results.lz4 = lz4;
        config.results.max_concurrent_downloads = 4;
        let conn = Connection::open(config).await.unwrap();
        wh.admin().reset_counters();
        let n = 100_000;
        let ids = drain(
            &conn,
            &format!("SELECT id FROM range({n}) ORDER BY id"),
            Duration::ZERO,
        )
        .await
        .unwrap();
        assert_eq!(ids, (0..n).collect::<Vec<_>>(), "lz4 {lz4}");
        let c = wh.counters();
        assert_eq!(
            c.requests_with("download", 200),
            100,
            "one download per chunk (lz4 {lz4})"
        );
        assert_eq!(
            c.chunk_link_fetches, 0,
            "the hybrid answer carried every link"
        );
        assert_eq!(c.downloads_with_authorization, 0);
        assert_eq!(ids.iter().sum::<i64>(), warehouse_sum(&conn, n).await);
        wh.shutdown().await;
    }
}

fn slow_consumer_config(wh: &Warehouse) -> Config {
    let mut config = token_config(wh);
    // One chunk in memory at a time, so a paused consumer holds later downloads back.
    config.results.max_concurrent_downloads = 1;
    config.results.memory_budget_bytes = 1;
    config.results.link_expiry_threshold = Duration::from_millis(300);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn links_that_expire_while_the_consumer_pauses_are_refreshed_once_each() {
    let wh = start(WarehouseConfig {
        link_ttl: Duration::from_secs(1),
        ..chunked(10_000)
    })
    .await;
    let conn = Connection::open(slow_consumer_config(&wh)).await.unwrap();
    wh.admin().reset_counters();
    drain_range(&conn, 40_000, Duration::from_millis(1400)).await;
    let c = wh.counters();
    // Chunk 0 downloads at once; the consumer holds it (and so the whole budget) through its
    // pause, so chunks 1, 2 and 3 wait past their links' one-second lifetime, and each gets
    // exactly one fresh link before its download.
    assert_eq!(c.chunk_link_fetches, 3);
    assert_eq!(c.requests_with("download", 200), 4);
    assert_eq!(
        c.requests_with("download", 403),
        0,
        "expiry was caught before use"
    );
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn link_fetching_slower_than_the_link_lifetime_still_completes() {
    let wh = start(WarehouseConfig {
        link_ttl: Duration::from_secs(1),
        ..chunked(500)
    })
    .await;
    let mut config = slow_consumer_config(&wh);
    config.results.link_expiry_threshold = Duration::from_millis(900);
    let conn = Connection::open(config).await.unwrap();
    // Each chunk link fetch is slower than a link lives minus the threshold.
    wh.admin()
        .inject_fault(Fault::delay("chunks", 200, 1000))
        .unwrap();
    drain_range(&conn, 10_000, Duration::from_millis(150)).await;
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_download_costs_one_link_fetch_and_a_cut_one_costs_one_download() {
    let wh = start(chunked(1000)).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();

    wh.admin().reset_counters();
    wh.admin()
        .inject_fault(Fault::status("download", 403, None, 1))
        .unwrap();
    drain_range(&conn, 5000, Duration::ZERO).await;
    let c = wh.counters();
    assert_eq!(c.chunk_link_fetches, 1, "a 403 refreshes that chunk's link");
    assert_eq!(c.requests_on("download"), 6);

    for fault in [
        Fault::cut("download", 100, 1),
        Fault::drop_connection("download", 1),
    ] {
        wh.admin().reset_counters();
        wh.admin().inject_fault(fault.clone()).unwrap();
        drain_range(&conn, 5000, Duration::ZERO).await;
        let c = wh.counters();
        assert_eq!(
            c.chunk_link_fetches, 0,
            "{fault:?}: a transfer failure is not an expiry"
        );
        assert_eq!(c.requests_on("download"), 6, "{fault:?}");
    }
    assert_eq!(wh.counters().downloads_with_authorization, 0);
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn links_revoked_on_the_server_are_refreshed_after_the_refusal() {
    let wh = start(chunked(1000)).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let statement = conn.statement().unwrap();
    statement
        .execute(
            "SELECT id FROM range(3000) ORDER BY id",
            ExecuteOptions::default(),
        )
        .await
        .unwrap();
    wh.admin().reset_counters();
    // Every link handed out so far stops working although its expiration is in the future.
    wh.admin().expire_links();
    let mut ids = Vec::new();
    while let Some(batch) = statement.next_batch().await.unwrap() {
        ids.extend(
            batch
                .column(0)
                .as_primitive::<Int64Type>()
                .values()
                .iter()
                .copied(),
        );
    }
    assert_eq!(ids, (0..3000).collect::<Vec<_>>());
    let c = wh.counters();
    assert_eq!(c.chunk_link_fetches, 3, "one fresh link per refused chunk");
    assert_eq!(c.requests_with("download", 403), 3);
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_download_that_keeps_failing_ends_in_a_typed_error() {
    let wh = start(chunked(1000)).await;
    let mut config = token_config(&wh);
    config.results.max_download_attempts = 3;
    let conn = Connection::open(config).await.unwrap();
    wh.admin()
        .inject_fault(Fault::cut("download", 10, 100))
        .unwrap();
    let err = drain(&conn, "SELECT id FROM range(3000)", Duration::ZERO)
        .await
        .unwrap_err();
    assert!(
        matches!(err.code, ErrorCode::Network | ErrorCode::DataLoss),
        "{err}"
    );
    assert!(err.statement_id.is_some());
    wh.admin().clear_faults();
    wh.admin()
        .inject_fault(Fault::status("download", 403, None, 100))
        .unwrap();
    let err = drain(&conn, "SELECT id FROM range(3000)", Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DataLoss, "{err}");
    assert_eq!(err.http_status, Some(403));
    // A broken result stays broken: the next fetch raises the error again, never a short "end".
    let statement = conn.statement().unwrap();
    statement
        .execute("SELECT id FROM range(3000)", ExecuteOptions::default())
        .await
        .unwrap();
    let first = loop {
        match statement.next_chunk().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("every download is refused, yet the result ended"),
            Err(e) => break e,
        }
    };
    for _ in 0..2 {
        let again = statement
            .next_chunk()
            .await
            .expect_err("a fetch after the failure reported the end of the result");
        assert_eq!(
            (again.code, again.http_status),
            (first.code, first.http_status)
        );
    }
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_in_the_middle_of_a_large_result_stops_the_downloads() {
    let wh = start(chunked(10_000)).await;
    let mut config = token_config(&wh);
    config.results.max_concurrent_downloads = 2;
    let conn = Connection::open(config).await.unwrap();
    let statement = Arc::new(conn.statement().unwrap());
    // Slow every download right down (a chunk is ~80 kB), so chunks are in flight when cancel arrives.
    wh.admin().throttle_downloads(Some(20_000));
    statement
        .execute("SELECT id FROM range(1000000)", ExecuteOptions::default())
        .await
        .unwrap();
    let reader = statement.clone();
    let pending = tokio::spawn(async move { reader.next_chunk().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    statement.cancel();
    let err = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("cancel stops a pending fetch at once")
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    let again = statement
        .next_chunk()
        .await
        .expect_err("a cancelled result never reads as complete");
    assert_eq!(again.code, ErrorCode::Cancelled, "{again}");
    assert_downloads_stopped(&wh, 100, "cancel").await;
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_format_and_disposition_delivers_every_row_in_order() {
    use sluice_kernel::{Disposition, ResultFormat};
    let wh = start(WarehouseConfig {
        chunk_rows: 1000,
        ..base()
    })
    .await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let n = 10_500;
    let expected_sum = warehouse_sum(&conn, n).await;
    for (format, disposition) in [
        (
            ResultFormat::ArrowStream,
            Disposition::InlineOrExternalLinks,
        ),
        (ResultFormat::ArrowStream, Disposition::ExternalLinks),
        (ResultFormat::JsonArray, Disposition::Inline),
        (ResultFormat::JsonArray, Disposition::ExternalLinks),
        (ResultFormat::Csv, Disposition::ExternalLinks),
    ] {
        let statement = conn.statement().unwrap();
        let info = statement
            .execute(
                &format!("SELECT id, CAST(id AS STRING) AS label FROM range({n}) ORDER BY id"),
                ExecuteOptions {
                    format,
                    disposition,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut ids = Vec::new();
        while let Some(batch) = statement.next_batch().await.unwrap() {
            let labels = batch.column(1).as_string::<i32>();
            for (i, id) in batch
                .column(0)
                .as_primitive::<Int64Type>()
                .values()
                .iter()
                .enumerate()
            {
                assert_eq!(labels.value(i), id.to_string());
                ids.push(*id);
            }
        }
        let what = format!("{format:?} {disposition:?}");
        assert_eq!(ids, (0..n).collect::<Vec<_>>(), "{what}");
        assert_eq!(info.total_row_count, Some(n), "{what}");
        assert_eq!(ids.iter().sum::<i64>(), expected_sum, "{what}");
    }
    wh.shutdown().await;
}

/// How a test stops a result mid-stream.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// `cancel()` while no fetch is running: the buffered chunks are freed by `cancel` itself.
    CancelIdle,
    /// `cancel()` while a fetch waits for a slow download: that fetch frees them as it returns.
    CancelDuringFetch,
    Close,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_or_close_in_the_middle_of_a_large_result_stops_downloads_and_frees_the_budget() {
    for stop in [Stop::CancelIdle, Stop::CancelDuringFetch, Stop::Close] {
        let wh = start(chunked(10_000)).await;
        let mut config = token_config(&wh);
        config.results.max_concurrent_downloads = 4;
        // About five of the ~80 kB chunks.
        config.results.memory_budget_bytes = 400_000;
        let conn = Connection::open(config).await.unwrap();
        let statement = Arc::new(conn.statement().unwrap());
        statement
            .execute("SELECT id FROM range(1000000)", ExecuteOptions::default())
            .await
            .unwrap();
        let memory = statement.result_memory().expect("a result");
        assert_eq!(memory.budget_bytes(), 400_000);
        for _ in 0..2 {
            statement.next_batch().await.unwrap().expect("a batch");
        }
        // Downloads crawl from now on, so some are in flight when the stream stops.
        wh.admin().throttle_downloads(Some(200_000));
        let held = memory.reserved_bytes();
        assert!(
            held > 0 && held <= 400_000,
            "{stop:?}: the stream holds chunks within its budget: {held}"
        );
        match stop {
            Stop::CancelIdle => {
                statement.cancel();
                let err = statement.next_batch().await.unwrap_err();
                assert_eq!(err.code, ErrorCode::Cancelled, "{stop:?}: {err}");
            }
            Stop::CancelDuringFetch => {
                let reader = statement.clone();
                let pending = tokio::spawn(async move {
                    while reader.next_batch().await?.is_some() {}
                    Ok::<(), sluice_kernel::Error>(())
                });
                // The reader empties the queue, then waits on the crawling downloads.
                tokio::time::sleep(Duration::from_millis(300)).await;
                statement.cancel();
                let err = tokio::time::timeout(Duration::from_secs(10), pending)
                    .await
                    .expect("the pending fetch returns")
                    .unwrap()
                    .unwrap_err();
                assert_eq!(err.code, ErrorCode::Cancelled, "{stop:?}: {err}");
            }
            Stop::Close => statement.close().await.unwrap(),
        }
        eventually("the budget to be given back", || {
            memory.reserved_bytes() == 0
        })
        .await;
        assert_downloads_stopped(&wh, 100, &format!("{stop:?}")).await;
        assert_eq!(memory.reserved_bytes(), 0, "{stop:?}");
        wh.shutdown().await;
    }
}
