//! Fault injection, counters and the other admin knobs, from Rust and over HTTP.

use std::time::{Duration, Instant};

use crate::common::{self, Harness};
use serde_json::json;
use sluice_warehouse::{Counters, Fault, WarehouseConfig};

fn admin_enabled() -> WarehouseConfig {
    WarehouseConfig {
        enable_admin: true,
        chunk_rows: 1000,
        inline_limit: 1024,
        ..Default::default()
    }
}

#[tokio::test]
async fn status_faults_with_and_without_retry_after() {
    let h = Harness::start().await;
    let admin = h.wh.admin();
    admin
        .inject_fault(Fault::status("statements.execute", 429, Some(1), 2))
        .unwrap();
    for _ in 0..2 {
        let r = h.exec("SELECT 1", json!({})).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.headers["retry-after"], "1");
        assert_eq!(r.body["error_code"], "REQUEST_LIMIT_EXCEEDED");
    }
    assert_eq!(h.exec("SELECT 1", json!({})).await.status, 200);

    admin
        .inject_fault(Fault::status("sessions.create", 503, None, 1))
        .unwrap();
    let r = h.post("/api/2.0/sql/sessions", json!({})).await;
    assert_eq!(r.status, 503);
    assert!(r.headers.get("retry-after").is_none());
    assert_eq!(r.body["error_code"], "TEMPORARILY_UNAVAILABLE");

    admin
        .inject_fault(Fault::status("sessions.create", 500, None, 1))
        .unwrap();
    assert_eq!(h.post("/api/2.0/sql/sessions", json!({})).await.status, 500);

    admin
        .inject_fault(Fault::status("sessions.create", 307, None, 1))
        .unwrap();
    assert_eq!(h.post("/api/2.0/sql/sessions", json!({})).await.status, 307);

    let c = h.wh.counters();
    assert_eq!(c.requests_with("statements.execute", 429), 2);
    assert_eq!(c.requests_with("statements.execute", 200), 1);
    assert_eq!(c.requests_with("sessions.create", 503), 1);
    assert_eq!(c.requests_with("sessions.create", 500), 1);
    assert_eq!(c.faults_injected, 5);
    assert_eq!(c.sessions_opened, 0);
    assert!(admin
        .inject_fault(Fault::status("nowhere", 500, None, 1))
        .is_err());
}

#[tokio::test]
async fn delay_fault() {
    let h = Harness::start().await;
    let r = h.exec("SELECT 1", json!({})).await;
    let id = r.body["statement_id"].as_str().unwrap();
    h.wh.admin()
        .inject_fault(Fault::delay("statements.get", 400, 1))
        .unwrap();
    let t = Instant::now();
    assert_eq!(
        h.get(&format!("/api/2.0/sql/statements/{id}")).await.status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(400));
    let t = Instant::now();
    h.get(&format!("/api/2.0/sql/statements/{id}")).await;
    assert!(t.elapsed() < Duration::from_millis(400));
}

#[tokio::test]
async fn cut_body_fault_breaks_the_download() {
    let h = Harness::with(admin_enabled()).await;
    let link = h.first_link("SELECT * FROM range(5000)").await;
    let url = link["external_link"].as_str().unwrap().to_string();
    let size = link["byte_count"].as_u64().unwrap();
    h.wh.admin()
        .inject_fault(Fault::cut("download", 100, 1))
        .unwrap();
    let resp = h.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.content_length(), Some(size));
    assert!(resp.bytes().await.is_err(), "the body must fail mid-way");
    let ok = h.http.get(&url).send().await.unwrap();
    assert!(ok.bytes().await.unwrap().len() > 100);
}

#[tokio::test]
async fn drop_fault_closes_the_connection() {
    let h = Harness::start().await;
    h.wh.admin()
        .inject_fault(Fault::drop_connection("sessions.create", 1))
        .unwrap();
    let client = common::http_client(&h.wh);
    let err = client
        .post(h.url("/api/2.0/sql/sessions"))
        .bearer_auth(&h.token)
        .body("{}")
        .send()
        .await;
    assert!(err.is_err(), "connection should be dropped");
    let r = h.post("/api/2.0/sql/sessions", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(h.wh.counters().requests_with("sessions.create", 0), 1);
}

#[tokio::test]
async fn admin_routes_over_http() {
    let h = Harness::with(admin_enabled()).await;
    let r = h
        .post(
            "/admin/faults",
            json!({"route": "statements.execute", "kind": "status", "status": 503, "retry_after": 2, "count": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let listed = h.get("/admin/faults").await;
    assert_eq!(listed.body["faults"][0]["route"], "statements.execute");
    let r = h.exec("SELECT 1", json!({})).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.headers["retry-after"], "2");
    let bad = h
        .post("/admin/faults", json!({"route": "nope", "kind": "status"}))
        .await;
    assert_eq!(bad.status, 400);
    let bad = h
        .post(
            "/admin/faults",
            json!({"route": "download", "kind": "explode"}),
        )
        .await;
    assert_eq!(bad.status, 400);

    h.session().await;
    let r = h
        .exec(
            "SELECT * FROM range(3000)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    let link = r.body["result"]["external_links"][0].clone();
    let id = r.body["statement_id"].as_str().unwrap();
    h.link(id, 1).await;
    h.http
        .get(link["external_link"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    h.http
        .get(link["external_link"].as_str().unwrap())
        .header("authorization", "Bearer x")
        .send()
        .await
        .unwrap();

    let c: Counters = serde_json::from_value(h.get("/admin/counters").await.body).unwrap();
    assert_eq!(c.sessions_opened, 1);
    assert_eq!(c.chunk_link_fetches, 1);
    assert_eq!(c.downloads, 1);
    assert_eq!(c.downloads_with_authorization, 1);
    assert_eq!(c.requests_with("statements.execute", 503), 1);
    assert_eq!(c.requests_with("statements.execute", 200), 1);
    assert_eq!(c.requests_with("download", 200), 1);
    assert_eq!(c.requests_with("download", 400), 1);
    assert_eq!(c.statements_executed, 1);
    assert!(c.download_bytes > 0);

    assert_eq!(h.post("/admin/expire-links", json!({})).await.status, 200);
    let resp = h
        .http
        .get(link["external_link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let sid = h.session().await;
    assert_eq!(
        h.post("/admin/expire-sessions", json!({})).await.status,
        200
    );
    assert_eq!(
        h.exec("SELECT 1", json!({"session_id": sid})).await.status,
        404
    );

    assert_eq!(h.post("/admin/reset-counters", json!({})).await.status, 200);
    let c: Counters = serde_json::from_value(h.get("/admin/counters").await.body).unwrap();
    assert_eq!(c.sessions_opened, 0);
    assert_eq!(c.requests_on("admin"), 1, "only the reset call itself");

    let r = h
        .post("/admin/revoke-tokens", json!({"tokens": [h.token.clone()]}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(h.exec("SELECT 1", json!({})).await.status, 403);
    assert_eq!(
        h.get("/admin/counters").await.status,
        200,
        "admin still reachable"
    );
}

#[tokio::test]
async fn admin_routes_absent_unless_enabled() {
    let h = Harness::start().await;
    assert_eq!(h.get("/admin/counters").await.status, 404);
}

#[tokio::test]
async fn throttled_downloads_are_slow() {
    let h = Harness::with(admin_enabled()).await;
    let link = h
        .first_link("SELECT id, repeat('x', 50) AS pad FROM range(1000)")
        .await;
    let url = link["external_link"].as_str().unwrap().to_string();
    let size = link["byte_count"].as_u64().unwrap();
    assert_eq!(
        h.post("/admin/throttle", json!({"bytes_per_sec": 100_000}))
            .await
            .status,
        200
    );
    let t = Instant::now();
    let body = h
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len() as u64, size);
    let expected = Duration::from_secs_f64(size as f64 / 100_000.0 * 0.8);
    assert!(
        t.elapsed() >= expected,
        "{:?} < {:?}",
        t.elapsed(),
        expected
    );
    h.post("/admin/throttle", json!({"bytes_per_sec": null}))
        .await;
    let t = Instant::now();
    h.http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(t.elapsed() < expected);
}

#[tokio::test]
async fn download_status_faults_answer_like_cloud_storage() {
    let h = Harness::with(admin_enabled()).await;
    let link = h.first_link("SELECT * FROM range(10)").await;
    let url = link["external_link"].as_str().unwrap().to_string();
    let admin = h.wh.admin();
    admin
        .inject_fault(Fault::status("download", 403, None, 1))
        .unwrap();
    admin
        .inject_fault(Fault::status("download", 503, Some(1), 1))
        .unwrap();
    let resp = h.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["content-type"], "application/xml");
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("<Code>AccessDenied</Code>"));
    let resp = h.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.text().await.unwrap().contains("<Code>SlowDown</Code>"));
    assert_eq!(h.http.get(&url).send().await.unwrap().status(), 200);
    let c = h.wh.counters();
    assert_eq!(c.requests_with("download", 403), 1);
    assert_eq!(c.requests_with("download", 503), 1);
    assert_eq!(c.downloads, 1);
}
