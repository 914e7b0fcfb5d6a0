//! Bearer-token sources and the credential cache behind the self-heal contract: one current
//! token with a generation number; a refresh after a rejection runs once however many requests
//! were rejected on that generation (single-flight), and callers that lost the race reuse it.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;

use futures::future::BoxFuture;
use tokio::sync::Mutex;

use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use crate::wire::{PlatformError, TokenResponse};

/// A token handed out by a source, with its lifetime when the source knows it.
#[derive(Debug, Clone)]
pub struct FetchedToken {
    pub token: Secret,
    pub expires_in: Option<Duration>,
}

/// A caller-supplied source of ready-to-use tokens (the equivalent of a connection factory).
pub trait TokenProvider: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<FetchedToken>>;
}

/// OAuth M2M client credentials against `<base>/oidc/v1/token`.
pub(crate) struct ClientCredentials {
    pub http: reqwest::Client,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: String,
}

impl TokenProvider for ClientCredentials {
    fn fetch(&self) -> BoxFuture<'_, Result<FetchedToken>> {
        Box::pin(async move {
            let resp = self
                .http
                .post(&self.token_url)
                .basic_auth(&self.client_id, Some(self.client_secret.expose()))
                .form(&[("grant_type", "client_credentials"), ("scope", &self.scope)])
                .send()
                .await
                .map_err(|e| Error::from_transport("OAuth token request failed", e))?;
            let status = resp.status().as_u16();
            let body = resp
                .bytes()
                .await
                .map_err(|e| Error::from_transport("OAuth token response was cut", e))?;
            let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
                Error::new(
                    ErrorCode::Unauthenticated,
                    format!("OAuth token endpoint answered HTTP {status} with a body that is not a token response"),
                )
                .with_http_status(status)
            })?;
            match parsed.access_token {
                Some(token) if (200..300).contains(&status) && !token.is_empty() => {
                    let expires_in = parsed.expires_in.as_ref().and_then(|v| {
                        v.as_u64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                            .map(Duration::from_secs)
                    });
                    Ok(FetchedToken {
                        token: Secret::new(token),
                        expires_in,
                    })
                }
                _ => {
                    let what = parsed.error.unwrap_or_else(|| "no access_token".into());
                    let detail = parsed.error_description.unwrap_or_default();
                    let code = if status >= 500 || status == 429 {
                        ErrorCode::Unavailable
                    } else {
                        ErrorCode::Unauthenticated
                    };
                    Err(Error::new(
                        code,
                        format!("OAuth token request was refused (HTTP {status}): {what} {detail}")
                            .trim_end()
                            .to_string(),
                    )
                    .with_http_status(status)
                    .with_retryable(code == ErrorCode::Unavailable))
                }
            }
        })
    }
}

/// Where tokens come from; only refreshable sources take part in self-heal.
pub(crate) enum Source {
    Static(Secret),
    Refreshable(Arc<dyn TokenProvider>),
}

/// The token a request was sent with, and the generation it belongs to.
#[derive(Debug, Clone)]
pub struct Credential {
    pub token: Secret,
    pub generation: u64,
}

struct Current {
    token: Secret,
    generation: u64,
    refresh_at: Option<Instant>,
}

pub(crate) struct Auth {
    source: Source,
    current: Mutex<Option<Current>>,
}

impl Auth {
    pub fn new(source: Source) -> Self {
        let current = match &source {
            Source::Static(t) => Some(Current {
                token: t.clone(),
                generation: 0,
                refresh_at: None,
            }),
            Source::Refreshable(_) => None,
        };
        Auth {
            source,
            current: Mutex::new(current),
        }
    }

    pub fn is_refreshable(&self) -> bool {
        matches!(self.source, Source::Refreshable(_))
    }

    /// The token to send now. Fetches one when there is none or when the cached one is about to
    /// expire; the lock makes concurrent callers share that one fetch.
    pub async fn current(&self) -> Result<Credential> {
        let mut guard = self.current.lock().await;
        if let Some(c) = guard.as_ref() {
            let fresh = c.refresh_at.is_none_or(|at| Instant::now() < at);
            if fresh {
                return Ok(Credential {
                    token: c.token.clone(),
                    generation: c.generation,
                });
            }
        }
        let next = guard.as_ref().map_or(1, |c| c.generation + 1);
        self.fetch_into(&mut guard, next).await
    }

    /// Called when the server rejected `rejected`'s token as expired or invalid. Returns the
    /// credential to retry with, or `None` when the source cannot refresh.
    pub async fn refresh_after_rejection(
        &self,
        rejected: &Credential,
    ) -> Result<Option<Credential>> {
        if !self.is_refreshable() {
            return Ok(None);
        }
        let mut guard = self.current.lock().await;
        if let Some(c) = guard.as_ref() {
            if c.generation != rejected.generation {
                // Another request already refreshed while this one waited for the lock.
                return Ok(Some(Credential {
                    token: c.token.clone(),
                    generation: c.generation,
                }));
            }
        }
        let next = rejected.generation + 1;
        self.fetch_into(&mut guard, next).await.map(Some)
    }

    async fn fetch_into(&self, slot: &mut Option<Current>, generation: u64) -> Result<Credential> {
        let provider = match &self.source {
            Source::Static(t) => {
                return Ok(Credential {
                    token: t.clone(),
                    generation: 0,
                })
            }
            Source::Refreshable(p) => p,
        };
        let fetched = provider.fetch().await?;
        if fetched.token.is_empty() {
            return Err(Error::new(
                ErrorCode::Unauthenticated,
                "the token provider returned an empty token",
            ));
        }
        // The lifetime is the shorter of `expires_in` and the JWT `exp` claim: `exp` has
        // whole-second precision, so it can end up to a second before `expires_in` says.
        let lifetime = match (fetched.expires_in, jwt_remaining(&fetched.token)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let refresh_at = lifetime.map(|ttl| {
            // Refresh ahead of expiry: 40 s like the SDKs, but never more than a fifth of a short
            // lifetime, so a token that lives seconds is still fetched once per lifetime.
            let margin = Duration::from_secs(40).min(ttl / 5);
            Instant::now() + ttl.saturating_sub(margin)
        });
        *slot = Some(Current {
            token: fetched.token.clone(),
            generation,
            refresh_at,
        });
        Ok(Credential {
            token: fetched.token,
            generation,
        })
    }
}

/// Time left before the `exp` claim of a JWT-shaped token; `None` for opaque tokens.
fn jwt_remaining(token: &Secret) -> Option<Duration> {
    let mut parts = token.expose().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = UNIX_EPOCH + Duration::from_secs(claims.get("exp")?.as_u64()?);
    Some(
        exp.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Recognises, from status and body together, an answer that means "this credential is expired
/// or invalid": the legacy integer bodies real workspaces send (protocol.md §7.1), or the
/// string code `UNAUTHENTICATED`. A 403 about permissions is not one of them.
pub(crate) fn is_credential_rejection(status: u16, body: &PlatformError) -> bool {
    let message = body.message.as_deref().unwrap_or("").to_ascii_lowercase();
    match status {
        401 => body.code_int() == Some(401) || body.code_str() == Some("UNAUTHENTICATED"),
        403 => {
            (body.code_int() == Some(403) || body.code_str() == Some("UNAUTHENTICATED"))
                && (message.contains("invalid access token") || message.contains("expired"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn body(code: serde_json::Value, message: &str) -> PlatformError {
        PlatformError {
            error_code: Some(code),
            message: Some(message.into()),
        }
    }

    #[test]
    fn recognition_needs_status_and_body() {
        use serde_json::json;
        assert!(is_credential_rejection(
            403,
            &body(json!(403), "Invalid access token.")
        ));
        assert!(is_credential_rejection(
            401,
            &body(
                json!(401),
                "Credential was not sent or was of an unsupported type for this API."
            )
        ));
        assert!(!is_credential_rejection(
            403,
            &body(json!("PERMISSION_DENIED"), "no access")
        ));
        assert!(!is_credential_rejection(403, &PlatformError::default()));
        assert!(!is_credential_rejection(
            400,
            &body(json!(403), "Invalid access token.")
        ));
    }

    struct Counting(AtomicUsize);
    impl TokenProvider for Counting {
        fn fetch(&self) -> BoxFuture<'_, Result<FetchedToken>> {
            Box::pin(async move {
                let n = self.0.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(FetchedToken {
                    token: Secret::new(format!("t{n}")),
                    expires_in: None,
                })
            })
        }
    }

    #[tokio::test]
    async fn concurrent_rejections_refresh_once() {
        let provider = Arc::new(Counting(AtomicUsize::new(0)));
        let auth = Arc::new(Auth::new(Source::Refreshable(provider.clone())));
        let first = auth.current().await.unwrap();
        assert_eq!(provider.0.load(Ordering::SeqCst), 1);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let auth = auth.clone();
            let rejected = first.clone();
            tasks.push(tokio::spawn(async move {
                auth.refresh_after_rejection(&rejected)
                    .await
                    .unwrap()
                    .unwrap()
            }));
        }
        for t in tasks {
            let c = t.await.unwrap();
            assert_eq!(c.generation, first.generation + 1);
            assert_eq!(c.token.expose(), "t1");
        }
        assert_eq!(provider.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn jwt_expiry_is_read_from_the_exp_claim() {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 100;
        let payload = engine.encode(format!("{{\"exp\":{exp}}}"));
        let token = Secret::new(format!("{}.{payload}.sig", engine.encode("{}")));
        let left = jwt_remaining(&token).unwrap();
        assert!(
            left > Duration::from_secs(98) && left <= Duration::from_secs(100),
            "{left:?}"
        );
        assert!(jwt_remaining(&Secret::new("dapi0123456789")).is_none());
        assert!(jwt_remaining(&Secret::new("a.not-base64!.c")).is_none());
    }

    #[tokio::test]
    async fn static_tokens_do_not_refresh() {
        let auth = Auth::new(Source::Static(Secret::new("pat")));
        let c = auth.current().await.unwrap();
        assert!(auth.refresh_after_rejection(&c).await.unwrap().is_none());
    }
}
