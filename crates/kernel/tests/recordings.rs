//! Ground truth: every response recorded from live Databricks warehouses must parse with the
//! kernel's wire types, every recorded inline result and every recorded download must decode,
//! and the decoded row counts must match what the manifest promised.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use sluice_kernel::wire::{
    CreateSessionResponse, Manifest, PlatformError, ResultData, StatementResponse, TokenResponse,
};
use sluice_kernel::Chunk;

fn recordings_dir() -> PathBuf {
    let dir = std::env::var_os("SLUICE_RECORDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/databricks-recordings")
        });
    assert!(
        dir.is_dir(),
        "the recordings are missing at {} (testdata/databricks-recordings in the repository, or set SLUICE_RECORDINGS)",
        dir.display()
    );
    dir
}

fn mappings(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

struct Recorded {
    file: PathBuf,
    method: String,
    url: String,
    status: u64,
    body: Option<String>,
    binary: Option<Vec<u8>>,
}

fn load(path: &Path, files: &Path) -> Recorded {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let request = &v["request"];
    let response = &v["response"];
    let url = ["url", "urlPath", "urlPattern", "urlPathPattern"]
        .iter()
        .find_map(|k| request[*k].as_str())
        .unwrap_or("")
        .to_string();
    let binary = response["base64Body"]
        .as_str()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
        .or_else(|| {
            response["bodyFileName"]
                .as_str()
                .and_then(|name| std::fs::read(files.join(name)).ok())
        });
    Recorded {
        file: path.to_path_buf(),
        method: request["method"].as_str().unwrap_or("").to_string(),
        url,
        status: response["status"].as_u64().unwrap_or(0),
        body: response["body"].as_str().map(str::to_string),
        binary,
    }
}

fn link_path(url: &str) -> String {
    let no_query = url.split('?').next().unwrap_or("");
    match no_query.find("://") {
        Some(i) => no_query[i + 3..]
            .find('/')
            .map(|p| no_query[i + 3 + p..].to_string())
            .unwrap_or_default(),
        None => no_query.to_string(),
    }
}

fn statement_id_in(url: &str) -> Option<String> {
    let rest = url.split("/sql/statements/").nth(1)?;
    let id = rest.split(['/', '?']).next()?;
    (!id.is_empty()).then(|| id.to_string())
}

/// Where a download's link came from: its statement and promised row count.
struct LinkInfo {
    statement_id: String,
    row_count: Option<i64>,
}

#[test]
fn every_recorded_api_response_parses_and_every_result_decodes() {
    let root = recordings_dir();
    let files = root.join("__files");
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut manifests: HashMap<String, Manifest> = HashMap::new();
    let mut links: HashMap<String, LinkInfo> = HashMap::new();
    let mut inline_decoded = 0;

    for folder in ["sqlexecapi", "sqlgatewayapi", "jwttokenendpoint"] {
        for path in mappings(&root.join(folder)) {
            let r = load(&path, &files);
            let Some(body) = r.body.as_deref().filter(|b| !b.trim().is_empty()) else {
                continue;
            };
            let what = path.display();
            if !(200..300).contains(&r.status) {
                let e: PlatformError = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{what}: error body does not parse: {e}"));
                assert!(
                    e.message.is_some() || e.error_code.is_some(),
                    "{what}: empty error body"
                );
                *counts.entry("error").or_default() += 1;
            } else if r.url.contains("/oidc/") && r.url.contains("token") {
                let t: TokenResponse = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{what}: token response does not parse: {e}"));
                assert!(t.access_token.is_some(), "{what}: no access_token");
                *counts.entry("token").or_default() += 1;
            } else if r.url.contains("/result/chunks/") {
                let data: ResultData = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{what}: chunk response does not parse: {e}"));
                let id = statement_id_in(&r.url).expect("a chunk URL names its statement");
                for link in data.external_links.iter().flatten() {
                    links.insert(
                        link_path(link.external_link.expose()),
                        LinkInfo {
                            statement_id: id.clone(),
                            row_count: link.row_count,
                        },
                    );
                }
                *counts.entry("chunk").or_default() += 1;
            } else if r.url.contains("/sql/statements")
                && (r.method == "POST" || r.method == "GET")
                && !r.url.ends_with("/cancel")
            {
                let s: StatementResponse = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{what}: statement response does not parse: {e}"));
                if let Some(result) = &s.result {
                    for link in result.external_links.iter().flatten() {
                        links.insert(
                            link_path(link.external_link.expose()),
                            LinkInfo {
                                statement_id: s.statement_id.clone(),
                                row_count: link.row_count,
                            },
                        );
                    }
                    if let (Some(attachment), Some(manifest)) = (&result.attachment, &s.manifest) {
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(attachment)
                            .unwrap();
                        let ipc = if manifest.is_lz4() {
                            sluice_kernel::codec::lz4_frames(&bytes).unwrap()
                        } else {
                            bytes
                        };
                        let chunk = Chunk::from_ipc(0, ipc)
                            .unwrap_or_else(|e| panic!("{what}: attachment does not decode: {e}"));
                        assert_eq!(Some(chunk.row_count() as i64), result.row_count, "{what}");
                        inline_decoded += 1;
                    }
                }
                if let Some(m) = s.manifest {
                    manifests.insert(s.statement_id.clone(), m);
                }
                *counts.entry("statement").or_default() += 1;
            } else if r.url.contains("/sql/sessions") && r.method == "POST" {
                let s: CreateSessionResponse = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{what}: session response does not parse: {e}"));
                assert!(s.session_id.is_some(), "{what}: no session_id");
                *counts.entry("session").or_default() += 1;
            } else {
                serde_json::from_str::<Value>(body)
                    .unwrap_or_else(|e| panic!("{what}: body is not JSON: {e}"));
                *counts.entry("other").or_default() += 1;
            }
        }
    }

    let mut downloads = 0;
    let mut unmatched = Vec::new();
    for path in mappings(&root.join("cloudfetchapi")) {
        let r = load(&path, &files);
        let Some(bytes) = r.binary else { continue };
        let Some(info) = links.get(&link_path(&r.url)) else {
            unmatched.push(r.file);
            continue;
        };
        let manifest = manifests
            .get(&info.statement_id)
            .unwrap_or_else(|| panic!("{}: no manifest for its statement", path.display()));
        let ipc = if manifest.is_lz4() {
            sluice_kernel::codec::lz4_frames(&bytes)
                .unwrap_or_else(|e| panic!("{}: LZ4 does not decode: {e}", path.display()))
        } else {
            bytes
        };
        let chunk = Chunk::from_ipc(0, ipc)
            .unwrap_or_else(|e| panic!("{}: download does not decode: {e}", path.display()));
        if let Some(rows) = info.row_count {
            assert_eq!(chunk.row_count() as i64, rows, "{}", path.display());
        }
        downloads += 1;
    }

    eprintln!(
        "recordings: {counts:?}, inline results decoded: {inline_decoded}, downloads decoded: {downloads}, downloads without a recorded link: {}",
        unmatched.len()
    );
    assert!(
        counts.get("session").copied().unwrap_or(0) > 50,
        "{counts:?}"
    );
    assert!(
        counts.get("statement").copied().unwrap_or(0) > 100,
        "{counts:?}"
    );
    assert!(counts.get("chunk").copied().unwrap_or(0) > 0, "{counts:?}");
    assert!(inline_decoded > 0 && downloads > 0);
}

/// A recorded stream mangled by the fuzzer (a schema message without fields) once panicked in
/// arrow-ipc; the kernel must answer with a typed DataLoss error instead.
#[test]
fn a_malformed_arrow_stream_is_data_loss_not_a_panic() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ipc-schema-without-fields.bin"),
    )
    .expect("the fuzz regression input");
    let err = Chunk::from_ipc(3, bytes).unwrap_err();
    assert_eq!(err.code, sluice_kernel::ErrorCode::DataLoss);
    assert!(err.message.contains("chunk 3"), "{}", err.message);
}
