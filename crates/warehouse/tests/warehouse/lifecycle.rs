//! Statement and session lifecycle: wait modes, polling, cancel, close, retention, idle
//! sessions, unknown and malformed ids, tolerant routing.

use std::time::{Duration, Instant};

use crate::common::Harness;
use serde_json::json;
use sluice_warehouse::WarehouseConfig;

async fn poll_until_terminal(h: &Harness, id: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = h.get(&format!("/api/2.0/sql/statements/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let state = r.body["status"]["state"].as_str().unwrap().to_string();
        if !matches!(state.as_str(), "PENDING" | "RUNNING") {
            return r.body;
        }
        assert!(Instant::now() < deadline, "statement never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn wait_timeout_zero_returns_pending_then_poll_succeeds() {
    let h = Harness::start().await;
    let r = h
        .exec("SELECT sleep(0.3) AS s", json!({"wait_timeout": "0s"}))
        .await;
    assert_eq!(r.status, 200);
    let state = r.body["status"]["state"].as_str().unwrap();
    assert!(matches!(state, "PENDING" | "RUNNING"), "{}", r.text);
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2, "only statement_id and status: {}", r.text);
    let id = r.body["statement_id"].as_str().unwrap();
    let done = poll_until_terminal(&h, id).await;
    assert_eq!(done["status"]["state"], "SUCCEEDED");
    assert_eq!(done["result"]["data_array"], json!([["true"]]));
}

#[tokio::test]
async fn continue_on_wait_timeout_then_cancel() {
    let h = Harness::start().await;
    let started = Instant::now();
    let r = h
        .exec(
            "SELECT sleep(20)",
            json!({"wait_timeout": "5s", "on_wait_timeout": "CONTINUE"}),
        )
        .await;
    assert!(started.elapsed() >= Duration::from_secs(5));
    assert_eq!(r.body["status"]["state"], "RUNNING", "{}", r.text);
    let id = r.body["statement_id"].as_str().unwrap();
    let c = h
        .post(&format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
        .await;
    assert_eq!(c.status, 200);
    assert_eq!(c.body, json!({}));
    let g = h.get(&format!("/api/2.0/sql/statements/{id}")).await;
    assert_eq!(
        g.body,
        json!({"statement_id": id, "status": {"state": "CANCELED"}})
    );
}

#[tokio::test]
async fn cancel_on_wait_timeout() {
    let h = Harness::start().await;
    let r = h
        .exec(
            "SELECT sleep(20)",
            json!({"wait_timeout": "5s", "on_wait_timeout": "CANCEL"}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "CANCELED", "{}", r.text);
}

#[tokio::test]
async fn cancel_of_finished_statement_is_a_no_op() {
    let h = Harness::start().await;
    let r = h.exec("SELECT 1", json!({})).await;
    let id = r.body["statement_id"].as_str().unwrap();
    let c = h
        .post(&format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
        .await;
    assert_eq!(c.status, 200);
    let g = h.get(&format!("/api/2.0/sql/statements/{id}")).await;
    assert_eq!(g.body["status"]["state"], "SUCCEEDED");
}

#[tokio::test]
async fn invalid_request_fields_are_400() {
    let h = Harness::start().await;
    for extra in [
        json!({"wait_timeout": "3s"}),
        json!({"wait_timeout": "51s"}),
        json!({"on_wait_timeout": "WAIT"}),
        json!({"disposition": "SOMEWHERE"}),
        json!({"format": "XML"}),
        json!({"disposition": "INLINE", "format": "CSV"}),
        json!({"row_limit": -1}),
        json!({"parameters": "nope"}),
    ] {
        let r = h.exec("SELECT 1", extra.clone()).await;
        assert_eq!(r.status, 400, "{extra}: {}", r.text);
        assert_eq!(r.body["error_code"], "INVALID_PARAMETER_VALUE");
        assert!(r.body["message"].is_string());
    }
    let r = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/statements",
            None,
            Some(&h.token.clone()),
        )
        .await;
    assert_eq!(r.status, 400);
    let resp = h
        .http
        .post(h.url("/api/2.0/sql/statements"))
        .bearer_auth(&h.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE");
}

#[tokio::test]
async fn unknown_id_is_404_and_malformed_id_is_400() {
    let h = Harness::start().await;
    let unknown = "01ef9de4-091e-1cca-a458-a00ed5ab7b11";
    for path in [
        format!("/api/2.0/sql/statements/{unknown}"),
        format!("/api/2.0/sql/statements/{unknown}/result/chunks/0"),
    ] {
        let r = h.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.body["error_code"], "NOT_FOUND");
    }
    let r = h
        .delete(&format!("/api/2.0/sql/statements/{unknown}"))
        .await;
    assert_eq!(r.status, 404);
    let r = h.get("/api/2.0/sql/statements/not-an-id").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error_code"], "INVALID_PARAMETER_VALUE");
    let r = h.exec("SELECT 1", json!({"session_id": unknown})).await;
    assert_eq!(r.status, 404);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("SESSION_NOT_FOUND"));
}

#[tokio::test]
async fn results_are_gone_after_retention() {
    let h = Harness::with(WarehouseConfig {
        result_retention: Duration::from_millis(800),
        ..Default::default()
    })
    .await;
    let r = h.exec("SELECT 1", json!({})).await;
    let id = r.body["statement_id"].as_str().unwrap();
    assert_eq!(
        h.get(&format!("/api/2.0/sql/statements/{id}")).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        h.get(&format!("/api/2.0/sql/statements/{id}")).await.status,
        404
    );
}

#[tokio::test]
async fn idle_sessions_expire() {
    let h = Harness::with(WarehouseConfig {
        session_idle_timeout: Duration::from_millis(800),
        ..Default::default()
    })
    .await;
    let sid = h.session().await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = h.exec("SELECT 1", json!({"session_id": sid})).await;
    assert_eq!(r.status, 200, "use keeps it alive");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = h.exec("SELECT 1", json!({"session_id": sid})).await;
    assert_eq!(r.status, 404);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("SESSION_NOT_FOUND"));
}

#[tokio::test]
async fn trailing_slashes_and_bodies_on_get_and_delete_are_tolerated() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/api/2.0/sql/statements/",
            json!({"statement": "SELECT 1", "warehouse_id": "x"}),
        )
        .await;
    let id = r.body["statement_id"].as_str().unwrap().to_string();
    let g = h
        .send(
            reqwest::Method::GET,
            &format!("/api/2.0/sql/statements/{id}/"),
            Some(json!({"statement_id": id})),
            Some(&h.token.clone()),
        )
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body["status"]["state"], "SUCCEEDED");
    let sid = h.session().await;
    let d = h
        .send(
            reqwest::Method::DELETE,
            &format!("/api/2.0/sql/sessions/{sid}/"),
            Some(json!({"warehouse_id": "x", "session_id": sid})),
            Some(&h.token.clone()),
        )
        .await;
    assert_eq!(d.status, 200);
    let d = h
        .send(
            reqwest::Method::DELETE,
            &format!("/api/2.0/sql/statements/{id}"),
            Some(json!({"statement_id": id})),
            Some(&h.token.clone()),
        )
        .await;
    assert_eq!(d.status, 200);
}

#[tokio::test]
async fn sixty_four_concurrent_statements() {
    let h = std::sync::Arc::new(Harness::start().await);
    let started = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move {
                let r = h
                    .succeed(
                        &format!("SELECT sum(id) AS s FROM range({})", 1000 + i),
                        json!({}),
                    )
                    .await;
                let expected = (1000 + i - 1) * (1000 + i) / 2;
                assert_eq!(
                    r.body["result"]["data_array"],
                    json!([[expected.to_string()]])
                );
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    eprintln!("64 concurrent statements took {:?}", started.elapsed());
}
