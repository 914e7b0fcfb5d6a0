//! The `sluice-warehouse` binary: one JSON ready line on stdout, `--help`, clean exit on
//! SIGTERM or SIGINT even when sent the moment the ready line appears.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sluice-warehouse");

#[test]
fn help_documents_every_flag() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--token",
        "--state-dir",
        "--plain-http",
        "--tpch-scale",
        "--chunk-rows",
        "--chunk-bytes",
        "--inline-limit",
        "--link-ttl",
        "--token-ttl",
        "--session-idle-timeout",
        "--result-retention",
        "--oauth-client-id",
        "--oauth-client-secret",
        "--enable-admin",
        "--table",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn ready_line_then_clean_sigterm_exit() {
    let dir = std::env::temp_dir().join(format!("sluice-wh-bin-{}", std::process::id()));
    let mut child = Command::new(BIN)
        .args([
            "--token",
            "dapi-one",
            "--token",
            "dapi-two",
            "--tpch-scale",
            "0.001",
        ])
        .args([
            "--oauth-client-id",
            "cid",
            "--oauth-client-secret",
            "csecret",
            "--enable-admin",
        ])
        .arg("--state-dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // At once: the handler must already be listening when the ready line appears.
    signal(&child, "TERM");
    let ready: Value = serde_json::from_str(&line).expect("one JSON line");
    assert!(ready["url"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    assert_eq!(ready["host"], "127.0.0.1");
    assert!(ready["port"].as_u64().unwrap() > 0);
    assert_eq!(ready["token"], "dapi-one");
    let id = ready["warehouse_id"].as_str().unwrap();
    assert_eq!(ready["http_path"], format!("/sql/1.0/warehouses/{id}"));
    assert_eq!(ready["oauth_client_id"], "cid");
    assert_eq!(ready["oauth_client_secret"], "csecret");
    assert_eq!(ready["token_ttl_secs"], 3600);
    assert_eq!(ready["link_ttl_secs"], 900);
    assert_eq!(ready["session_idle_timeout_secs"], 3600);
    assert_eq!(ready["admin"], true);
    let ca = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(ready["ca_path"], dir.join("ca.pem").display().to_string());

    let exit = exit_within(&mut child, Duration::from_secs(10));
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "exactly one line on stdout, got more: {rest}"
    );
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    for secret in ["dapi-one", "dapi-two", "csecret"] {
        assert!(!err.contains(secret), "stderr leaks a secret: {err}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn signals_right_after_the_ready_line_stop_it_cleanly() {
    for sig in ["TERM", "INT", "TERM", "INT"] {
        let mut child = Command::new(BIN)
            .arg("--plain-http")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        signal(&child, sig);
        let exit = exit_within(&mut child, Duration::from_secs(10));
        assert!(exit.success(), "SIG{sig}: {exit:?}");
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn exit_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
