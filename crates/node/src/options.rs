//! Connection options as JavaScript passes them (already validated by the TypeScript facade),
//! converted to the kernel's configuration.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi_derive::napi;
use sluice_kernel::{AuthConfig, Config, Error, Secret};

use crate::token_provider::{JsTokenFunction, JsTokenProvider};

#[napi(object)]
pub struct ConnectOptions {
    pub host: String,
    pub http_path: String,
    pub token: Option<String>,
    pub oauth_client_id: Option<String>,
    pub oauth_client_secret: Option<String>,
    pub oauth_scope: Option<String>,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub session_confs: Option<HashMap<String, String>>,
    /// PEM text of the CA certificates to trust (only these are trusted when set).
    pub ca_pem: Option<String>,
    pub connect_timeout_ms: Option<u32>,
    pub request_timeout_ms: Option<u32>,
    pub max_retries: Option<u32>,
    pub min_backoff_ms: Option<u32>,
    pub max_backoff_ms: Option<u32>,
    pub retry_budget_ms: Option<u32>,
    pub poll_initial_ms: Option<u32>,
    pub poll_max_ms: Option<u32>,
    pub wait_timeout_secs: Option<u32>,
    pub lz4: Option<bool>,
    pub max_concurrent_downloads: Option<u32>,
    pub memory_budget_bytes: Option<f64>,
    pub link_expiry_threshold_ms: Option<u32>,
    pub max_download_attempts: Option<u32>,
    pub user_agent: Option<String>,
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
                scope: self.oauth_scope.unwrap_or_else(|| "all-apis".into()),
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
        if let Some(v) = self.connect_timeout_ms {
            c.connect_timeout = ms(v);
        }
        if let Some(v) = self.request_timeout_ms {
            c.request_timeout = ms(v);
        }
        if let Some(v) = self.max_retries {
            c.retry.max_retries = v;
        }
        if let Some(v) = self.min_backoff_ms {
            c.retry.min_backoff = ms(v);
        }
        if let Some(v) = self.max_backoff_ms {
            c.retry.max_backoff = ms(v);
        }
        if let Some(v) = self.retry_budget_ms {
            c.retry.overall_budget = ms(v);
        }
        if let Some(v) = self.poll_initial_ms {
            c.poll.initial = ms(v);
        }
        if let Some(v) = self.poll_max_ms {
            c.poll.max = ms(v);
        }
        if let Some(v) = self.wait_timeout_secs {
            c.poll.wait_timeout_secs = v;
        }
        if let Some(v) = self.lz4 {
            c.results.lz4 = v;
        }
        if let Some(v) = self.max_concurrent_downloads {
            c.results.max_concurrent_downloads = v as usize;
        }
        if let Some(v) = self.memory_budget_bytes {
            if !(v.is_finite() && v >= 1.0) {
                return Err(Error::invalid_argument(
                    "memoryBudgetBytes must be a positive number",
                ));
            }
            c.results.memory_budget_bytes = v as usize;
        }
        if let Some(v) = self.link_expiry_threshold_ms {
            c.results.link_expiry_threshold = ms(v);
        }
        if let Some(v) = self.max_download_attempts {
            c.results.max_download_attempts = v;
        }
        if let Some(v) = self.user_agent {
            c.user_agent = v;
        }
        Ok(c)
    }
}
