//! Pre-signed links by chunk index: the ones the statement answer carried, and fresh ones from
//! `GET …/result/chunks/{n}` when a link is missing, close to expiry, or was refused. Refresh is
//! keyed by chunk index, so no chunk is invented, skipped or duplicated.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::http::ApiClient;
use crate::retry::Operation;
use crate::wire::{ExternalLink, ResultData};

/// What a chunk's data is, once known.
#[derive(Clone)]
pub(crate) enum ChunkSource {
    Link(ExternalLink),
    Inline(Arc<ResultData>),
}

pub(crate) struct LinkCache {
    api: Arc<ApiClient>,
    statement_id: String,
    expiry_threshold: Duration,
    known: Mutex<HashMap<i64, ChunkSource>>,
}

impl LinkCache {
    pub fn new(
        api: Arc<ApiClient>,
        statement_id: String,
        expiry_threshold: Duration,
        first: Option<&ResultData>,
    ) -> Self {
        let mut known = HashMap::new();
        if let Some(first) = first {
            remember(&mut known, first);
        }
        LinkCache {
            api,
            statement_id,
            expiry_threshold,
            known: Mutex::new(known),
        }
    }

    /// The source of `chunk`, fetching a fresh link when none is known or the known one is
    /// within the expiry threshold. `refused` names a link the blob store just refused: it is
    /// replaced even if it looks valid. Link fetches are serialised so concurrent downloads
    /// needing the same chunk share one fetch.
    pub async fn source(
        &self,
        chunk: i64,
        refused: Option<&ExternalLink>,
        cancel: &CancellationToken,
    ) -> Result<ChunkSource> {
        let mut known = self.known.lock().await;
        if let Some(source) = known.get(&chunk) {
            let usable = match source {
                ChunkSource::Inline(_) => true,
                ChunkSource::Link(link) => {
                    let same_as_refused = refused
                        .is_some_and(|r| r.external_link.expose() == link.external_link.expose());
                    !same_as_refused && !self.expires_soon(link)
                }
            };
            if usable {
                return Ok(source.clone());
            }
        }
        let path = format!(
            "/api/2.0/sql/statements/{}/result/chunks/{chunk}",
            self.statement_id
        );
        let data: ResultData = self
            .api
            .call::<(), _>(Operation::GetChunk, Method::GET, &path, None, cancel)
            .await
            .map_err(|e| e.with_statement_id(self.statement_id.clone()))?;
        remember(&mut known, &data);
        known.get(&chunk).cloned().ok_or_else(|| {
            Error::data_loss(format!(
                "the server's answer for result chunk {chunk} holds no data or link for it"
            ))
            .with_statement_id(self.statement_id.clone())
        })
    }

    /// The size of the chunk's download when a link to it is known (for LZ4, the compressed
    /// size). Never waits: the lock can be held across a link fetch that only the caller's own
    /// loop drives, so a busy cache answers "unknown".
    pub fn download_size(&self, chunk: i64) -> Option<usize> {
        match self.known.try_lock().ok()?.get(&chunk)? {
            ChunkSource::Link(link) => link.byte_count.and_then(|n| usize::try_from(n).ok()),
            ChunkSource::Inline(_) => None,
        }
    }

    /// Drops what is held for a consumed chunk so links and inline data do not pile up.
    pub async fn forget(&self, chunk: i64) {
        self.known.lock().await.remove(&chunk);
    }

    fn expires_soon(&self, link: &ExternalLink) -> bool {
        let Some(expiration) = link.expiration.as_deref().and_then(parse_expiration) else {
            return false;
        };
        let threshold =
            time::Duration::try_from(self.expiry_threshold).unwrap_or(time::Duration::ZERO);
        OffsetDateTime::now_utc() + threshold >= expiration
    }
}

fn remember(known: &mut HashMap<i64, ChunkSource>, data: &ResultData) {
    if let Some(links) = &data.external_links {
        for link in links {
            known.insert(link.chunk_index, ChunkSource::Link(link.clone()));
        }
    } else if data.attachment.is_some() || data.data_array.is_some() {
        known.insert(
            data.chunk_index.unwrap_or(0),
            ChunkSource::Inline(Arc::new(data.clone())),
        );
    }
}

fn parse_expiration(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_expiration;

    #[test]
    fn parses_the_recorded_expiration_form() {
        let t = parse_expiration("2025-01-27T20:33:57.920Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1738010037);
        assert!(parse_expiration("tomorrow").is_none());
    }
}
