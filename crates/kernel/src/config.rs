//! Connection configuration: where the warehouse is, how to authenticate, and the knobs of the
//! HTTP, retry, polling and result layers. Validation happens here, once, with clear messages.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::TokenProvider;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// How the connection obtains bearer tokens.
#[derive(Clone)]
pub enum AuthConfig {
    /// A personal access token: used as is, never refreshed.
    Token(Secret),
    /// OAuth machine-to-machine client credentials against the workspace's `/oidc/v1/token`.
    OAuthM2M {
        client_id: String,
        client_secret: Secret,
        scope: String,
    },
    /// A caller-supplied provider (for example a JavaScript callback).
    Provider(Arc<dyn TokenProvider>),
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthConfig::Token(_) => f.write_str("Token([REDACTED])"),
            AuthConfig::OAuthM2M {
                client_id, scope, ..
            } => f
                .debug_struct("OAuthM2M")
                .field("client_id", client_id)
                .field("client_secret", &"[REDACTED]")
                .field("scope", scope)
                .finish(),
            AuthConfig::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

/// The HTTP(S) proxy every request goes through (API calls and pre-signed downloads alike),
/// except to the hosts `no_proxy` names.
#[derive(Clone)]
pub struct ProxyConfig {
    /// `http://host:port` or `https://host:port`, without credentials.
    pub url: String,
    /// Basic credentials for the proxy.
    pub auth: Option<(String, Secret)>,
    /// Hosts reached directly, as a NO_PROXY list: `*`, IP addresses or subnets, domains.
    pub no_proxy: Option<String>,
    /// Only https:// traffic goes through it (a proxy taken from HTTPS_PROXY).
    pub https_only: bool,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &self.url)
            .field(
                "auth",
                &self.auth.as_ref().map(|(user, _)| (user, "[REDACTED]")),
            )
            .field("no_proxy", &self.no_proxy)
            .field("https_only", &self.https_only)
            .finish()
    }
}

/// Knobs of result delivery.
#[derive(Debug, Clone)]
pub struct ResultConfig {
    /// Ask the server for LZ4-framed Arrow. The manifest still decides how bytes are decoded.
    pub lz4: bool,
    /// Downloads of external links running at once.
    pub max_concurrent_downloads: usize,
    /// Bytes of downloaded, not yet consumed results held at most; downloads pause beyond it.
    pub memory_budget_bytes: usize,
    /// A link this close to its expiration is refreshed before it is used.
    pub link_expiry_threshold: Duration,
    /// Attempts per chunk download (transient failures and refreshed links included).
    pub max_download_attempts: u32,
}

impl Default for ResultConfig {
    fn default() -> Self {
        ResultConfig {
            lz4: true,
            max_concurrent_downloads: 8,
            memory_budget_bytes: 256 * 1024 * 1024,
            link_expiry_threshold: Duration::from_secs(30),
            max_download_attempts: 5,
        }
    }
}

/// Statement polling: a short first interval growing to a cap.
#[derive(Debug, Clone)]
pub struct PollConfig {
    pub initial: Duration,
    pub max: Duration,
    /// The server-side `wait_timeout` of the submission, in whole seconds: 0 or 5..=50.
    pub wait_timeout_secs: u32,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(500),
            wait_timeout_secs: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub http_path: String,
    pub auth: AuthConfig,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub session_confs: BTreeMap<String, String>,
    /// Extra trusted CA certificates (PEM). When set, only these roots are trusted.
    pub ca_pem: Option<Vec<u8>>,
    /// None: every request goes direct (the environment is not read; the caller resolves it).
    pub proxy: Option<ProxyConfig>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub poll: PollConfig,
    pub results: ResultConfig,
    pub user_agent: String,
    /// Extra headers of every API request (never of pre-signed downloads). Values may be
    /// secrets: Debug shows the names only.
    pub headers: Vec<(String, Secret)>,
}

/// Headers the driver sets itself or the HTTP layer owns: a caller's value would break requests.
pub const DRIVER_HEADERS: &[&str] = &[
    "accept",
    "authorization",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "proxy-authorization",
    "transfer-encoding",
    "user-agent",
];

impl Config {
    pub fn new(host: impl Into<String>, http_path: impl Into<String>, auth: AuthConfig) -> Self {
        Config {
            host: host.into(),
            http_path: http_path.into(),
            auth,
            catalog: None,
            schema: None,
            session_confs: BTreeMap::new(),
            ca_pem: None,
            proxy: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            poll: PollConfig::default(),
            results: ResultConfig::default(),
            user_agent: format!("sluice/{}", env!("CARGO_PKG_VERSION")),
            headers: Vec::new(),
        }
    }

    /// Base URL (`scheme://host[:port]`) of the workspace.
    pub fn base_url(&self) -> Result<String> {
        base_url(&self.host)
    }

    pub fn warehouse_id(&self) -> Result<String> {
        warehouse_id(&self.http_path)
    }

    pub fn validate(&self) -> Result<()> {
        self.base_url()?;
        self.warehouse_id()?;
        if let AuthConfig::Token(t) = &self.auth {
            if t.is_empty() {
                return Err(Error::invalid_argument("token must not be empty"));
            }
        }
        let w = self.poll.wait_timeout_secs;
        if w != 0 && !(5..=50).contains(&w) {
            return Err(Error::invalid_argument(format!(
                "wait timeout must be 0 or between 5 and 50 seconds, got {w}"
            )));
        }
        if self.results.max_concurrent_downloads == 0 {
            return Err(Error::invalid_argument(
                "max concurrent downloads must be at least 1",
            ));
        }
        if self.results.max_download_attempts == 0 {
            return Err(Error::invalid_argument(
                "max download attempts must be at least 1",
            ));
        }
        self.extra_headers()?;
        Ok(())
    }

    /// The extra headers as the HTTP layer sends them, values marked sensitive. Errors name the
    /// header, never its value.
    pub(crate) fn extra_headers(&self) -> Result<reqwest::header::HeaderMap> {
        use reqwest::header::{HeaderName, HeaderValue};
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in &self.headers {
            let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::invalid_argument(format!("{name:?} is not a valid HTTP header name"))
            })?;
            if DRIVER_HEADERS.contains(&parsed.as_str()) {
                return Err(Error::invalid_argument(format!(
                    "the header {name:?} is set by the driver and cannot be given"
                )));
            }
            let mut parsed_value = HeaderValue::from_str(value.expose()).map_err(|_| {
                Error::invalid_argument(format!(
                    "the value of the header {name:?} is not valid header text"
                ))
            })?;
            parsed_value.set_sensitive(true);
            map.append(parsed, parsed_value);
        }
        Ok(map)
    }
}

/// Accepts `host`, `host:port`, `https://host[:port][/]` and `http://…` (plain HTTP only when
/// asked for explicitly).
fn base_url(host: &str) -> Result<String> {
    let host = host.trim().trim_end_matches('/');
    if host.is_empty() {
        return Err(Error::invalid_argument("host must not be empty"));
    }
    let with_scheme = if host.starts_with("https://") || host.starts_with("http://") {
        host.to_string()
    } else if host.contains("://") {
        return Err(Error::invalid_argument(
            "host must use https:// (or http:// explicitly)",
        ));
    } else {
        format!("https://{host}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| Error::invalid_argument(format!("host is not a valid address: {e}")))?;
    if url.host_str().is_none() || url.path() != "/" || url.query().is_some() {
        return Err(Error::invalid_argument(
            "host must be a bare host name with an optional port, without a path",
        ));
    }
    Ok(with_scheme)
}

/// The warehouse id is the segment after `/warehouses/` (or `/endpoints/`) of the HTTP path.
fn warehouse_id(http_path: &str) -> Result<String> {
    for marker in ["/warehouses/", "/endpoints/"] {
        if let Some(pos) = http_path.rfind(marker) {
            let id: String = http_path[pos + marker.len()..]
                .chars()
                .take_while(|c| *c != '?' && *c != '&' && *c != '/')
                .collect();
            if !id.is_empty() {
                return Ok(id);
            }
        }
    }
    Err(Error::invalid_argument(format!(
        "httpPath must look like /sql/1.0/warehouses/<id>, got {http_path:?}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        assert_eq!(
            base_url("localhost:8443").unwrap(),
            "https://localhost:8443"
        );
        assert_eq!(
            base_url("https://adb-1.azuredatabricks.net/").unwrap(),
            "https://adb-1.azuredatabricks.net"
        );
        assert_eq!(
            base_url("http://127.0.0.1:1").unwrap(),
            "http://127.0.0.1:1"
        );
        assert!(base_url("").is_err());
        assert!(base_url("ftp://x").is_err());
        assert!(base_url("https://x/some/path").is_err());
    }

    #[test]
    fn warehouse_id_from_path() {
        assert_eq!(
            warehouse_id("/sql/1.0/warehouses/abc123").unwrap(),
            "abc123"
        );
        assert_eq!(warehouse_id("/sql/1.0/endpoints/e1?o=1").unwrap(), "e1");
        assert!(warehouse_id("/sql/protocolv1/o/1/cluster").is_err());
    }

    /// The facade's one table of defaults (`CONNECT_DEFAULTS` in src/options.ts), one
    /// `key: literal,` per line, read as text: numbers without their `_` separators.
    fn facade_defaults() -> BTreeMap<String, String> {
        let source = include_str!("../../../src/options.ts");
        let start = source
            .find("export const CONNECT_DEFAULTS = {")
            .expect("src/options.ts declares CONNECT_DEFAULTS");
        let table = &source[start..];
        let table = &table[table.find('{').unwrap() + 1..table.find('}').unwrap()];
        table
            .lines()
            .filter_map(|line| {
                let (key, value) = line.trim().trim_end_matches(',').split_once(": ")?;
                Some((
                    key.to_string(),
                    value.replace('_', "").trim_matches('\'').to_string(),
                ))
            })
            .collect()
    }

    #[test]
    fn defaults_are_the_facade_table() {
        let c = Config::new(
            "h",
            "/sql/1.0/warehouses/w",
            AuthConfig::Token(Secret::new("t")),
        );
        let ms = |d: Duration| d.as_millis().to_string();
        let kernel: BTreeMap<String, String> = [
            ("connectTimeoutMs", ms(c.connect_timeout)),
            ("requestTimeoutMs", ms(c.request_timeout)),
            ("maxRetries", c.retry.max_retries.to_string()),
            ("minBackoffMs", ms(c.retry.min_backoff)),
            ("maxBackoffMs", ms(c.retry.max_backoff)),
            ("retryBudgetMs", ms(c.retry.overall_budget)),
            ("pollInitialMs", ms(c.poll.initial)),
            ("pollMaxMs", ms(c.poll.max)),
            ("waitTimeoutSecs", c.poll.wait_timeout_secs.to_string()),
            ("lz4", c.results.lz4.to_string()),
            (
                "maxConcurrentDownloads",
                c.results.max_concurrent_downloads.to_string(),
            ),
            (
                "memoryBudgetBytes",
                c.results.memory_budget_bytes.to_string(),
            ),
            ("linkExpiryThresholdMs", ms(c.results.link_expiry_threshold)),
            (
                "maxDownloadAttempts",
                c.results.max_download_attempts.to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut facade = facade_defaults();
        // The kernel takes the OAuth scope from its caller, with the credentials.
        assert_eq!(facade.remove("oauthScope").as_deref(), Some("all-apis"));
        assert_eq!(facade, kernel);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let c = Config::new(
            "h",
            "/sql/1.0/warehouses/w",
            AuthConfig::OAuthM2M {
                client_id: "id".into(),
                client_secret: Secret::new("canary-secret"),
                scope: "all-apis".into(),
            },
        );
        assert!(!format!("{c:?}").contains("canary-secret"));
        let t = Config::new(
            "h",
            "/w/warehouses/x",
            AuthConfig::Token(Secret::new("canary-tok")),
        );
        assert!(!format!("{t:?}").contains("canary-tok"));
        let mut p = t.clone();
        p.headers = vec![("x-canary-name".into(), Secret::new("canary-header-value"))];
        p.proxy = Some(ProxyConfig {
            url: "http://proxy:3128".into(),
            auth: Some(("user".into(), Secret::new("canary-proxy"))),
            no_proxy: None,
            https_only: false,
        });
        let shown = format!("{p:?}");
        assert!(
            shown.contains("proxy:3128") && !shown.contains("canary-proxy"),
            "{shown}"
        );
        assert!(
            shown.contains("x-canary-name") && !shown.contains("canary-header-value"),
            "{shown}"
        );
    }

    #[test]
    fn extra_headers_are_checked_without_quoting_values() {
        let base = Config::new("h", "/w/warehouses/x", AuthConfig::Token(Secret::new("t")));
        let with = |name: &str, value: &str| {
            let mut c = base.clone();
            c.headers = vec![(name.into(), Secret::new(value))];
            c.validate()
        };
        assert!(with("x-databricks-org-id", "123").is_ok());
        for owned in ["Authorization", "host", "Content-Type", "User-Agent"] {
            let e = with(owned, "v").unwrap_err();
            assert!(e.message.contains("set by the driver"), "{}", e.message);
        }
        assert!(with("bad name", "v")
            .unwrap_err()
            .message
            .contains("not a valid"));
        let e = with("x-a", "canary\nsecret").unwrap_err();
        assert!(
            e.message.contains("x-a") && !e.message.contains("canary"),
            "{}",
            e.message
        );
    }
}
