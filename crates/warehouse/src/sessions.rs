//! SEA sessions: a default namespace and session confs, forgotten after an idle timeout. The
//! routes that open and close them are `http/session_routes.rs`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ids;

pub const DEFAULT_CATALOG: &str = "main";
pub const DEFAULT_SCHEMA: &str = "default";
pub const DEFAULT_TIMEZONE: &str = "Etc/UTC";

/// Session confs the server accepts (keys are case-insensitive), as real warehouses do.
pub const ALLOWED_CONFS: &[&str] = &[
    "ansi_mode",
    "enable_photon",
    "legacy_time_parser_policy",
    "max_file_partition_bytes",
    "read_only_external_metastore",
    "statement_timeout",
    "timezone",
    "use_cached_result",
    "query_tags",
];

/// What a statement needs from its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub id: String,
    pub catalog: String,
    pub schema: String,
    pub timezone: String,
}

impl SessionView {
    /// The namespace of a statement sent without a session.
    pub fn sessionless(catalog: Option<&str>, schema: Option<&str>) -> Self {
        SessionView {
            id: String::new(),
            catalog: normalize_catalog(catalog),
            schema: schema.unwrap_or(DEFAULT_SCHEMA).to_string(),
            timezone: DEFAULT_TIMEZONE.to_string(),
        }
    }
}

struct Session {
    view: SessionView,
    last_used: Instant,
}

pub struct SessionStore {
    idle_timeout: Duration,
    sessions: Mutex<HashMap<String, Session>>,
}

impl SessionStore {
    pub fn new(idle_timeout: Duration) -> Self {
        Self {
            idle_timeout,
            sessions: Mutex::default(),
        }
    }

    pub fn create(&self, catalog: String, schema: String, timezone: String) -> String {
        let id = ids::new_id();
        let view = SessionView {
            id: id.clone(),
            catalog,
            schema,
            timezone,
        };
        self.lock().insert(
            id.clone(),
            Session {
                view,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// The live session with this id, marking it used.
    pub fn touch(&self, id: &str) -> Option<SessionView> {
        let mut sessions = self.lock();
        let idle = self.idle_timeout;
        match sessions.get_mut(id) {
            Some(s) if s.last_used.elapsed() <= idle => {
                s.last_used = Instant::now();
                Some(s.view.clone())
            }
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn set_namespace(&self, id: &str, catalog: Option<String>, schema: Option<String>) {
        if let Some(s) = self.lock().get_mut(id) {
            if let Some(c) = catalog {
                s.view.catalog = c;
            }
            if let Some(sc) = schema {
                s.view.schema = sc;
            }
        }
    }

    pub fn set_timezone(&self, id: &str, tz: String) {
        if let Some(s) = self.lock().get_mut(id) {
            s.view.timezone = tz;
        }
    }

    pub fn remove(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    pub fn expire_all(&self) {
        self.lock().clear();
    }

    /// Drops idle sessions (called periodically so abandoned sessions free their memory).
    pub fn sweep(&self) {
        let idle = self.idle_timeout;
        self.lock().retain(|_, s| s.last_used.elapsed() <= idle);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// JDBC sends the legacy catalog name `SPARK` when the user chose none.
pub fn normalize_catalog(catalog: Option<&str>) -> String {
    match catalog {
        None => DEFAULT_CATALOG.to_string(),
        Some(c) if c.eq_ignore_ascii_case("spark") || c.is_empty() => DEFAULT_CATALOG.to_string(),
        Some(c) => c.to_string(),
    }
}

/// Checks a time zone name the way Arrow will use it for TIMESTAMP columns.
pub fn validate_timezone(tz: &str) -> Result<String, String> {
    tz.parse::<arrow_array::timezone::Tz>()
        .map(|_| tz.to_string())
        .map_err(|_| format!("Invalid time zone '{tz}'."))
}
