//! Auth and the self-heal contract: refresh once, retry exactly once, single-flight.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sluice_kernel::{AuthConfig, Connection, ErrorCode, FetchedToken, Secret};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oauth_tokens_are_fetched_once_per_lifetime_by_16_concurrent_cursors() {
    let ttl = Duration::from_secs(2);
    let wh = start(oauth_warehouse("s3cret", ttl)).await;
    let conn = Connection::open(oauth_config(&wh, "s3cret")).await.unwrap();
    let started = Instant::now();
    let run_for = Duration::from_millis(6500);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u32;
            while started.elapsed() < run_for {
                assert_eq!(
                    query_i64(&conn, "SELECT id FROM range(3)").await.unwrap(),
                    vec![0, 1, 2]
                );
                done += 1;
            }
            done
        }));
    }
    let mut queries = 0;
    for t in tasks {
        queries += t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let c = wh.counters();
    // Tokens carry a whole-second `exp`, so a 2 s token lives 1 to 2 s; it is refreshed at 80 %
    // of what is left: one grant every 0.8 to 1.6 s, never one per request.
    let (fewest, most) = (
        (elapsed / 1.6).floor() as u64,
        (elapsed / 0.8).ceil() as u64 + 1,
    );
    assert!(
        c.token_grants >= fewest && c.token_grants <= most,
        "{} grants for {elapsed:.1} s (expected {fewest}..={most}) and {queries} queries",
        c.token_grants
    );
    assert!(queries > 100, "only {queries} queries ran");
    assert_eq!(
        c.requests_with("statements.execute", 403),
        0,
        "proactive refresh never lets a token expire"
    );
    conn.close().await.unwrap();
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoked_oauth_tokens_heal_with_one_refresh_for_16_concurrent_requests() {
    let wh = start(oauth_warehouse("s3cret", Duration::from_secs(3600))).await;
    let conn = Connection::open(oauth_config(&wh, "s3cret")).await.unwrap();
    assert_eq!(wh.counters().token_grants, 1);
    wh.admin().revoke_all_oauth_tokens();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            query_i64(&conn, &format!("SELECT id + {i} FROM range(1)"))
                .await
                .unwrap()
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), vec![i as i64]);
    }
    let c = wh.counters();
    assert_eq!(
        c.token_grants, 2,
        "one refresh for all 16 rejected requests"
    );
    assert!(c.requests_with("statements.execute", 403) >= 1);
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_provider_is_called_once_per_token_lifetime() {
    let wh = start(base()).await;
    let admin = wh.admin();
    let calls: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let log = calls.clone();
    let provider = CountingProvider::new(move |_| {
        log.lock().unwrap().push(Instant::now());
        FetchedToken {
            token: Secret::new(admin.mint_oauth_token(Duration::from_secs(2))),
            expires_in: None,
        }
    });
    let conn = Connection::open(config(&wh, AuthConfig::Provider(provider.clone())))
        .await
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            while started.elapsed() < Duration::from_millis(5000) {
                assert_eq!(
                    query_i64(&conn, "SELECT id FROM range(2)").await.unwrap(),
                    vec![0, 1]
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let calls = calls.lock().unwrap().clone();
    // Tokens live 1 to 2 s (whole-second exp) and are replaced at 80 % of their life: calls are
    // at least 0.8 s apart. Two calls for one expiry would be milliseconds apart.
    for pair in calls.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(700),
            "two provider calls {gap:?} apart"
        );
    }
    assert!(
        calls.len() >= 3 && calls.len() as f64 <= elapsed / 0.8 + 2.0,
        "{} calls in {elapsed:.1} s",
        calls.len()
    );
    assert_eq!(wh.counters().requests_with("statements.execute", 403), 0);
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_provider_heals_a_revocation_with_one_call_for_16_concurrent_requests() {
    let wh = start(base()).await;
    let admin = wh.admin();
    let provider = CountingProvider::new(move |_| FetchedToken {
        token: Secret::new(admin.mint_oauth_token(Duration::from_secs(3600))),
        expires_in: None,
    });
    let conn = Connection::open(config(&wh, AuthConfig::Provider(provider.clone())))
        .await
        .unwrap();
    assert_eq!(provider.calls(), 1);
    wh.admin().revoke_all_oauth_tokens();
    let mut tasks = Vec::new();
    for i in 0..16i64 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            query_i64(&conn, &format!("SELECT {i}")).await.unwrap()
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), vec![i as i64]);
    }
    assert_eq!(
        provider.calls(),
        2,
        "one refresh for every request rejected on the revoked token"
    );
    wh.shutdown().await;
}

#[tokio::test]
async fn a_revoked_personal_token_fails_after_exactly_one_request() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    wh.admin().revoke_token(wh.token());
    wh.admin().reset_counters();
    let err = query_i64(&conn, "SELECT 1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated, "{err}");
    assert_eq!(err.http_status, Some(403));
    let c = wh.counters();
    assert_eq!(c.requests_on("statements.execute"), 1);
    wh.shutdown().await;
}

#[tokio::test]
async fn a_provider_that_keeps_returning_bad_tokens_gets_exactly_two_attempts() {
    let wh = start(base()).await;
    let provider = CountingProvider::new(|n| FetchedToken {
        token: Secret::new(format!("dapi-not-accepted-{n}")),
        expires_in: None,
    });
    let err = Connection::open(config(&wh, AuthConfig::Provider(provider.clone())))
        .await
        .err()
        .expect("a bad token cannot open a session");
    assert_eq!(err.code, ErrorCode::Unauthenticated, "{err}");
    assert_eq!(provider.calls(), 2);
    assert_eq!(wh.counters().requests_on("sessions.create"), 2);
    wh.shutdown().await;
}

#[tokio::test]
async fn sql_errors_never_refresh_or_retry() {
    let wh = start(oauth_warehouse("s3cret", Duration::from_secs(3600))).await;
    let conn = Connection::open(oauth_config(&wh, "s3cret")).await.unwrap();
    for (sql, state) in [
        ("SELEC 1", "42601"),
        ("SELECT * FROM no_such_table", "42P01"),
    ] {
        wh.admin().reset_counters();
        let err = query_i64(&conn, sql).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::SqlError);
        assert_eq!(err.sql_state.as_deref(), Some(state));
        let c = wh.counters();
        assert_eq!(c.requests_on("statements.execute"), 1, "{sql}");
        assert_eq!(c.token_grants, 0, "{sql}");
    }
    wh.shutdown().await;
}

#[tokio::test]
async fn a_permission_error_is_never_taken_for_an_expired_credential() {
    let wh = start(oauth_warehouse("s3cret", Duration::from_secs(3600))).await;
    let conn = Connection::open(oauth_config(&wh, "s3cret")).await.unwrap();
    wh.admin().reset_counters();
    wh.admin()
        .inject_fault(
            sluice_warehouse::Fault::status("statements.execute", 403, None, 1).with_body(
                "PERMISSION_DENIED",
                "User does not have CAN USE on warehouse.",
            ),
        )
        .unwrap();
    let err = query_i64(&conn, "SELECT 1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PermissionDenied, "{err}");
    assert_eq!(err.vendor_code.as_deref(), Some("PERMISSION_DENIED"));
    let c = wh.counters();
    assert_eq!(c.requests_on("statements.execute"), 1, "no retry");
    assert_eq!(c.token_grants, 0, "no refresh");
    wh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_expired_session_is_reopened_once_for_concurrent_statements() {
    let wh = start(sluice_warehouse::WarehouseConfig {
        session_idle_timeout: Duration::from_millis(800),
        ..base()
    })
    .await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let first = conn.session_id().await.unwrap();
    assert_eq!(query_i64(&conn, "SELECT 1").await.unwrap(), vec![1]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            query_i64(&conn, "SELECT 2").await.unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), vec![2]);
    }
    assert_ne!(conn.session_id().await.unwrap(), first);
    assert_eq!(wh.counters().sessions_opened, 2, "one new session for all");
    wh.shutdown().await;
}
