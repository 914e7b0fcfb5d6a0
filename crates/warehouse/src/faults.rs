//! Injected faults: "the next N requests on route R answer like this".

use std::sync::Mutex;

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// Route names, as used by faults and counters.
pub const ROUTES: &[&str] = &[
    "sessions.create",
    "sessions.delete",
    "statements.execute",
    "statements.get",
    "statements.cancel",
    "statements.close",
    "chunks",
    "download",
    "oauth.token",
    "oauth.discovery",
    "config",
    "admin",
    "other",
    // Not HTTP routes: the points just before and just after a statement commits its change
    // to a table (see `commit_gate`); only `delay` faults apply there.
    "commit.before",
    "commit.after",
];

/// Names the route of a request (after trailing-slash normalisation).
pub fn classify(method: &Method, path: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        (&Method::POST, ["api", "2.0", "sql", "sessions"]) => "sessions.create",
        (&Method::DELETE, ["api", "2.0", "sql", "sessions", _]) => "sessions.delete",
        (&Method::POST, ["api", "2.0", "sql", "statements"]) => "statements.execute",
        (&Method::GET, ["api", "2.0", "sql", "statements", _]) => "statements.get",
        (&Method::POST, ["api", "2.0", "sql", "statements", _, "cancel"]) => "statements.cancel",
        (&Method::DELETE, ["api", "2.0", "sql", "statements", _]) => "statements.close",
        (&Method::GET, ["api", "2.0", "sql", "statements", _, "result", "chunks", _]) => "chunks",
        (_, ["blob", ..]) => "download",
        (_, ["oidc", "v1", "token"]) => "oauth.token",
        (_, ["oidc", ".well-known", _]) => "oauth.discovery",
        (_, [".well-known", "databricks-config"]) => "config",
        (_, ["admin", ..]) => "admin",
        _ => "other",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with `status` (429, 503, 500, ...), optionally with `Retry-After`.
    Status,
    /// Wait `delay_ms`, then serve normally.
    Delay,
    /// Serve normally but cut the body after `cut_after_bytes` and abort the connection.
    Cut,
    /// Close the connection without answering.
    Drop,
}

/// One fault rule. JSON shape of `POST /admin/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// One of [`ROUTES`].
    pub route: String,
    pub kind: FaultKind,
    /// For `status`: the HTTP status (default 503).
    #[serde(default)]
    pub status: Option<u16>,
    /// For `status`: the `Retry-After` value in seconds (header absent when `None`).
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// For `delay`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// For `cut`.
    #[serde(default)]
    pub cut_after_bytes: Option<u64>,
    /// How many matching requests it applies to (default 1).
    #[serde(default = "one")]
    pub count: u64,
    /// For `status`: the platform error body's `error_code`, replacing the default for the status
    /// (e.g. `PERMISSION_DENIED` on a 403 that is not about the credential).
    #[serde(default)]
    pub error_code: Option<String>,
    /// For `status`: the body's `message`, with `error_code`.
    #[serde(default)]
    pub message: Option<String>,
}

fn one() -> u64 {
    1
}

impl Fault {
    /// `count` requests on `route` answer `status` (with `Retry-After` when given).
    pub fn status(route: &str, status: u16, retry_after: Option<u64>, count: u64) -> Self {
        Fault {
            route: route.to_string(),
            kind: FaultKind::Status,
            status: Some(status),
            retry_after,
            delay_ms: None,
            cut_after_bytes: None,
            count,
            error_code: None,
            message: None,
        }
    }

    /// The same fault answering with this platform error body.
    pub fn with_body(self, error_code: &str, message: &str) -> Self {
        Fault {
            error_code: Some(error_code.to_string()),
            message: Some(message.to_string()),
            ..self
        }
    }

    /// `count` requests on `route` are delayed by `delay_ms`.
    pub fn delay(route: &str, delay_ms: u64, count: u64) -> Self {
        Fault {
            kind: FaultKind::Delay,
            status: None,
            delay_ms: Some(delay_ms),
            ..Fault::status(route, 0, None, count)
        }
    }

    /// `count` responses on `route` are cut after `bytes` body bytes.
    pub fn cut(route: &str, bytes: u64, count: u64) -> Self {
        Fault {
            kind: FaultKind::Cut,
            status: None,
            cut_after_bytes: Some(bytes),
            ..Fault::status(route, 0, None, count)
        }
    }

    /// `count` requests on `route` get their connection closed without an answer.
    pub fn drop_connection(route: &str, count: u64) -> Self {
        Fault {
            kind: FaultKind::Drop,
            status: None,
            ..Fault::status(route, 0, None, count)
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if !ROUTES.contains(&self.route.as_str()) || self.route == "admin" {
            return Err(format!(
                "unknown fault route '{}'; expected one of {}",
                self.route,
                ROUTES
                    .iter()
                    .filter(|r| **r != "admin")
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(s) = self.status {
            if self.kind == FaultKind::Status && !(100..=599).contains(&s) {
                return Err(format!("invalid fault status {s}"));
            }
        }
        if self.kind == FaultKind::Cut && self.cut_after_bytes.is_none() {
            return Err("a cut fault needs cut_after_bytes".to_string());
        }
        if self.route.starts_with("commit.") && self.kind != FaultKind::Delay {
            return Err(format!("only delay faults apply to '{}'", self.route));
        }
        if self.kind == FaultKind::Delay && self.delay_ms.is_none() {
            return Err("a delay fault needs delay_ms".to_string());
        }
        Ok(())
    }
}

/// Pending fault rules, consumed first-in first-out per route.
#[derive(Default)]
pub struct FaultBook {
    rules: Mutex<Vec<Fault>>,
}

impl FaultBook {
    pub fn add(&self, fault: Fault) {
        if fault.count > 0 {
            self.lock().push(fault);
        }
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Takes one use of the first rule for `route`, if any.
    pub fn take(&self, route: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let idx = rules.iter().position(|f| f.route == route)?;
        let rule = &mut rules[idx];
        rule.count -= 1;
        let fault = rule.clone();
        if rule.count == 0 {
            rules.remove(idx);
        }
        Some(fault)
    }

    pub fn pending(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }
}
