//! Export: a statement's result as the bytes of one file (CSV, TSV, NDJSON, a JSON array, an
//! Arrow IPC stream or Parquet), pulled piece by piece. Each pull reads batches from the result
//! stream only until a piece is ready, so a slow consumer holds downloads back and the result's
//! memory budget holds end to end.

mod encoder;
mod text;

use std::sync::Arc;

use arrow_schema::SchemaRef;

pub use encoder::Encoder;

use crate::error::{Error, Result};
use crate::statement::Statement;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Tsv,
    Ndjson,
    Json,
    Arrow,
    Parquet,
}

impl std::str::FromStr for ExportFormat {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        Ok(match name {
            "csv" => ExportFormat::Csv,
            "tsv" => ExportFormat::Tsv,
            "ndjson" => ExportFormat::Ndjson,
            "json" => ExportFormat::Json,
            "arrow" => ExportFormat::Arrow,
            "parquet" => ExportFormat::Parquet,
            other => {
                return Err(Error::invalid_argument(format!(
                    "unknown export format {other:?}: use csv, tsv, ndjson, json, arrow or parquet"
                )))
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// CSV and TSV: a header line of column names.
    pub header: bool,
    /// CSV and TSV: the text of NULL.
    pub null_text: String,
    /// NDJSON and JSON: BIGINT and DECIMAL as strings of their digits (numbers otherwise).
    pub exact_numbers_as_strings: bool,
}

impl ExportOptions {
    pub fn new(format: ExportFormat) -> Self {
        ExportOptions {
            format,
            header: true,
            null_text: String::new(),
            exact_numbers_as_strings: true,
        }
    }
}

/// Bytes of the file the caller appends in order.
#[derive(Debug)]
pub struct ExportPiece {
    pub bytes: Vec<u8>,
    /// Rows encoded so far, this piece included.
    pub rows_done: u64,
}

/// A piece is handed out once it holds this many bytes (or at the end).
const PIECE_BYTES: usize = 1024 * 1024;

/// The export of one executed statement's result.
pub struct Export {
    statement: Arc<Statement>,
    schema: SchemaRef,
    encoder: Encoder,
    rows_done: u64,
    done: bool,
}

impl Export {
    /// `schema` is the manifest's (`ResultInfo::schema`), used when the result has no rows.
    pub fn new(statement: Arc<Statement>, schema: SchemaRef, options: ExportOptions) -> Export {
        Export {
            statement,
            schema,
            encoder: Encoder::new(options),
            rows_done: 0,
            done: false,
        }
    }

    /// The next piece of the file, or `None` after the last. A failure (including a cancel of
    /// the statement) ends the export: the bytes so far are not a whole file.
    pub async fn next(&mut self) -> Result<Option<ExportPiece>> {
        if self.done {
            return Ok(None);
        }
        while self.encoder.pending() < PIECE_BYTES {
            match self.statement.next_batch().await {
                Ok(Some(batch)) => {
                    self.encoder
                        .write(&batch)
                        .inspect_err(|_| self.done = true)?;
                    self.rows_done += batch.num_rows() as u64;
                }
                Ok(None) => {
                    self.done = true;
                    self.encoder.finish(&self.schema)?;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
        Ok(Some(ExportPiece {
            bytes: self.encoder.take(),
            rows_done: self.rows_done,
        }))
    }
}
