//! The native Statement: execute, stream chunks as Arrow IPC Buffers (handed over without a
//! copy) with where their batches lie, cancel without waiting, close.

use std::sync::Arc;
use std::time::Duration;

use arrow_schema::SchemaRef;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use sluice_kernel::export::Export;
use sluice_kernel::wire::{ColumnInfo, ParameterItem, QueryTag};
use sluice_kernel::{encode_ipc, ExecuteOptions, IpcChunk, StreamLayout};

use crate::error::IntoNapi;
use crate::export::{self, ExportArgs, NativeExport};

#[napi(object)]
pub struct Parameter {
    pub name: Option<String>,
    pub ordinal: Option<u32>,
    /// Spark SQL type name; STRING when absent.
    pub type_name: Option<String>,
    /// Text form of the value; absent for NULL.
    pub value: Option<String>,
}

/// A tag of the statement, shown in the query history.
#[napi(object)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[napi(object)]
pub struct ExecuteArgs {
    pub parameters: Option<Vec<Parameter>>,
    pub timeout_ms: Option<u32>,
    pub row_limit: Option<i64>,
    pub query_tags: Option<Vec<Tag>>,
    /// The caller may stop this execute (an abort signal): submit without waiting on the server.
    pub stoppable: Option<bool>,
}

#[napi(object)]
pub struct Column {
    pub name: String,
    pub type_text: Option<String>,
    pub type_name: Option<String>,
    pub position: Option<i64>,
    pub type_precision: Option<i64>,
    pub type_scale: Option<i64>,
    pub type_interval_type: Option<String>,
}

#[napi(object)]
pub struct ResultInfo {
    pub statement_id: String,
    pub columns: Vec<Column>,
    pub total_row_count: Option<i64>,
    pub truncated: bool,
    /// An Arrow IPC stream holding only the schema the manifest describes (for empty results).
    pub schema_ipc: Buffer,
}

/// One result chunk: an Arrow IPC stream, and where its record batches lie when it holds only
/// plain ones, so JavaScript builds them without parsing the messages again.
#[napi(object)]
pub struct NativeChunk {
    pub bytes: Buffer,
    /// The schema message's end, then per batch: rows, body offset, body length, the field node
    /// count and (length, null count) pairs, the buffer count and (offset, length) pairs, the
    /// variadic buffer count and the counts. Every figure is exact in a double.
    pub layout: Option<Float64Array>,
}

impl From<IpcChunk> for NativeChunk {
    fn from(chunk: IpcChunk) -> Self {
        NativeChunk {
            bytes: chunk.bytes.into(),
            layout: chunk.layout.as_ref().map(|l| encode_layout(l).into()),
        }
    }
}

fn encode_layout(layout: &StreamLayout) -> Vec<f64> {
    let mut out = vec![layout.schema_end as f64];
    for batch in &layout.batches {
        out.extend([
            batch.rows as f64,
            batch.body_offset as f64,
            batch.body_length as f64,
            batch.nodes.len() as f64,
        ]);
        out.extend(batch.nodes.iter().flat_map(|&(l, n)| [l as f64, n as f64]));
        out.push(batch.buffers.len() as f64);
        out.extend(
            batch
                .buffers
                .iter()
                .flat_map(|&(o, l)| [o as f64, l as f64]),
        );
        out.push(batch.variadic_buffer_counts.len() as f64);
        out.extend(batch.variadic_buffer_counts.iter().map(|&c| c as f64));
    }
    out
}

/// What `readyChunk()` found: the next chunk, or none at the end of the result.
#[napi(object)]
pub struct ReadyChunk {
    pub chunk: Option<NativeChunk>,
}

#[napi]
pub struct NativeStatement {
    inner: Arc<sluice_kernel::Statement>,
    /// The manifest's schema, kept for an export of an empty result.
    schema: std::sync::Mutex<Option<SchemaRef>>,
}

impl NativeStatement {
    pub fn new(inner: sluice_kernel::Statement) -> Self {
        NativeStatement {
            inner: Arc::new(inner),
            schema: std::sync::Mutex::new(None),
        }
    }
}

fn column(c: ColumnInfo) -> Column {
    Column {
        name: c.name,
        type_text: c.type_text,
        type_name: c.type_name,
        position: c.position,
        type_precision: c.type_precision,
        type_scale: c.type_scale,
        type_interval_type: c.type_interval_type,
    }
}

#[napi]
impl NativeStatement {
    #[napi]
    pub async fn execute(&self, sql: String, args: Option<ExecuteArgs>) -> Result<ResultInfo> {
        let args = args.unwrap_or(ExecuteArgs {
            parameters: None,
            timeout_ms: None,
            row_limit: None,
            query_tags: None,
            stoppable: None,
        });
        let options = ExecuteOptions {
            parameters: args
                .parameters
                .unwrap_or_default()
                .into_iter()
                .map(|p| ParameterItem {
                    name: p.name,
                    ordinal: p.ordinal,
                    type_name: p.type_name,
                    value: p.value,
                })
                .collect(),
            timeout: args
                .timeout_ms
                .map(|ms| Duration::from_millis(u64::from(ms))),
            row_limit: args.row_limit,
            query_tags: args
                .query_tags
                .unwrap_or_default()
                .into_iter()
                .map(|t| QueryTag {
                    key: t.key,
                    value: t.value,
                })
                .collect(),
            stoppable: args.stoppable.unwrap_or(false),
            ..Default::default()
        };
        let info = self.inner.execute(&sql, options).await.napi()?;
        let schema_ipc = encode_ipc(&info.schema, &[]).napi()?;
        *self.schema.lock().expect("schema lock") = Some(info.schema.clone());
        Ok(ResultInfo {
            statement_id: info.statement_id,
            columns: info.columns.into_iter().map(column).collect(),
            total_row_count: info.total_row_count,
            truncated: info.truncated,
            schema_ipc: schema_ipc.into(),
        })
    }

    /// The next result chunk as one Arrow IPC stream, or null at the end. Await each call before
    /// the next: overlapping calls run on several runtime threads and may settle out of order
    /// (the TypeScript cursor takes them in turn). After a failure, every later call fails too.
    #[napi]
    pub async fn next_chunk(&self) -> Result<Option<NativeChunk>> {
        let Some(chunk) = self.inner.next_chunk().await.napi()? else {
            return Ok(None);
        };
        Ok(Some(chunk.into_ipc().napi()?.into()))
    }

    /// `nextChunk()` answered at once when it would not wait: a decoded chunk, the end (no
    /// `chunk`) or the failure; undefined when it would wait (then call `nextChunk()`). Saves a
    /// hop through the runtime for results already read in full, such as small inline ones.
    #[napi]
    pub fn ready_chunk(&self) -> Result<Option<ReadyChunk>> {
        let Some(answer) = self.inner.ready_chunk() else {
            return Ok(None);
        };
        let chunk = match answer.napi()? {
            Some(chunk) => Some(chunk.into_ipc().napi()?.into()),
            None => None,
        };
        Ok(Some(ReadyChunk { chunk }))
    }

    /// The rest of the result as one file, pulled piece by piece (see NativeExport).
    #[napi]
    pub fn export(&self, args: ExportArgs) -> Result<NativeExport> {
        let Some(schema) = self.schema.lock().expect("schema lock").clone() else {
            return Err(sluice_kernel::Error::invalid_argument(
                "the statement has no result: execute it first",
            ))
            .napi();
        };
        Ok(NativeExport::new(Export::new(
            self.inner.clone(),
            schema,
            export::options(args)?,
        )))
    }

    #[napi(getter)]
    pub fn statement_id(&self) -> Option<String> {
        self.inner.statement_id()
    }

    /// Returns at once; the running execute or fetch rejects with a cancellation error.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Idempotent.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        self.inner.close().await.napi()
    }
}
