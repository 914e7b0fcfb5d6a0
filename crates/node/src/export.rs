//! The native export: pieces of one file encoded by the kernel, pulled by JavaScript only when
//! its destination has drained (see crates/kernel/src/export).

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sluice_kernel::export::{Export, ExportOptions};
use tokio::sync::Mutex;

use crate::error::IntoNapi;

#[napi(object)]
pub struct ExportArgs {
    /// csv, tsv, ndjson, json, arrow or parquet.
    pub format: String,
    pub header: Option<bool>,
    pub null_text: Option<String>,
    /// JSON formats: BIGINT and DECIMAL as strings (default) or numbers.
    pub exact_numbers_as_strings: Option<bool>,
}

#[napi(object)]
pub struct ExportPiece {
    pub bytes: Buffer,
    pub rows_done: i64,
}

pub(crate) fn options(args: ExportArgs) -> Result<ExportOptions> {
    let mut options = ExportOptions::new(args.format.parse().napi()?);
    if let Some(header) = args.header {
        options.header = header;
    }
    if let Some(null_text) = args.null_text {
        options.null_text = null_text;
    }
    if let Some(exact) = args.exact_numbers_as_strings {
        options.exact_numbers_as_strings = exact;
    }
    Ok(options)
}

#[napi]
pub struct NativeExport {
    inner: Arc<Mutex<Export>>,
}

impl NativeExport {
    pub fn new(inner: Export) -> Self {
        NativeExport {
            inner: Arc::new(Mutex::new(inner)),
        }
    }
}

#[napi]
impl NativeExport {
    /// The next piece of the file, or null after the last. Cancel through the statement.
    #[napi]
    pub async fn next(&self) -> Result<Option<ExportPiece>> {
        let piece = self.inner.lock().await.next().await.napi()?;
        Ok(piece.map(|p| ExportPiece {
            bytes: p.bytes.into(),
            rows_done: i64::try_from(p.rows_done).unwrap_or(i64::MAX),
        }))
    }
}
