//! The retry rules, counted on the warehouse: submission retries only 429, 503 with
//! `Retry-After` and connect failures; idempotent calls retry transient failures.

use std::time::Duration;

use sluice_kernel::{Connection, ErrorCode, ExecuteOptions, RetryPolicy};
use sluice_warehouse::Fault;

use crate::common::*;

async fn setup() -> (sluice_warehouse::Warehouse, Connection) {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    wh.admin().reset_counters();
    (wh, conn)
}

/// Attempts of `route` once `fault` was injected and one query ran; and the query's outcome.
async fn attempts(
    fault: Fault,
    options: ExecuteOptions,
    sql: &str,
) -> (u64, sluice_kernel::Result<Vec<i64>>) {
    let (wh, conn) = setup().await;
    let route = fault.route.clone();
    wh.admin().inject_fault(fault).unwrap();
    let outcome = query_i64_with(&conn, sql, options).await;
    let n = wh.counters().requests_on(&route);
    wh.shutdown().await;
    (n, outcome)
}

#[tokio::test]
async fn submission_retries_429_with_and_without_retry_after() {
    for retry_after in [None, Some(1)] {
        let (n, r) = attempts(
            Fault::status("statements.execute", 429, retry_after, 2),
            ExecuteOptions::default(),
            "SELECT 7",
        )
        .await;
        assert_eq!(r.unwrap(), vec![7]);
        assert_eq!(n, 3, "two 429s then success (Retry-After {retry_after:?})");
    }
}

#[tokio::test]
async fn submission_retries_503_only_with_retry_after() {
    let (n, r) = attempts(
        Fault::status("statements.execute", 503, Some(1), 1),
        ExecuteOptions::default(),
        "SELECT 7",
    )
    .await;
    assert_eq!(r.unwrap(), vec![7]);
    assert_eq!(n, 2);

    let (n, r) = attempts(
        Fault::status("statements.execute", 503, None, 1),
        ExecuteOptions::default(),
        "SELECT 7",
    )
    .await;
    let err = r.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err}");
    assert_eq!(err.http_status, Some(503));
    assert!(err.retryable);
    assert_eq!(
        n, 1,
        "a submission is never repeated on 503 without Retry-After"
    );
}

#[tokio::test]
async fn submission_is_not_repeated_on_500_or_a_dropped_connection() {
    let (n, r) = attempts(
        Fault::status("statements.execute", 500, None, 1),
        ExecuteOptions::default(),
        "SELECT 7",
    )
    .await;
    assert_eq!(r.unwrap_err().code, ErrorCode::Unavailable);
    assert_eq!(n, 1);

    let (n, r) = attempts(
        Fault::drop_connection("statements.execute", 1),
        ExecuteOptions::default(),
        "SELECT 7",
    )
    .await;
    let err = r.unwrap_err();
    assert_eq!(err.code, ErrorCode::Network, "{err}");
    assert_eq!(
        n, 1,
        "the request reached the server, so it is not sent again"
    );
}

#[tokio::test]
async fn idempotent_calls_retry_transient_failures() {
    let wait0 = ExecuteOptions {
        timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    };
    for (route, status, retry_after) in [
        ("statements.get", 503, None),
        ("statements.get", 500, None),
        ("statements.get", 429, Some(1)),
    ] {
        let wh = start(base()).await;
        let mut config = token_config(&wh);
        // Submit without waiting so the result is read by polling.
        config.poll.wait_timeout_secs = 0;
        let conn = Connection::open(config).await.unwrap();
        wh.admin().reset_counters();
        wh.admin()
            .inject_fault(Fault::status(route, status, retry_after, 2))
            .unwrap();
        assert_eq!(
            query_i64_with(&conn, "SELECT 5", wait0.clone())
                .await
                .unwrap(),
            vec![5]
        );
        let c = wh.counters();
        assert_eq!(c.requests_with(route, status), 2, "{route} {status}");
        assert!(c.requests_with(route, 200) >= 1, "{route} {status}");
        wh.shutdown().await;
    }
}

#[tokio::test]
async fn opening_a_session_retries_and_dropped_connections_are_retried_when_idempotent() {
    let wh = start(base()).await;
    wh.admin()
        .inject_fault(Fault::status("sessions.create", 503, None, 2))
        .unwrap();
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    assert_eq!(wh.counters().requests_on("sessions.create"), 3);
    wh.admin().reset_counters();
    wh.admin()
        .inject_fault(Fault::drop_connection("sessions.delete", 1))
        .unwrap();
    conn.close().await.unwrap();
    assert_eq!(wh.counters().requests_on("sessions.delete"), 2);
    wh.shutdown().await;
}

#[tokio::test]
async fn retries_stop_at_the_limit_and_say_how_many() {
    let wh = start(base()).await;
    let mut config = token_config(&wh);
    config.retry = RetryPolicy {
        max_retries: 2,
        ..config.retry
    };
    let conn = Connection::open(config).await.unwrap();
    wh.admin().reset_counters();
    wh.admin()
        .inject_fault(Fault::status("statements.execute", 429, None, 10))
        .unwrap();
    let err = query_i64(&conn, "SELECT 1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ResourceExhausted);
    assert!(err.message.contains("after 2 retries"), "{}", err.message);
    assert_eq!(wh.counters().requests_on("statements.execute"), 3);
    wh.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let wh = start(base()).await;
    let mut config = token_config(&wh);
    config.retry.max_backoff = Duration::from_secs(5);
    let conn = Connection::open(config).await.unwrap();
    wh.admin()
        .inject_fault(Fault::status("statements.execute", 429, Some(1), 1))
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(query_i64(&conn, "SELECT 1").await.unwrap(), vec![1]);
    // Behaviour, not speed: the retry waited for the server's Retry-After of one second.
    assert!(started.elapsed() >= Duration::from_secs(1));
    wh.shutdown().await;
}

#[tokio::test]
async fn a_dead_server_is_a_typed_network_error_not_a_hang() {
    let wh = start(base()).await;
    let config = token_config(&wh);
    wh.shutdown().await;
    let err = Connection::open(config)
        .await
        .err()
        .expect("nothing listens");
    assert_eq!(err.code, ErrorCode::Network, "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_named_and_retried() {
    let wh = start(base()).await;
    let config = token_config(&wh);
    wh.shutdown().await;
    let err = Connection::open(config)
        .await
        .err()
        .expect("nothing listens");
    assert!(err.message.contains("the connection was refused"), "{err}");
    assert!(err.message.contains("after 3 retries"), "{err}");
}

/// Errors no retry can fix fail at once, their message naming the cause.
#[tokio::test]
async fn an_untrusted_certificate_or_a_missing_host_fails_at_once() {
    let wh = start(base()).await;
    let mut untrusted = token_config(&wh);
    untrusted.ca_pem = None;
    let mut missing = token_config(&wh);
    missing.host = "https://nosuch.invalid".into();
    for (config, cause) in [
        (
            untrusted,
            "the server's TLS certificate is not trusted (invalid peer certificate",
        ),
        (missing, "the host name does not exist"),
    ] {
        let err = Connection::open(config).await.err().expect("a failure");
        assert_eq!(err.code, ErrorCode::Network, "{err}");
        assert!(err.message.contains(cause), "{err}");
        assert!(!err.message.contains("retries"), "{err}");
        assert!(!err.retryable);
    }
    assert_eq!(wh.counters().requests_on("sessions.create"), 0);
    wh.shutdown().await;
}
