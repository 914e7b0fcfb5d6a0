//! Turns a finished query into what the wire needs: the manifest columns, and the result
//! split into chunks (inline or behind links), encoded once and kept until the statement
//! is closed or expires.

mod arrow_out;
mod json_rows;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use bytes::Bytes;
use serde::Deserialize;

use json_rows::Row;

use crate::sql::sql_errors::SqlError;
use crate::sql::types::{self, ColumnInfo};

/// INLINE results larger than this fail, as on real warehouses (25 MiB).
const INLINE_MAX_BYTES: usize = 25 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Format {
    #[serde(rename = "JSON_ARRAY")]
    JsonArray,
    #[serde(rename = "ARROW_STREAM")]
    ArrowStream,
    #[serde(rename = "CSV")]
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonArray => "JSON_ARRAY",
            Format::ArrowStream => "ARROW_STREAM",
            Format::Csv => "CSV",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Disposition {
    #[serde(rename = "INLINE")]
    Inline,
    #[serde(rename = "EXTERNAL_LINKS")]
    ExternalLinks,
    #[serde(rename = "INLINE_OR_EXTERNAL_LINKS")]
    Hybrid,
}

/// How the client asked for the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultRequest {
    pub format: Format,
    pub disposition: Disposition,
    pub lz4: bool,
    pub row_limit: Option<u64>,
    pub byte_limit: Option<u64>,
}

impl ResultRequest {
    /// LZ4 applies to Arrow data only; the manifest declares it whenever it applies.
    pub fn compressed(&self) -> bool {
        self.lz4 && self.format == Format::ArrowStream
    }
}

/// Chunking knobs from the config.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub chunk_rows: usize,
    pub chunk_bytes: usize,
    pub inline_limit: usize,
}

#[derive(Debug)]
pub enum Payload {
    /// Arrow IPC (maybe LZ4-framed), JSON or CSV bytes, served as attachment or download.
    Bytes(Bytes),
    /// Inline JSON_ARRAY rows.
    Rows(Vec<Row>),
}

#[derive(Debug)]
pub struct Chunk {
    pub index: usize,
    pub row_offset: u64,
    pub row_count: u64,
    /// The manifest's `byte_count`: uncompressed size; `None` for inline JSON.
    pub byte_count: Option<u64>,
    pub payload: Payload,
}

impl Chunk {
    /// Bytes a download or attachment carries (after compression).
    pub fn served_len(&self) -> u64 {
        match &self.payload {
            Payload::Bytes(b) => b.len() as u64,
            Payload::Rows(_) => 0,
        }
    }
}

#[derive(Debug)]
pub struct ResultSet {
    pub request: ResultRequest,
    pub columns: Vec<ColumnInfo>,
    pub total_rows: u64,
    pub truncated: bool,
    /// One chunk carried in the statement response itself.
    pub inline: bool,
    pub chunks: Vec<Chunk>,
}

impl ResultSet {
    pub fn total_bytes(&self) -> Option<u64> {
        self.chunks.iter().map(|c| c.byte_count).sum()
    }
}

/// Encodes canonical batches (see `types::normalize`) for `request`. `stopped` is asked
/// before every chunk, so a cancel or close ends a long encoding within one chunk's work.
pub fn build(
    schema: &Schema,
    batches: Vec<RecordBatch>,
    request: ResultRequest,
    limits: Limits,
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<ResultSet, SqlError> {
    let columns = types::columns(schema);
    let available: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let mut batches: Vec<RecordBatch> = batches.into_iter().filter(|b| b.num_rows() > 0).collect();
    let mut truncated = false;
    if let Some(limit) = request.row_limit.filter(|l| *l < available) {
        batches = take_rows(&batches, limit as usize);
        truncated = true;
    }
    if let Some(limit) = request.byte_limit {
        let (kept, cut) = take_bytes(&batches, limit as usize);
        batches = kept;
        truncated |= cut;
    }
    let total_rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let mut set = ResultSet {
        request,
        columns,
        total_rows,
        truncated,
        inline: false,
        chunks: Vec::new(),
    };
    if total_rows == 0 || schema.fields().is_empty() {
        set.total_rows = 0;
        return Ok(set);
    }
    let inline_wanted = match request.disposition {
        Disposition::Inline => true,
        Disposition::ExternalLinks => false,
        Disposition::Hybrid => {
            request.format != Format::Csv && estimate(&batches) <= limits.inline_limit
        }
    };
    if inline_wanted {
        let chunk = encode_inline(schema, &batches, request)?;
        let size = chunk.byte_count.unwrap_or(0) as usize;
        let too_big = match request.disposition {
            Disposition::Inline => {
                if size > INLINE_MAX_BYTES || rows_too_big(&chunk) {
                    return Err(SqlError::new(
                        "INLINE_RESULT_TOO_LARGE",
                        "54000",
                        "The result exceeds the 25 MiB limit of the INLINE disposition; use EXTERNAL_LINKS.",
                    ));
                }
                false
            }
            _ => size > limits.inline_limit,
        };
        if !too_big {
            set.inline = true;
            set.chunks.push(chunk);
            return Ok(set);
        }
    }
    let mut row_offset = 0u64;
    for (index, encoded) in encode_chunks(schema, plan_chunks(batches, limits), request, stopped)?
        .into_iter()
        .enumerate()
    {
        set.chunks.push(Chunk {
            index,
            row_offset,
            row_count: encoded.rows,
            byte_count: Some(encoded.byte_count),
            payload: Payload::Bytes(encoded.bytes),
        });
        row_offset += encoded.rows;
    }
    Ok(set)
}

/// One chunk as served, with its row count and the manifest's byte count.
struct Encoded {
    rows: u64,
    byte_count: u64,
    bytes: Bytes,
}

/// Encodes the chunks on one thread per core (clients wait for the whole result before their
/// first download, as on a real warehouse), and returns them in chunk order. `stopped` is asked
/// before every chunk, and a failure stops the others, so a cancel, close or error ends the work
/// within one chunk per thread. Each group is dropped once encoded, so the rows are not held
/// twice until the end.
fn encode_chunks(
    schema: &Schema,
    groups: Vec<Vec<RecordBatch>>,
    request: ResultRequest,
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<Vec<Encoded>, SqlError> {
    let count = groups.len();
    let queue = Mutex::new(groups.into_iter().enumerate());
    let failed = AtomicBool::new(false);
    // Each thread returns the chunks it encoded, with their index.
    let work = || {
        let mut mine = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some((index, group)) = lock(&queue).next() else {
                break;
            };
            let outcome = if stopped() {
                Err(SqlError::new(
                    "OPERATION_CANCELED",
                    "HY008",
                    "The statement was canceled while its result was encoded.",
                ))
            } else {
                let rows: u64 = group.iter().map(|b| b.num_rows() as u64).sum();
                encode_file(schema, &group, request, index == 0).map(|(byte_count, bytes)| {
                    Encoded {
                        rows,
                        byte_count,
                        bytes,
                    }
                })
            };
            failed.fetch_or(outcome.is_err(), Ordering::Relaxed);
            mine.push((index, outcome));
        }
        mine
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    let mut done = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for other in others {
            done.extend(
                other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        done
    });
    // Chunks left after a failure are missing; the first error in chunk order is returned.
    done.sort_unstable_by_key(|(index, _)| *index);
    let encoded = done
        .into_iter()
        .map(|(_, outcome)| outcome)
        .collect::<Result<Vec<_>, SqlError>>()?;
    if encoded.len() != count {
        return Err(internal(format!(
            "{} of {count} chunks were encoded",
            encoded.len()
        )));
    }
    Ok(encoded)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn rows_too_big(chunk: &Chunk) -> bool {
    match &chunk.payload {
        Payload::Rows(rows) => {
            rows.iter()
                .flatten()
                .map(|v| v.as_ref().map_or(4, |s| s.len() + 3))
                .sum::<usize>()
                > INLINE_MAX_BYTES
        }
        Payload::Bytes(_) => false,
    }
}

fn encode_inline(
    schema: &Schema,
    batches: &[RecordBatch],
    request: ResultRequest,
) -> Result<Chunk, SqlError> {
    let row_count: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    if request.format == Format::ArrowStream {
        let (byte_count, bytes) = encode_file(schema, batches, request, true)?;
        return Ok(Chunk {
            index: 0,
            row_offset: 0,
            row_count,
            byte_count: Some(byte_count),
            payload: Payload::Bytes(bytes),
        });
    }
    let rows = json_rows::render(batches).map_err(internal)?;
    Ok(Chunk {
        index: 0,
        row_offset: 0,
        row_count,
        byte_count: None,
        payload: Payload::Rows(rows),
    })
}

/// Returns (manifest byte count, served bytes).
fn encode_file(
    schema: &Schema,
    batches: &[RecordBatch],
    request: ResultRequest,
    first: bool,
) -> Result<(u64, Bytes), SqlError> {
    match request.format {
        Format::ArrowStream => {
            let (len, served) =
                arrow_out::encode(schema, batches, request.compressed(), estimate(batches))
                    .map_err(internal)?;
            Ok((len, Bytes::from(served)))
        }
        Format::JsonArray => {
            let rows = json_rows::render(batches).map_err(internal)?;
            let body = json_rows::json_file(&rows);
            Ok((body.len() as u64, Bytes::from(body)))
        }
        Format::Csv => {
            let rows = json_rows::render(batches).map_err(internal)?;
            let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
            let body = json_rows::csv_file(first.then_some(names.as_slice()), &rows);
            Ok((body.len() as u64, Bytes::from(body)))
        }
    }
}

fn internal(e: String) -> SqlError {
    SqlError::new("INTERNAL_ERROR", "XX000", e)
}

/// Bytes the rows of `batch` occupy (slices counted by their own length).
fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.to_data().get_slice_memory_size().unwrap_or(0))
        .sum()
}

fn estimate(batches: &[RecordBatch]) -> usize {
    batches.iter().map(batch_bytes).sum()
}

fn take_rows(batches: &[RecordBatch], mut n: usize) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for b in batches {
        if n == 0 {
            break;
        }
        let take = n.min(b.num_rows());
        out.push(b.slice(0, take));
        n -= take;
    }
    out
}

/// Keeps the rows that fit in `limit` bytes; true when some were cut.
fn take_bytes(batches: &[RecordBatch], limit: usize) -> (Vec<RecordBatch>, bool) {
    let mut out = Vec::new();
    let mut used = 0usize;
    for b in batches {
        let bpr = per_row(b);
        let fit = (limit.saturating_sub(used) / bpr).min(b.num_rows());
        if fit < b.num_rows() {
            if fit > 0 {
                out.push(b.slice(0, fit));
            }
            return (out, true);
        }
        used += bpr * fit;
        out.push(b.clone());
    }
    (out, false)
}

fn per_row(b: &RecordBatch) -> usize {
    (batch_bytes(b) / b.num_rows().max(1)).max(1)
}

/// Groups rows into chunks of at most `chunk_rows` rows and about `chunk_bytes` bytes.
fn plan_chunks(batches: Vec<RecordBatch>, limits: Limits) -> Vec<Vec<RecordBatch>> {
    let max_rows = limits.chunk_rows.max(1);
    let max_bytes = limits.chunk_bytes.max(1);
    let mut chunks = Vec::new();
    let mut cur: Vec<RecordBatch> = Vec::new();
    let (mut cur_rows, mut cur_bytes) = (0usize, 0usize);
    for b in batches {
        let bpr = per_row(&b);
        let mut offset = 0;
        while offset < b.num_rows() {
            let room_rows = max_rows - cur_rows;
            let room_bytes = max_bytes.saturating_sub(cur_bytes) / bpr;
            let mut take = (b.num_rows() - offset).min(room_rows).min(room_bytes);
            if take == 0 && cur.is_empty() {
                take = 1;
            }
            if take > 0 {
                cur.push(b.slice(offset, take));
                offset += take;
                cur_rows += take;
                cur_bytes += take * bpr;
            }
            if take == 0 || cur_rows >= max_rows || cur_bytes >= max_bytes {
                chunks.push(std::mem::take(&mut cur));
                cur_rows = 0;
                cur_bytes = 0;
            }
        }
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    use arrow_array::Int64Array;
    use arrow_ipc::reader::StreamReader;
    use arrow_schema::{DataType, Field};

    use super::*;

    const ROWS: i64 = 100_000;

    fn numbers() -> (Schema, Vec<RecordBatch>) {
        let schema = Schema::new(vec![Field::new("n", DataType::Int64, false)]);
        let batches = (0..ROWS / 5000)
            .map(|b| {
                let values: Vec<i64> = (b * 5000..(b + 1) * 5000).collect();
                RecordBatch::try_new(
                    Arc::new(schema.clone()),
                    vec![Arc::new(Int64Array::from(values))],
                )
                .unwrap()
            })
            .collect();
        (schema, batches)
    }

    fn links() -> (ResultRequest, Limits) {
        let request = ResultRequest {
            format: Format::ArrowStream,
            disposition: Disposition::ExternalLinks,
            lz4: true,
            row_limit: None,
            byte_limit: None,
        };
        // 3000-row chunks cut across the 5000-row batches: 34 chunks, more than any core count here.
        let limits = Limits {
            chunk_rows: 3000,
            chunk_bytes: usize::MAX,
            inline_limit: 0,
        };
        (request, limits)
    }

    fn values(chunk: &Chunk) -> Vec<i64> {
        let Payload::Bytes(bytes) = &chunk.payload else {
            panic!("an Arrow chunk carries bytes");
        };
        let mut ipc = Vec::new();
        lz4_flex::frame::FrameDecoder::new(bytes.as_ref())
            .read_to_end(&mut ipc)
            .unwrap();
        assert_eq!(Some(ipc.len() as u64), chunk.byte_count);
        StreamReader::try_new(ipc.as_slice(), None)
            .unwrap()
            .flat_map(|batch| {
                let batch = batch.unwrap();
                let column = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .unwrap();
                column.values().to_vec()
            })
            .collect()
    }

    #[test]
    fn chunks_encoded_in_parallel_keep_their_order_and_offsets() {
        let (schema, batches) = numbers();
        let (request, limits) = links();
        let set = build(&schema, batches, request, limits, &|| false).unwrap();
        assert_eq!(set.total_rows, ROWS as u64);
        assert_eq!(set.chunks.len(), 34);
        let mut expected_offset = 0u64;
        let mut all = Vec::new();
        for (index, chunk) in set.chunks.iter().enumerate() {
            assert_eq!(chunk.index, index);
            assert_eq!(chunk.row_offset, expected_offset);
            let chunk_values = values(chunk);
            assert_eq!(chunk_values.len() as u64, chunk.row_count);
            expected_offset += chunk.row_count;
            all.extend(chunk_values);
        }
        assert_eq!(all, (0..ROWS).collect::<Vec<_>>());
    }

    #[test]
    fn a_stop_during_encoding_fails_the_result_as_canceled() {
        let (schema, batches) = numbers();
        let (request, limits) = links();
        let asked = AtomicUsize::new(0);
        let stopped = || asked.fetch_add(1, Ordering::Relaxed) >= 5;
        let err = build(&schema, batches, request, limits, &stopped).unwrap_err();
        assert_eq!(err.class, "OPERATION_CANCELED");
        // Each thread asks at most once more after the first stop, then the others see it.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(asked.load(Ordering::Relaxed) <= 6 + threads);
    }
}
