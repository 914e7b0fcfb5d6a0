//! The tokens the warehouse accepts: personal access tokens from the config, OAuth tokens minted
//! at `/oidc/v1/token`, and revocations made through the admin handle. The HTTP middleware that
//! checks them is `http/auth.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Default)]
struct Tokens {
    /// OAuth tokens and their expiry (unix seconds).
    minted: HashMap<String, u64>,
    revoked: HashSet<String>,
}

pub struct TokenStore {
    personal: Vec<String>,
    key: Vec<u8>,
    issuer: String,
    inner: Mutex<Tokens>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenCheck {
    Valid,
    Unknown,
    ExpiredOrRevoked,
}

impl TokenStore {
    pub fn new(personal: Vec<String>, issuer: String) -> Self {
        Self {
            personal,
            key: rand::random::<[u8; 32]>().to_vec(),
            issuer,
            inner: Mutex::default(),
        }
    }

    pub fn personal(&self) -> &[String] {
        &self.personal
    }

    pub fn check(&self, token: &str) -> TokenCheck {
        let inner = self.lock();
        if inner.revoked.contains(token) {
            return TokenCheck::ExpiredOrRevoked;
        }
        if self.personal.iter().any(|t| t == token) {
            return TokenCheck::Valid;
        }
        match inner.minted.get(token) {
            Some(exp) if *exp > unix_now() => TokenCheck::Valid,
            Some(_) => TokenCheck::ExpiredOrRevoked,
            None => TokenCheck::Unknown,
        }
    }

    /// Whether `token` is one of the configured personal tokens, revoked or not. Admin
    /// routes accept these so a test can still reach them after revoking its token.
    pub fn is_personal(&self, token: &str) -> bool {
        self.personal.iter().any(|t| t == token)
    }

    /// Mints a JWT-shaped token (clients read its `exp` claim) valid for `ttl`.
    pub fn mint(&self, subject: &str, scope: &str, ttl: Duration) -> String {
        let now = unix_now();
        let exp = now + ttl.as_secs();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = b64.encode(
            serde_json::json!({
                "iss": self.issuer,
                "sub": subject,
                "aud": subject,
                "iat": now,
                "nbf": now,
                "exp": exp,
                "scope": scope,
                "jti": uuid::Uuid::new_v4().to_string(),
            })
            .to_string(),
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{header}.{payload}").as_bytes());
        let sig = b64.encode(mac.finalize().into_bytes());
        let token = format!("{header}.{payload}.{sig}");
        self.lock().minted.insert(token.clone(), exp);
        token
    }

    pub fn revoke(&self, token: &str) {
        self.lock().revoked.insert(token.to_string());
    }

    pub fn revoke_all_oauth(&self) {
        let mut inner = self.lock();
        let minted: Vec<String> = inner.minted.keys().cloned().collect();
        inner.revoked.extend(minted);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
