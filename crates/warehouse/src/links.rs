//! External links: HMAC-signed, expiring URLs to the warehouse's own blob route
//! (`http/blob.rs` serves them), and their expiry on demand.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub struct LinkSigner {
    key: [u8; 32],
    ttl: Duration,
    /// Links minted before the current generation are expired (admin "expire links now").
    generation: AtomicU64,
}

/// A freshly minted link.
pub struct Link {
    pub url: String,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as real warehouses write it.
    pub expiration: String,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl LinkSigner {
    pub fn new(ttl: Duration) -> Self {
        Self {
            key: rand::random(),
            ttl,
            generation: AtomicU64::new(0),
        }
    }

    fn sign(&self, statement: &str, chunk: usize, gen: u64, expires: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{statement}/{chunk}/{gen}/{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn mint(&self, base_url: &str, statement: &str, chunk: usize) -> Link {
        let expires = now_ms() + self.ttl.as_millis() as u64;
        let gen = self.generation.load(Ordering::SeqCst);
        let sig = self.sign(statement, chunk, gen, expires);
        let expiration = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(expires as i64)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default();
        Link {
            url: format!(
                "{base_url}/blob/{statement}/{chunk}?gen={gen}&expires={expires}&sig={sig}"
            ),
            expiration,
        }
    }

    pub fn expire_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn verify(&self, statement: &str, chunk: usize, q: &LinkQuery) -> Result<(), Rejection> {
        let expected = self.sign(statement, chunk, q.gen, q.expires);
        let same = expected.len() == q.sig.len()
            && expected
                .bytes()
                .zip(q.sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(Rejection::Signature);
        }
        if q.gen < self.generation.load(Ordering::SeqCst) || now_ms() > q.expires {
            return Err(Rejection::Expired(q.expires));
        }
        Ok(())
    }
}

/// The signed part of a link's query string.
pub struct LinkQuery {
    gen: u64,
    expires: u64,
    sig: String,
}

impl LinkQuery {
    pub fn parse(q: &HashMap<String, String>) -> Option<Self> {
        Some(LinkQuery {
            gen: q.get("gen")?.parse().ok()?,
            expires: q.get("expires")?.parse().ok()?,
            sig: q.get("sig")?.clone(),
        })
    }
}

/// Why a download is refused; answered as S3 does (see `http/blob.rs`).
pub enum Rejection {
    Signature,
    Expired(u64),
    AuthHeader,
    NoSuchKey,
}
