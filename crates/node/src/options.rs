//! Connection settings as the TypeScript facade passes them: validated and resolved there (the
//! one table of defaults is src/options.ts), so every setting is required here and copied as is.
//! A setting the facade stops sending fails the call (napi checks required fields); one it adds
//! without a field here fails the facade's test of index.d.ts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi_derive::napi;
use sluice_kernel::{AuthConfig, Config, Error, ProxyConfig, Secret};

use crate::token_provider::{JsTokenFunction, JsTokenProvider};

/// The HTTP(S) proxy, resolved by the facade (from the `proxy` option or the environment).
#[napi(object)]
pub struct ProxySettings {
    /// `http://host:port` or `https://host:port`, without credentials.
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Hosts reached directly, as a NO_PROXY list.
    pub no_proxy: Option<String>,
    /// Only https:// traffic goes through it (a proxy from HTTPS_PROXY).
    pub https_only: Option<bool>,
}

#[napi(object)]
pub struct ConnectOptions {
    pub host: String,
    pub http_path: String,
    pub token: Option<String>,
    pub oauth_client_id: Option<String>,
    pub oauth_client_secret: Option<String>,
    pub oauth_scope: String,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub session_confs: Option<HashMap<String, String>>,
    /// PEM text of the CA certificates to trust (only these are trusted when set).
    pub ca_pem: Option<String>,
    pub proxy: Option<ProxySettings>,
    pub connect_timeout_ms: u32,
    pub request_timeout_ms: u32,
    pub max_retries: u32,
    pub min_backoff_ms: u32,
    pub max_backoff_ms: u32,
    pub retry_budget_ms: u32,
    pub poll_initial_ms: u32,
    pub poll_max_ms: u32,
    pub wait_timeout_secs: u32,
    pub lz4: bool,
    pub max_concurrent_downloads: u32,
    pub memory_budget_bytes: f64,
    pub link_expiry_threshold_ms: u32,
    pub max_download_attempts: u32,
    /// The kernel's own (`sluice/<version>`) when absent.
    pub user_agent: Option<String>,
    /// Extra headers of every API request (never of pre-signed downloads).
    pub headers: Option<HashMap<String, String>>,
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

impl ConnectOptions {
    pub fn into_config(self, provider: Option<JsTokenFunction>) -> Result<Config, Error> {
        let auth = match (self.token, self.oauth_client_id, self.oauth_client_secret, provider) {
            (Some(token), None, None, None) => AuthConfig::Token(Secret::new(token)),
            (None, Some(client_id), Some(secret), None) => AuthConfig::OAuthM2M {
                client_id,
                client_secret: Secret::new(secret),
                scope: self.oauth_scope,
            },
            (None, None, None, Some(function)) => {
                AuthConfig::Provider(Arc::new(JsTokenProvider::new(function)))
            }
            _ => {
                return Err(Error::invalid_argument(
                    "give exactly one credential: a token, an OAuth client id and secret, or a token provider",
                ))
            }
        };
        let mut c = Config::new(self.host, self.http_path, auth);
        c.catalog = self.catalog;
        c.schema = self.schema;
        c.session_confs = self.session_confs.unwrap_or_default().into_iter().collect();
        c.ca_pem = self.ca_pem.map(String::into_bytes);
        c.proxy = self.proxy.map(|p| ProxyConfig {
            url: p.url,
            auth: p
                .username
                .map(|user| (user, Secret::new(p.password.unwrap_or_default()))),
            no_proxy: p.no_proxy,
            https_only: p.https_only.unwrap_or(false),
        });
        c.connect_timeout = ms(self.connect_timeout_ms);
        c.request_timeout = ms(self.request_timeout_ms);
        c.retry.max_retries = self.max_retries;
        c.retry.min_backoff = ms(self.min_backoff_ms);
        c.retry.max_backoff = ms(self.max_backoff_ms);
        c.retry.overall_budget = ms(self.retry_budget_ms);
        c.poll.initial = ms(self.poll_initial_ms);
        c.poll.max = ms(self.poll_max_ms);
        c.poll.wait_timeout_secs = self.wait_timeout_secs;
        c.results.lz4 = self.lz4;
        c.results.max_concurrent_downloads = self.max_concurrent_downloads as usize;
        // A whole byte count the facade checked (a positive integer).
        c.results.memory_budget_bytes = self.memory_budget_bytes as usize;
        c.results.link_expiry_threshold = ms(self.link_expiry_threshold_ms);
        c.results.max_download_attempts = self.max_download_attempts;
        if let Some(v) = self.user_agent {
            c.user_agent = v;
        }
        c.headers = self
            .headers
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| (name, Secret::new(value)))
            .collect();
        Ok(c)
    }
}
