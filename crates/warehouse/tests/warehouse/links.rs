//! External links: chunking, manifest counts, signed expiring blob URLs, LZ4, JSON/CSV files.

use std::time::Duration;

use crate::common::{decode_arrow, rows, Harness};
use serde_json::{json, Value};
use sluice_warehouse::WarehouseConfig;

fn small_chunks() -> WarehouseConfig {
    WarehouseConfig {
        chunk_rows: 1000,
        inline_limit: 1024,
        ..Default::default()
    }
}

async fn download(h: &Harness, link: &Value) -> reqwest::Response {
    h.http
        .get(link["external_link"].as_str().unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn external_links_chunks_and_manifest() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT id, CAST(id AS STRING) AS s FROM range(2500)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM", "result_compression": "LZ4_FRAME"}),
        )
        .await;
    let b = &r.body;
    assert_eq!(b["status"]["state"], "SUCCEEDED", "{}", r.text);
    let m = &b["manifest"];
    assert_eq!(m["total_chunk_count"], 3);
    assert_eq!(m["total_row_count"], 2500);
    assert_eq!(m["result_compression"], "LZ4_FRAME");
    let chunks = m["chunks"].as_array().unwrap();
    let offsets: Vec<(u64, u64)> = chunks
        .iter()
        .map(|c| {
            (
                c["row_offset"].as_u64().unwrap(),
                c["row_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(offsets, vec![(0, 1000), (1000, 1000), (2000, 500)]);
    let sum: u64 = chunks
        .iter()
        .map(|c| c["byte_count"].as_u64().unwrap())
        .sum();
    assert_eq!(m["total_byte_count"].as_u64().unwrap(), sum);

    let links = b["result"]["external_links"].as_array().unwrap();
    assert_eq!(
        links.len(),
        1,
        "EXTERNAL_LINKS hands out the first link only"
    );
    let id = b["statement_id"].as_str().unwrap();
    assert_eq!(links[0]["next_chunk_index"], 1);
    assert_eq!(
        links[0]["next_chunk_internal_link"],
        format!("/api/2.0/sql/statements/{id}/result/chunks/1")
    );
    let exp = links[0]["expiration"].as_str().unwrap();
    assert_eq!(exp.len(), "2025-01-27T20:33:57.920Z".len());
    assert!(exp.ends_with('Z'));

    let mut total = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        let link = h.link(id, i).await;
        assert_eq!(link["chunk_index"], i);
        assert_eq!(link.get("next_chunk_index").is_some(), i < 2);
        let resp = download(&h, &link).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "binary/octet-stream");
        let bytes = resp.bytes().await.unwrap();
        assert_eq!(&bytes[..4], &[0x04, 0x22, 0x4d, 0x18], "LZ4 frame magic");
        assert_eq!(link["byte_count"].as_u64().unwrap(), bytes.len() as u64);
        let mut raw = Vec::new();
        std::io::Read::read_to_end(
            &mut lz4_flex::frame::FrameDecoder::new(&bytes[..]),
            &mut raw,
        )
        .unwrap();
        assert_eq!(raw.len() as u64, chunk["byte_count"].as_u64().unwrap());
        assert_eq!(&raw[..4], &[0xff; 4]);
        assert_eq!(&raw[raw.len() - 8..], &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        total += rows(&decode_arrow(&bytes, true));
    }
    assert_eq!(total, 2500);
    assert_eq!(h.wh.counters().downloads, 3);
    assert_eq!(h.wh.counters().chunk_link_fetches, 3);
}

#[tokio::test]
async fn uncompressed_links_have_no_result_compression() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT * FROM range(10)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    assert!(r.body["manifest"].get("result_compression").is_none());
    let link = &r.body["result"]["external_links"][0];
    let bytes = download(&h, link).await.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0xff; 4]);
    assert_eq!(rows(&decode_arrow(&bytes, false)), 10);
}

#[tokio::test]
async fn every_chunk_call_mints_a_fresh_link() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT * FROM range(10)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    let id = r.body["statement_id"].as_str().unwrap();
    let a = h.link(id, 0).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let b = h.link(id, 0).await;
    assert_ne!(a["external_link"], b["external_link"]);
    assert_eq!(download(&h, &a).await.status(), 200);
    assert_eq!(download(&h, &b).await.status(), 200);
    let out = h
        .get(&format!("/api/2.0/sql/statements/{id}/result/chunks/7"))
        .await;
    assert_eq!(out.status, 400);
}

#[tokio::test]
async fn expired_link_is_403_with_s3_xml() {
    let h = Harness::with(WarehouseConfig {
        link_ttl: Duration::from_secs(1),
        ..small_chunks()
    })
    .await;
    let r = h
        .exec(
            "SELECT * FROM range(10)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    let link = r.body["result"]["external_links"][0].clone();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let resp = download(&h, &link).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["content-type"], "application/xml");
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("<Code>AccessDenied</Code>") && text.contains("Request has expired"),
        "{text}"
    );
    let id = r.body["statement_id"].as_str().unwrap();
    let fresh = h.link(id, 0).await;
    assert_eq!(download(&h, &fresh).await.status(), 200);
}

#[tokio::test]
async fn admin_can_expire_all_links_now() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT * FROM range(10)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    let link = r.body["result"]["external_links"][0].clone();
    h.wh.admin().expire_links();
    assert_eq!(download(&h, &link).await.status(), 403);
    let id = r.body["statement_id"].as_str().unwrap();
    assert_eq!(download(&h, &h.link(id, 0).await).await.status(), 200);
}

#[tokio::test]
async fn tampered_link_and_authorization_header_are_rejected() {
    let h = Harness::with(small_chunks()).await;
    let link = h.first_link("SELECT * FROM range(10)").await;
    let url = link["external_link"].as_str().unwrap().to_string();
    let tampered = url.replace("/0?", "/1?");
    let resp = h.http.get(&tampered).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("SignatureDoesNotMatch"));
    for bad in [
        url.split('?').next().unwrap().to_string(),
        url.replace("/0?", "/x?"),
    ] {
        let resp = h.http.get(&bad).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{bad}");
    }
    let resp = h.http.get(&url).bearer_auth(&h.token).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("InvalidArgument"));
    let c = h.wh.counters();
    assert_eq!(c.downloads_with_authorization, 1);
    assert_eq!(c.downloads, 0);
}

#[tokio::test]
async fn hybrid_large_result_returns_every_link() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT * FROM range(2500)",
            json!({"disposition": "INLINE_OR_EXTERNAL_LINKS", "format": "ARROW_STREAM", "result_compression": "LZ4_FRAME"}),
        )
        .await;
    assert!(r.body["result"].get("attachment").is_none());
    let links = r.body["result"]["external_links"].as_array().unwrap();
    assert_eq!(links.len(), 3);
    assert!(links[2].get("next_chunk_index").is_none());
    assert_eq!(rows(&h.collect_arrow(&r.body).await), 2500);
}

#[tokio::test]
async fn json_and_csv_files() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT id, CASE WHEN id = 1 THEN NULL ELSE 'a,b' END AS s FROM range(1500)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "JSON_ARRAY"}),
        )
        .await;
    assert_eq!(r.body["manifest"]["format"], "JSON_ARRAY");
    let body: Value = download(&h, &r.body["result"]["external_links"][0])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0], json!(["0", "a,b"]));
    assert_eq!(body[1], json!(["1", null]));
    assert_eq!(body.as_array().unwrap().len(), 1000);

    let r = h
        .exec(
            "SELECT id, CASE WHEN id = 1 THEN NULL ELSE 'a,b' END AS s FROM range(1500)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "CSV"}),
        )
        .await;
    let id = r.body["statement_id"].as_str().unwrap();
    let first = download(&h, &h.link(id, 0).await)
        .await
        .text()
        .await
        .unwrap();
    let mut lines = first.lines();
    assert_eq!(lines.next(), Some("id,s"));
    assert_eq!(lines.next(), Some("0,\"a,b\""));
    assert_eq!(lines.next(), Some("1,null"));
    let second = download(&h, &h.link(id, 1).await)
        .await
        .text()
        .await
        .unwrap();
    assert!(second.starts_with("1000,"), "no header on later chunks");
}

#[tokio::test]
async fn row_limit_and_byte_limit_truncate() {
    let h = Harness::with(small_chunks()).await;
    let r = h
        .exec(
            "SELECT * FROM range(100)",
            json!({"row_limit": 10, "disposition": "INLINE", "format": "JSON_ARRAY"}),
        )
        .await;
    assert_eq!(r.body["manifest"]["truncated"], true);
    assert_eq!(r.body["manifest"]["total_row_count"], 10);
    let r = h
        .exec(
            "SELECT * FROM range(100)",
            json!({"row_limit": 100, "disposition": "INLINE", "format": "JSON_ARRAY"}),
        )
        .await;
    assert_eq!(r.body["manifest"]["truncated"], false);
    let r = h
        .exec(
            "SELECT * FROM range(100000)",
            json!({"byte_limit": 8000, "disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    assert_eq!(r.body["manifest"]["truncated"], true);
    let n = r.body["manifest"]["total_row_count"].as_u64().unwrap();
    assert!(n > 0 && n <= 1000, "{n}");
}

#[tokio::test]
async fn chunk_bytes_splits_wide_results() {
    let h = Harness::with(WarehouseConfig {
        chunk_bytes: 64 * 1024,
        inline_limit: 1024,
        ..Default::default()
    })
    .await;
    let r = h
        .exec(
            "SELECT id, repeat('x', 100) AS pad FROM range(5000)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    let m = &r.body["manifest"];
    let n = m["total_chunk_count"].as_u64().unwrap();
    assert!(n >= 5, "about 540 KB in 64 KiB chunks, got {n}");
    for c in m["chunks"].as_array().unwrap() {
        assert!(c["byte_count"].as_u64().unwrap() < 100 * 1024, "{c}");
    }
    assert_eq!(rows(&h.collect_arrow(&r.body).await), 5000);
}

#[tokio::test]
async fn links_point_at_the_configured_base_url() {
    let h = Harness::with(WarehouseConfig {
        link_base_url: Some("https://127.0.0.1:1/".to_string()),
        ..small_chunks()
    })
    .await;
    let link = h.first_link("SELECT id FROM range(10)").await;
    let url = link["external_link"].as_str().unwrap();
    let path = url
        .strip_prefix("https://127.0.0.1:1/blob/")
        .unwrap_or_else(|| panic!("link does not start with the configured base: {url}"));
    let direct = h.url(&format!("/blob/{path}"));
    let resp = h.http.get(direct).send().await.unwrap();
    assert_eq!(
        resp.status(),
        200,
        "the signature covers the path, not the host"
    );
    assert_eq!(rows(&decode_arrow(&resp.bytes().await.unwrap(), false)), 10);
}
