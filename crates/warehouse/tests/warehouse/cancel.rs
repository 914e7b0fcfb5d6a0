//! Cancel, CANCEL on wait timeout, and close stop the work itself, not only the reported
//! state: the `queries_running` / `results_encoding` gauges must fall back to zero, and the
//! binary's CPU time must stop growing. A cancel and a statement's commit exclude each other:
//! a cancel before the commit prevents the change, one after it changes nothing.

use std::time::{Duration, Instant};

use crate::common::Harness;
use serde_json::{json, Value};
use sluice_warehouse::{Counters, Fault};

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

/// Starts `sql` with a `delay` fault at `point` (`commit.before` / `commit.after`) and returns
/// its id once the statement is held there.
async fn start_held(h: &Harness, sql: &str, point: &str) -> String {
    h.wh.admin()
        .inject_fault(Fault::delay(point, 3_000, 1))
        .unwrap();
    let r = h.exec(sql, json!({"wait_timeout": "0s"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    wait_for(h, "statement held", Duration::from_secs(30), |c| {
        c.faults_injected == 1
    })
    .await;
    r.body["statement_id"].as_str().unwrap().to_string()
}

async fn cancel(h: &Harness, id: &str) {
    let c = h
        .post(&format!("/api/2.0/sql/statements/{id}/cancel"), json!({}))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
}

async fn final_state(h: &Harness, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = state_of(h, id).await;
        let state = body["status"]["state"].as_str().unwrap().to_string();
        if !["PENDING", "RUNNING"].contains(&state.as_str()) {
            return body;
        }
        assert!(Instant::now() < deadline, "{id} still {state}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn seeded() -> Harness {
    let h = Harness::start().await;
    h.succeed("CREATE TABLE g (k INT, v INT)", json!({})).await;
    h.succeed("INSERT INTO g VALUES (1, 10), (2, 20)", json!({}))
        .await;
    h
}

#[tokio::test]
async fn a_cancel_before_the_commit_prevents_the_change() {
    for sql in [
        "INSERT INTO g VALUES (3, 30)",
        "UPDATE g SET v = 0",
        "DELETE FROM g WHERE k = 1",
        "MERGE INTO g USING (SELECT 1 AS k) s ON g.k = s.k WHEN MATCHED THEN DELETE",
    ] {
        let h = seeded().await;
        let id = start_held(&h, sql, "commit.before").await;
        cancel(&h, &id).await;
        assert_eq!(
            final_state(&h, &id).await["status"]["state"],
            "CANCELED",
            "{sql}"
        );
        // The statement's task is gone, so nothing can commit later.
        wait_for(&h, "query stopped", Duration::from_secs(3), |c| {
            c.queries_running == 0
        })
        .await;
        assert_eq!(
            h.json_rows("SELECT * FROM g ORDER BY k", json!({})).await,
            json!([["1", "10"], ["2", "20"]]),
            "{sql}"
        );
        assert_eq!(h.wh.counters().requests_with("statements.cancel", 200), 1);
    }
}

#[tokio::test]
async fn a_cancel_after_the_commit_leaves_the_statement_succeeded() {
    for (sql, rows) in [
        (
            "INSERT INTO g VALUES (3, 30)",
            json!([["1", "10"], ["2", "20"], ["3", "30"]]),
        ),
        (
            "UPDATE g SET v = 0 WHERE k = 2",
            json!([["1", "10"], ["2", "0"]]),
        ),
        (
            "MERGE INTO g USING (SELECT 1 AS k) s ON g.k = s.k WHEN MATCHED THEN DELETE",
            json!([["2", "20"]]),
        ),
    ] {
        let h = seeded().await;
        let id = start_held(&h, sql, "commit.after").await;
        // Committed already: the change is visible while the statement is held.
        assert_eq!(
            h.json_rows("SELECT * FROM g ORDER BY k", json!({})).await,
            rows,
            "{sql}"
        );
        cancel(&h, &id).await;
        let done = final_state(&h, &id).await;
        assert_eq!(done["status"]["state"], "SUCCEEDED", "{sql}: {done}");
        assert_eq!(done["result"]["data_array"][0][0], "1", "{sql}: {done}");
        assert_eq!(
            h.json_rows("SELECT * FROM g ORDER BY k", json!({})).await,
            rows,
            "{sql}"
        );
        assert_eq!(h.wh.counters().requests_with("statements.cancel", 200), 1);
    }
}
