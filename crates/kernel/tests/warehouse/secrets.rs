//! Planted canaries: tokens, client secrets and pre-signed links must not appear in any error
//! (Display or Debug) or configuration dump, whatever fails.

use std::time::Duration;

use sluice_kernel::{AuthConfig, Connection, ExecuteOptions, Secret};
use sluice_warehouse::{Fault, WarehouseConfig};

use crate::common::*;

const PAT: &str = "dapi-CANARY-pat-7f3a9c";
const CLIENT_SECRET: &str = "CANARY-client-secret-51d2";

fn scan(texts: &[String], secrets: &[&str]) {
    for text in texts {
        for secret in secrets {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
        // Pre-signed links of the local warehouse live under /blob/ with a signature.
        assert!(
            !text.contains("/blob/") && !text.contains("sig="),
            "a link leaked into: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_an_error_or_a_debug_dump() {
    let wh = start(WarehouseConfig {
        tokens: vec![PAT.into()],
        oauth_client_id: Some("canary-client".into()),
        oauth_client_secret: Some(CLIENT_SECRET.into()),
        chunk_rows: 100,
        inline_limit: 0,
        ..base()
    })
    .await;
    let mut seen: Vec<String> = Vec::new();
    fn record(seen: &mut Vec<String>, e: &sluice_kernel::Error) {
        seen.push(format!("{e}"));
        seen.push(format!("{e:?}"));
    }

    let config = token_config(&wh);
    seen.push(format!("{config:?}"));
    let conn = Connection::open(config).await.unwrap();

    // A wrong OAuth secret, and a wrong token, near misses of the real ones.
    let mut bad = oauth_config(&wh, &format!("{CLIENT_SECRET}-wrong"));
    bad.auth = AuthConfig::OAuthM2M {
        client_id: "canary-client".into(),
        client_secret: Secret::new(format!("{CLIENT_SECRET}-wrong")),
        scope: "all-apis".into(),
    };
    seen.push(format!("{bad:?}"));
    record(&mut seen, &Connection::open(bad).await.err().unwrap());
    let mut wrong = token_config(&wh);
    wrong.auth = AuthConfig::Token(Secret::new(format!("{PAT}-wrong")));
    record(&mut seen, &Connection::open(wrong).await.err().unwrap());

    // Download failures until attempts run out: cut bodies, dropped connections, refusals.
    for fault in [
        Fault::cut("download", 10, 100),
        Fault::drop_connection("download", 100),
        Fault::status("download", 403, None, 100),
    ] {
        wh.admin().clear_faults();
        wh.admin().inject_fault(fault).unwrap();
        let statement = conn.statement().unwrap();
        statement
            .execute("SELECT id FROM range(1000)", ExecuteOptions::default())
            .await
            .unwrap();
        let mut failure = None;
        while failure.is_none() {
            match statement.next_chunk().await {
                Ok(Some(_)) => {}
                Ok(None) => panic!("the faults let every chunk through"),
                Err(e) => failure = Some(e),
            }
        }
        record(&mut seen, &failure.unwrap());
    }
    wh.admin().clear_faults();

    // SQL errors, a revoked token, and a dead server.
    record(
        &mut seen,
        &query_i64(&conn, "SELEC oops").await.unwrap_err(),
    );
    wh.admin().revoke_token(PAT);
    record(&mut seen, &query_i64(&conn, "SELECT 1").await.unwrap_err());
    let late = token_config(&wh);
    wh.shutdown().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    record(&mut seen, &Connection::open(late).await.err().unwrap());

    assert!(
        seen.len() >= 10,
        "the scenarios produced errors to scan: {}",
        seen.len()
    );
    scan(&seen, &[PAT, CLIENT_SECRET]);
}
