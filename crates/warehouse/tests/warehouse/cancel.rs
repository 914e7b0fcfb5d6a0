//! Cancel, CANCEL on wait timeout, and close stop the work itself, not only the reported
//! state: the `queries_running` / `results_encoding` gauges must fall back to zero, and the
//! binary's CPU time must stop growing.

use std::time::{Duration, Instant};

use crate::common::Harness;
use serde_json::{json, Value};
use sluice_warehouse::Counters;

/// Takes hours to finish, and burns CPU all the way.
const ENDLESS: &str = "SELECT sum(id) AS s FROM range(1000000000000)";

async fn wait_for(h: &Harness, what: &str, within: Duration, ok: impl Fn(&Counters) -> bool) {
    let deadline = Instant::now() + within;
    loop {
        let c = h.wh.counters();
        if ok(&c) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} not reached within {within:?}: queries_running {}, results_encoding {}",
            c.queries_running,
            c.results_encoding
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn start_endless(h: &Harness) -> String {
    let r = h.exec(ENDLESS, json!({"wait_timeout": "0s"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["statement_id"].as_str().unwrap().to_string();
    wait_for(h, "query running", Duration::from_secs(30), |c| {
        c.queries_running == 1
    })
    .await;
    id
}

async fn state_of(h: &Harness, id: &str) -> Value {
    h.get(&format!("/api/2.0/sql/statements/{id}")).await.body
}

#[tokio::test]
async fn cancel_stops_the_running_query() {
    let h = Harness::start().await;
    let id = start_endless(&h).await;
    let c = h
        .post(&format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
        .await;
    assert_eq!(c.status, 200);
    wait_for(&h, "query stopped", Duration::from_secs(3), |c| {
        c.queries_running == 0
    })
    .await;
    assert_eq!(
        state_of(&h, &id).await,
        json!({"statement_id": id, "status": {"state": "CANCELED"}})
    );
}

#[tokio::test]
async fn close_stops_the_running_query() {
    let h = Harness::start().await;
    let id = start_endless(&h).await;
    assert_eq!(
        h.delete(&format!("/api/2.0/sql/statements/{id}"))
            .await
            .status,
        200
    );
    wait_for(&h, "query stopped", Duration::from_secs(3), |c| {
        c.queries_running == 0
    })
    .await;
    assert_eq!(state_of(&h, &id).await["status"]["state"], "CLOSED");
}

#[tokio::test]
async fn cancel_on_wait_timeout_stops_the_query() {
    let h = Harness::start().await;
    let r = h
        .exec(
            ENDLESS,
            json!({"wait_timeout": "5s", "on_wait_timeout": "CANCEL"}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "CANCELED", "{}", r.text);
    wait_for(&h, "query stopped", Duration::from_secs(3), |c| {
        c.queries_running == 0
    })
    .await;
    let id = r.body["statement_id"].as_str().unwrap();
    assert_eq!(state_of(&h, id).await["status"]["state"], "CANCELED");
}

#[tokio::test]
async fn cancel_stops_encoding_the_result() {
    let h = Harness::start().await;
    // Quick to compute, but hundreds of JSON chunks to render: seconds of encoding.
    let r = h
        .exec(
            "SELECT id, id * 2 AS twice FROM range(20000000)",
            json!({"wait_timeout": "0s", "disposition": "EXTERNAL_LINKS", "format": "JSON_ARRAY"}),
        )
        .await;
    let id = r.body["statement_id"].as_str().unwrap().to_string();
    wait_for(&h, "encoding", Duration::from_secs(60), |c| {
        c.results_encoding == 1
    })
    .await;
    h.post(&format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
        .await;
    wait_for(&h, "encoding stopped", Duration::from_secs(1), |c| {
        c.results_encoding == 0
    })
    .await;
    let s = state_of(&h, &id).await;
    assert_eq!(s["status"]["state"], "CANCELED", "{s}");
    assert!(
        s.get("result").is_none() && s.get("manifest").is_none(),
        "{s}"
    );
}

/// Reads the binary's CPU time from /proc, hence Linux only.
#[cfg(target_os = "linux")]
mod binary {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};

    use super::ENDLESS;

    /// User + system CPU time of a process, from /proc (clock ticks of 10 ms on Linux).
    fn cpu_ticks(pid: u32) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    /// Every DataFusion task of the query must stop, not only the statement's own task: the
    /// whole binary goes idle after the cancel.
    #[tokio::test]
    async fn cancel_makes_the_binary_idle() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluice-warehouse"))
            .args(["--plain-http", "--token", "dapi-cpu"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line).unwrap();
        let url = ready["url"].as_str().unwrap().to_string();
        crate::common::install_crypto_provider();
        let http = reqwest::Client::new();
        let call = |path: String, body: Value| {
            http.post(format!("{url}{path}"))
                .bearer_auth("dapi-cpu")
                .json(&body)
                .send()
        };
        let r: Value = call(
            "/api/2.0/sql/statements".into(),
            json!({"statement": ENDLESS, "warehouse_id": "x", "wait_timeout": "0s"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let id = r["statement_id"].as_str().unwrap().to_string();

        let before = cpu_ticks(pid);
        let deadline = Instant::now() + Duration::from_secs(60);
        while cpu_ticks(pid) < before + 50 {
            assert!(
                Instant::now() < deadline,
                "the query never used 0.5 s of CPU"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let c = call(format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
            .await
            .unwrap();
        assert_eq!(c.status(), 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let settled = cpu_ticks(pid);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = cpu_ticks(pid) - settled;
        let state: Value = http
            .get(format!("{url}/api/2.0/sql/statements/{id}"))
            .bearer_auth("dapi-cpu")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(idle <= 10, "{idle} ticks of CPU in the second after cancel");
        assert_eq!(state["status"]["state"], "CANCELED");
    }
}
