//! A statement's result as an in-order stream of chunks: inline Arrow attachments, inline JSON
//! rows, or pre-signed links downloaded in parallel ahead of the consumer. A byte budget bounds
//! what is downloaded but not yet consumed; row counts are checked against the manifest, so a
//! result is complete or an error, never silently short.

mod chunk;
mod download;
mod json;
mod links;

use std::sync::Arc;
use std::time::Duration;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use base64::Engine;
use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use chunk::{encode_ipc, Chunk};

use crate::codec;
use crate::config::ResultConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::http::ApiClient;
use crate::types::schema_from_columns;
use crate::wire::{ColumnInfo, Manifest, ResultData};
use download::DownloadError;
use links::{ChunkSource, LinkCache};

/// What the manifest promises about one chunk.
#[derive(Debug, Clone, Copy)]
struct Plan {
    index: i64,
    rows: Option<i64>,
    bytes: Option<i64>,
}

struct Loaded {
    chunk: Chunk,
    /// Budget bytes held while the chunk is buffered.
    permit: OwnedSemaphorePermit,
}

pub struct ResultStream {
    statement_id: String,
    schema: SchemaRef,
    rx: mpsc::UnboundedReceiver<Result<Loaded>>,
    task: JoinHandle<()>,
    cancel: CancellationToken,
    current: std::collections::VecDeque<RecordBatch>,
    /// Budget held by the chunk whose batches `next_batch` is still handing out.
    current_permit: Option<OwnedSemaphorePermit>,
    expected_rows: Option<i64>,
    delivered_rows: i64,
    finished: bool,
}

pub(crate) struct StreamContext {
    pub api: Arc<ApiClient>,
    pub downloads: reqwest::Client,
    pub config: ResultConfig,
    pub statement_id: String,
}

impl ResultStream {
    pub(crate) fn start(
        ctx: StreamContext,
        manifest: &Manifest,
        first: Option<ResultData>,
        cancel: CancellationToken,
    ) -> ResultStream {
        let columns = manifest.columns().to_vec();
        let schema = schema_from_columns(&columns);
        let plans = plans(manifest, first.as_ref());
        let (tx, rx) = mpsc::unbounded_channel();
        let loader = Arc::new(Loader {
            links: LinkCache::new(
                ctx.api.clone(),
                ctx.statement_id.clone(),
                ctx.config.link_expiry_threshold,
                first.as_ref(),
            ),
            downloads: ctx.downloads,
            lz4: manifest.is_lz4(),
            format: manifest
                .format
                .clone()
                .unwrap_or_else(|| "ARROW_STREAM".into()),
            columns,
            config: ctx.config.clone(),
            cancel: cancel.clone(),
        });
        let task = tokio::spawn(produce(loader, plans, ctx.config, tx, cancel.clone()));
        ResultStream {
            statement_id: ctx.statement_id,
            schema,
            rx,
            task,
            cancel,
            current: Default::default(),
            current_permit: None,
            expected_rows: manifest.total_row_count,
            delivered_rows: 0,
            finished: false,
        }
    }

    /// The schema the manifest describes (the chunks' own Arrow schema is authoritative).
    pub fn manifest_schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The next chunk in order, or `None` once every promised row was delivered. The chunk leaves
    /// the budget when it is returned: its memory is the caller's from then on.
    pub async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        Ok(self.next_loaded().await?.map(|loaded| loaded.chunk))
    }

    async fn next_loaded(&mut self) -> Result<Option<Loaded>> {
        if self.finished {
            return Ok(None);
        }
        let received = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => {
                self.finished = true;
                return Err(Error::cancelled("the result stream was cancelled").with_statement_id(self.statement_id.clone()));
            }
            r = self.rx.recv() => r,
        };
        match received {
            Some(Ok(loaded)) => {
                self.delivered_rows += loaded.chunk.row_count() as i64;
                Ok(Some(loaded))
            }
            Some(Err(e)) => {
                self.finished = true;
                Err(e.with_statement_id(self.statement_id.clone()))
            }
            None => {
                self.finished = true;
                match self.expected_rows {
                    Some(expected) if expected != self.delivered_rows => {
                        Err(Error::data_loss(format!(
                            "the result promised {expected} rows but {} arrived",
                            self.delivered_rows
                        ))
                        .with_statement_id(self.statement_id.clone()))
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    /// The next record batch in order (Rust callers). The chunk's budget stays held until its
    /// last batch has been handed out.
    pub async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if let Some(batch) = self.current.pop_front() {
                return Ok(Some(batch));
            }
            self.current_permit = None;
            match self.next_loaded().await? {
                Some(loaded) => {
                    self.current.extend(loaded.chunk.batches);
                    self.current_permit = Some(loaded.permit);
                }
                None => return Ok(None),
            }
        }
    }

    /// Stops every download now and frees what was buffered.
    pub fn cancel(&mut self) {
        self.cancel.cancel();
        self.task.abort();
        self.finished = true;
        self.current.clear();
        self.current_permit = None;
        while self.rx.try_recv().is_ok() {}
    }
}

impl Drop for ResultStream {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.task.abort();
    }
}

fn plans(manifest: &Manifest, first: Option<&ResultData>) -> Vec<Plan> {
    if let Some(chunks) = &manifest.chunks {
        let mut plans: Vec<Plan> = chunks
            .iter()
            .map(|c| Plan {
                index: c.chunk_index,
                rows: c.row_count,
                bytes: c.byte_count,
            })
            .collect();
        plans.sort_by_key(|p| p.index);
        return plans;
    }
    match manifest.total_chunk_count {
        Some(n) => (0..n)
            .map(|index| Plan {
                index,
                rows: None,
                bytes: None,
            })
            .collect(),
        None => first
            .filter(|f| {
                f.attachment.is_some() || f.data_array.is_some() || f.external_links.is_some()
            })
            .map(|f| {
                vec![Plan {
                    index: f.chunk_index.unwrap_or(0),
                    rows: None,
                    bytes: None,
                }]
            })
            .unwrap_or_default(),
    }
}

/// Drives downloads ahead of the consumer: at most `max_concurrent_downloads` at once, each
/// holding budget permits for its expected size until the consumer takes the chunk. Permits are
/// taken in chunk order, so a later chunk can never starve the one the consumer waits for.
async fn produce(
    loader: Arc<Loader>,
    plans: Vec<Plan>,
    config: ResultConfig,
    tx: mpsc::UnboundedSender<Result<Loaded>>,
    cancel: CancellationToken,
) {
    let budget = config.memory_budget_bytes.max(1);
    let semaphore = Arc::new(Semaphore::new(budget.min(Semaphore::MAX_PERMITS)));
    let default_cost = budget / config.max_concurrent_downloads.max(1);
    let mut plans = plans.into_iter();
    let mut next = plans.next();
    let mut inflight = FuturesOrdered::new();
    loop {
        if next.is_none() && inflight.is_empty() {
            return;
        }
        let may_start = next.is_some() && inflight.len() < config.max_concurrent_downloads;
        let cost = next
            .and_then(|p| p.bytes)
            .map_or(default_cost, |b| b.max(1) as usize)
            .min(budget) as u32;
        let acquire = semaphore.clone().acquire_many_owned(cost);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            done = inflight.next(), if !inflight.is_empty() => {
                let Some(result): Option<Result<Loaded>> = done else { continue };
                let failed = result.is_err();
                if tx.send(result).is_err() || failed {
                    return;
                }
            }
            permit = acquire, if may_start => {
                let Ok(permit) = permit else { return };
                let plan = next.take().expect("a plan is pending");
                next = plans.next();
                let loader = loader.clone();
                inflight.push_back(async move {
                    loader.load(plan).await.map(|chunk| Loaded { chunk, permit })
                });
            }
        }
    }
}

struct Loader {
    links: LinkCache,
    downloads: reqwest::Client,
    lz4: bool,
    /// The manifest's format: ARROW_STREAM, JSON_ARRAY or CSV.
    format: String,
    columns: Vec<ColumnInfo>,
    config: ResultConfig,
    cancel: CancellationToken,
}

impl Loader {
    async fn load(&self, plan: Plan) -> Result<Chunk> {
        let chunk = self.fetch(plan).await?;
        self.links.forget(plan.index).await;
        if let Some(rows) = plan.rows {
            if chunk.row_count() as i64 != rows {
                return Err(Error::data_loss(format!(
                    "result chunk {} holds {} rows but the manifest promised {rows}",
                    plan.index,
                    chunk.row_count()
                )));
            }
        }
        Ok(chunk)
    }

    async fn fetch(&self, plan: Plan) -> Result<Chunk> {
        let mut refused = None;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let source = self
                .links
                .source(plan.index, refused.as_ref(), &self.cancel)
                .await?;
            let link = match source {
                ChunkSource::Inline(data) => return self.decode_inline(plan, &data).await,
                ChunkSource::Link(link) => link,
            };
            let max_bytes = plan
                .bytes
                .map(|b| b as usize)
                .map_or(usize::MAX, |b| b + b / 64 + 64 * 1024);
            let outcome = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Error::cancelled("the result download was cancelled")),
                r = download::fetch(&self.downloads, &link, max_bytes) => r,
            };
            let error = match outcome {
                Ok(body) => return self.decode_bytes(plan, body).await,
                Err(DownloadError::Fatal(e)) => return Err(e),
                Err(DownloadError::Refused(status)) => {
                    refused = Some(link);
                    Error::new(
                        ErrorCode::DataLoss,
                        format!("the result link for chunk {} was refused (HTTP {status}) and refreshing it did not help", plan.index),
                    )
                    .with_http_status(status)
                }
                Err(DownloadError::Transient(e)) => {
                    // A timeout or reset is not an expiry: retry the same link.
                    tokio::select! {
                        _ = self.cancel.cancelled() => return Err(Error::cancelled("the result download was cancelled")),
                        _ = tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))) => {}
                    }
                    e
                }
            };
            if attempt >= self.config.max_download_attempts {
                return Err(error);
            }
        }
    }

    async fn decode_inline(&self, plan: Plan, data: &ResultData) -> Result<Chunk> {
        if let Some(attachment) = &data.attachment {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(attachment)
                .map_err(|e| {
                    Error::data_loss(format!("the inline result is not valid base64: {e}"))
                })?;
            return self.decode_bytes(plan, bytes).await;
        }
        let rows = data.data_array.as_deref().unwrap_or(&[]);
        let batch = json::rows_to_batch(&self.columns, rows)?;
        Ok(Chunk::from_batches(plan.index, batch.schema(), vec![batch]))
    }

    /// Decompression and decoding run off the async workers so downloads keep flowing.
    async fn decode_bytes(&self, plan: Plan, body: Vec<u8>) -> Result<Chunk> {
        let lz4 = self.lz4;
        let format = self.format.clone();
        let columns = self.columns.clone();
        tokio::task::spawn_blocking(move || -> Result<Chunk> {
            let bytes = if lz4 {
                let hint = plan.bytes.filter(|b| *b > 0).map(|b| b as usize);
                // The compressed body is freed before the decoded one is read.
                codec::lz4_frames_sized(&body, hint)?
            } else {
                body
            };
            match format.as_str() {
                "JSON_ARRAY" => {
                    let rows: Vec<Vec<Option<String>>> =
                        serde_json::from_slice(&bytes).map_err(|e| {
                            Error::data_loss(format!(
                                "result chunk {} is not a JSON array of rows: {e}",
                                plan.index
                            ))
                        })?;
                    let batch = json::rows_to_batch(&columns, &rows)?;
                    Ok(Chunk::from_batches(plan.index, batch.schema(), vec![batch]))
                }
                // Only the first CSV chunk carries the header row.
                "CSV" => {
                    let rows = csv_rows(&bytes, plan.index == 0, plan.index)?;
                    let batch = json::rows_to_batch(&columns, &rows)?;
                    Ok(Chunk::from_batches(plan.index, batch.schema(), vec![batch]))
                }
                _ => {
                    if let Some(expected) = plan.bytes {
                        if expected > 0 && bytes.len() as i64 != expected {
                            return Err(Error::data_loss(format!(
                                "result chunk {} is {} bytes but the manifest promised {expected}",
                                plan.index,
                                bytes.len()
                            )));
                        }
                    }
                    Chunk::from_ipc(plan.index, bytes)
                }
            }
        })
        .await
        .map_err(|e| Error::internal(format!("result decoding stopped: {e}")))?
    }
}

/// RFC 4180 rows as text; the format writes SQL NULL as a bare `null`.
fn csv_rows(bytes: &[u8], header: bool, index: i64) -> Result<Vec<Vec<Option<String>>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(header)
        .flexible(false)
        .from_reader(bytes);
    reader
        .records()
        .map(|record| {
            record
                .map(|r| {
                    r.iter()
                        .map(|v| (v != "null").then(|| v.to_string()))
                        .collect()
                })
                .map_err(|e| {
                    Error::data_loss(format!("result chunk {index} is not valid CSV: {e}"))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::csv_rows;

    #[test]
    fn csv_rows_read_nulls_quotes_and_headers() {
        let body = b"id,text\r\n1,null\r\n2,\"a, \"\"quoted\"\" line\"\r\n";
        let rows = csv_rows(body, true, 0).unwrap();
        assert_eq!(
            rows,
            vec![
                vec![Some("1".to_string()), None],
                vec![
                    Some("2".to_string()),
                    Some("a, \"quoted\" line".to_string())
                ],
            ]
        );
        assert_eq!(csv_rows(b"3,x\r\n", false, 1).unwrap().len(), 1);
        let ragged = csv_rows(b"1,2\r\n3\r\n", false, 2).unwrap_err();
        assert_eq!(ragged.code, crate::ErrorCode::DataLoss);
    }
}
