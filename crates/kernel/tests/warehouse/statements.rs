//! Statement lifecycle: cancel while running, client timeout, close twice, drop of a running
//! statement, use after close, and the truth of a stop: `Cancelled` only for a statement the
//! server did not complete.

use std::sync::Arc;
use std::time::Duration;

use sluice_kernel::{Connection, ErrorCode, ExecuteOptions};

use crate::common::*;

/// A hang guard: a test that exceeds it fails instead of blocking the suite.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(15), f)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
}

/// A `SELECT sleep(60)` submitted without waiting and known to the server: the statement, and
/// the task whose execute is polling it.
async fn running_statement(
    wh: &sluice_warehouse::Warehouse,
) -> (
    Connection,
    Arc<sluice_kernel::Statement>,
    tokio::task::JoinHandle<sluice_kernel::Result<sluice_kernel::ResultInfo>>,
) {
    let mut config = token_config(wh);
    config.poll.wait_timeout_secs = 0;
    let conn = Connection::open(config).await.unwrap();
    let statement = Arc::new(conn.statement().unwrap());
    let running = statement.clone();
    let task = tokio::spawn(async move {
        running
            .execute("SELECT sleep(60)", ExecuteOptions::default())
            .await
    });
    eventually("the statement to be submitted", || {
        statement.statement_id().is_some()
    })
    .await;
    (conn, statement, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_running_statement_on_the_server() {
    let wh = start(base()).await;
    let (_conn, statement, task) = running_statement(&wh).await;
    statement.cancel();
    let err = within("execute after cancel", task)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert!(err.statement_id.is_some());
    eventually("the server to receive the cancel", || {
        wh.counters().requests_on("statements.cancel") == 1
    })
    .await;
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_submission_still_cancels_on_the_server() {
    let wh = start(base()).await;
    let mut config = token_config(&wh);
    config.poll.wait_timeout_secs = 10;
    let conn = Connection::open(config).await.unwrap();
    let statement = Arc::new(conn.statement().unwrap());
    let running = statement.clone();
    // With a 10 s wait the submission itself is in flight while the query sleeps.
    let task = tokio::spawn(async move {
        running
            .execute("SELECT sleep(60)", ExecuteOptions::default())
            .await
    });
    eventually("the submission to reach the server", || {
        wh.counters().statements_executed == 1
    })
    .await;
    statement.cancel();
    let err = within("execute after cancel", task)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    // The submission answers RUNNING after its wait; the kernel then cancels it on the server.
    within("the server-side cancel", async {
        while wh.counters().requests_on("statements.cancel") == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_timeout_cancels_on_the_server() {
    let wh = start(base()).await;
    let mut config = token_config(&wh);
    config.poll.wait_timeout_secs = 0;
    let conn = Connection::open(config).await.unwrap();
    let options = ExecuteOptions {
        timeout: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let err = within(
        "a timed-out execute",
        query_i64_with(&conn, "SELECT sleep(60)", options),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout, "{err}");
    eventually("the server to receive the cancel", || {
        wh.counters().requests_on("statements.cancel") == 1
    })
    .await;
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_an_unfinished_statement_cancels_and_closes_it() {
    let wh = start(base()).await;
    let (_conn, statement, task) = running_statement(&wh).await;
    task.abort();
    let _ = task.await;
    drop(statement);
    eventually("cancel and close on the server", || {
        let c = wh.counters();
        c.requests_on("statements.cancel") == 1 && c.requests_on("statements.close") == 1
    })
    .await;
    wh.shutdown().await;
}

#[tokio::test]
async fn close_is_idempotent_and_use_after_close_is_a_closed_error() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let statement = conn.statement().unwrap();
    statement
        .execute("SELECT 1", ExecuteOptions::default())
        .await
        .unwrap();
    statement.close().await.unwrap();
    statement.close().await.unwrap();
    assert_eq!(
        statement.next_batch().await.unwrap_err().code,
        ErrorCode::Closed
    );
    assert_eq!(wh.counters().requests_on("statements.close"), 1);
    conn.close().await.unwrap();
    conn.close().await.unwrap();
    assert_eq!(conn.statement().err().unwrap().code, ErrorCode::Closed);
    assert_eq!(wh.counters().requests_on("sessions.delete"), 1);
    wh.shutdown().await;
}

#[tokio::test]
async fn a_statement_handle_runs_one_statement() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let statement = conn.statement().unwrap();
    statement
        .execute("SELECT 1", ExecuteOptions::default())
        .await
        .unwrap();
    let err = statement
        .execute("SELECT 2", ExecuteOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_from_a_thread_without_a_runtime_still_reaches_the_server() {
    // Node calls cancel() on its main thread, where no tokio runtime runs.
    let wh = start(base()).await;
    let (_conn, statement, task) = running_statement(&wh).await;
    let from_thread = statement.clone();
    std::thread::spawn(move || from_thread.cancel())
        .join()
        .unwrap();
    let err = within("execute after cancel", task)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    eventually("the server to receive the cancel", || {
        wh.counters().requests_on("statements.cancel") == 1
    })
    .await;
    wh.shutdown().await;
}

/// Runs a statement without a result worth reading.
async fn run(conn: &Connection, sql: &str) {
    let statement = conn.statement().unwrap();
    statement
        .execute(sql, ExecuteOptions::default())
        .await
        .unwrap();
    statement.close().await.unwrap();
}

/// Rows in `table`.
async fn rows_in(conn: &Connection, table: &str) -> i64 {
    query_i64(conn, &format!("SELECT count(*) FROM {table}"))
        .await
        .unwrap()[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_before_the_id_is_known_stops_the_statement_and_it_never_commits() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    run(&conn, "CREATE TABLE t_early (ok BOOLEAN)").await;
    wh.admin().reset_counters();
    let statement = Arc::new(conn.statement().unwrap());
    let running = statement.clone();
    let task = tokio::spawn(async move {
        running
            .execute(
                "INSERT INTO t_early SELECT sleep(1)",
                ExecuteOptions {
                    stoppable: true,
                    ..Default::default()
                },
            )
            .await
    });
    // As soon as the server has it: the submission has not answered yet, or only just.
    eventually("the submission to reach the server", || {
        wh.counters().statements_executed == 1
    })
    .await;
    statement.cancel();
    let err = within("execute after cancel", task)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err}");
    assert_eq!(wh.counters().requests_on("statements.cancel"), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rows_in(&conn, "t_early").await, 0);
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_while_the_submission_waits_and_the_statement_completes_resolves_it() {
    let wh = start(base()).await;
    let mut config = token_config(&wh);
    // The submission waits on the server until the statement ends: the id comes only then.
    config.poll.wait_timeout_secs = 5;
    let conn = Connection::open(config).await.unwrap();
    run(&conn, "CREATE TABLE t_done (ok BOOLEAN)").await;
    wh.admin().reset_counters();
    let statement = Arc::new(conn.statement().unwrap());
    let running = statement.clone();
    let task = tokio::spawn(async move {
        running
            .execute(
                "INSERT INTO t_done SELECT sleep(0.5)",
                ExecuteOptions::default(),
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    statement.cancel();
    let info = within("execute after a late stop", task)
        .await
        .unwrap()
        .expect("the statement completed before its id was known");
    assert_eq!(info.columns[0].name, "num_affected_rows");
    assert_eq!(rows_in(&conn, "t_done").await, 1);
    assert_eq!(wh.counters().requests_on("statements.cancel"), 0);
    wh.shutdown().await;
}
