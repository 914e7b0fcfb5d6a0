//! One file's bytes from a sequence of record batches, in any export format, taken out piece by
//! piece as they are encoded: the writers write into a shared buffer the caller drains.

use std::io::Write;
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_ipc::writer::StreamWriter;
use arrow_json::writer::{JsonArray, LineDelimited};
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::text::{prepare, TextRules};
use super::{ExportFormat, ExportOptions};
use crate::error::{Error, Result};

/// A parquet row group is flushed once its encoded size passes this, so the writer's memory
/// stays bounded whatever the row count (readers still get large groups).
const ROW_GROUP_BYTES: usize = 64 * 1024 * 1024;

/// The buffer the writers write into; `Encoder::take` drains it.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("export sink lock")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Writer {
    Csv(Box<arrow_csv::Writer<Sink>>),
    Ndjson(arrow_json::Writer<Sink, LineDelimited>),
    Json(arrow_json::Writer<Sink, JsonArray>),
    Arrow(Box<StreamWriter<Sink>>),
    Parquet(Box<ArrowWriter<Sink>>),
}

pub struct Encoder {
    options: ExportOptions,
    sink: Sink,
    /// Made from the first batch's schema (the chunks' own is authoritative), or the manifest's
    /// when no batch comes.
    writer: Option<Writer>,
    finished: bool,
}

fn encode_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("could not encode the export: {e}"))
}

impl Encoder {
    pub fn new(options: ExportOptions) -> Encoder {
        Encoder {
            options,
            sink: Sink::default(),
            writer: None,
            finished: false,
        }
    }

    fn rules(&self) -> TextRules {
        TextRules {
            nested_as_json: matches!(self.options.format, ExportFormat::Csv | ExportFormat::Tsv),
            exact_as_strings: self.options.exact_numbers_as_strings,
        }
    }

    fn open(&self, schema: &SchemaRef) -> std::result::Result<Writer, ArrowError> {
        let sink = self.sink.clone();
        Ok(match self.options.format {
            ExportFormat::Csv | ExportFormat::Tsv => {
                let delimiter = if self.options.format == ExportFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                Writer::Csv(Box::new(
                    arrow_csv::WriterBuilder::new()
                        .with_header(self.options.header)
                        .with_delimiter(delimiter)
                        .with_null(self.options.null_text.clone())
                        .build(sink),
                ))
            }
            ExportFormat::Ndjson => Writer::Ndjson(
                arrow_json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build(sink),
            ),
            ExportFormat::Json => Writer::Json(
                arrow_json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build(sink),
            ),
            ExportFormat::Arrow => Writer::Arrow(Box::new(StreamWriter::try_new(sink, schema)?)),
            ExportFormat::Parquet => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .build();
                Writer::Parquet(Box::new(
                    ArrowWriter::try_new(sink, schema.clone(), Some(props))
                        .map_err(|e| ArrowError::ExternalError(Box::new(e)))?,
                ))
            }
        })
    }

    /// Encodes `batch`; its bytes are ready to `take` (for Parquet, once its row group is full).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let text = matches!(
            self.options.format,
            ExportFormat::Csv | ExportFormat::Tsv | ExportFormat::Ndjson | ExportFormat::Json
        );
        let batch = if text {
            prepare(batch, self.rules()).map_err(encode_error)?
        } else {
            batch.clone()
        };
        if self.writer.is_none() {
            self.writer = Some(self.open(&batch.schema()).map_err(encode_error)?);
        }
        match self.writer.as_mut().expect("writer opened above") {
            Writer::Csv(w) => w.write(&batch).map_err(encode_error),
            Writer::Ndjson(w) => w.write(&batch).map_err(encode_error),
            Writer::Json(w) => w.write(&batch).map_err(encode_error),
            Writer::Arrow(w) => w.write(&batch).map_err(encode_error),
            Writer::Parquet(w) => {
                w.write(&batch).map_err(encode_error)?;
                if w.in_progress_size() >= ROW_GROUP_BYTES {
                    w.flush().map_err(encode_error)?;
                }
                Ok(())
            }
        }
    }

    /// Ends the file: the header of an empty result, the closing bracket, the IPC end marker or
    /// the Parquet footer. `schema` serves when no batch came. Idempotent.
    pub fn finish(&mut self, schema: &SchemaRef) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        if self.writer.is_none() {
            match self.options.format {
                // An empty batch writes the CSV header and opens the JSON writers.
                ExportFormat::Csv
                | ExportFormat::Tsv
                | ExportFormat::Ndjson
                | ExportFormat::Json => self.write(&RecordBatch::new_empty(schema.clone()))?,
                // The schema alone, with no empty batch in the file.
                ExportFormat::Arrow | ExportFormat::Parquet => {
                    self.writer = Some(self.open(schema).map_err(encode_error)?)
                }
            }
        }
        self.finished = true;
        match self.writer.take().expect("writer opened above") {
            Writer::Csv(_) | Writer::Ndjson(_) => Ok(()),
            Writer::Json(mut w) => w.finish().map_err(encode_error),
            Writer::Arrow(mut w) => w.finish().map_err(encode_error),
            Writer::Parquet(w) => w.close().map(drop).map_err(encode_error),
        }
    }

    /// Bytes encoded since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut *self.sink.0.lock().expect("export sink lock"))
    }

    /// Bytes encoded and not yet taken.
    pub fn pending(&self) -> usize {
        self.sink.0.lock().expect("export sink lock").len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, StringArray};
    use arrow_ipc::reader::StreamReader;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    fn batch(from: i64, n: i64) -> RecordBatch {
        let ids: Vec<i64> = (from..from + n).collect();
        let names: Vec<Option<String>> = ids
            .iter()
            .map(|i| (i % 3 != 0).then(|| format!("n,{i}")))
            .collect();
        RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(ids)) as ArrayRef),
            ("name", Arc::new(StringArray::from(names)) as ArrayRef),
        ])
        .unwrap()
    }

    /// The whole file from three batches of 4 rows, taken in pieces as a consumer would.
    fn file(format: ExportFormat) -> Vec<u8> {
        let mut encoder = Encoder::new(ExportOptions::new(format));
        let mut out = Vec::new();
        for start in [0, 4, 8] {
            encoder.write(&batch(start, 4)).unwrap();
            out.extend(encoder.take());
        }
        encoder.finish(&batch(0, 0).schema()).unwrap();
        out.extend(encoder.take());
        out
    }

    #[test]
    fn csv_has_one_header_and_every_row_in_order() {
        let text = String::from_utf8(file(ExportFormat::Csv)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 13);
        assert_eq!(lines[0], "id,name");
        assert_eq!(lines[1], "0,");
        assert_eq!(lines[2], "1,\"n,1\"");
        assert_eq!(lines[12], "11,\"n,11\"");
    }

    #[test]
    fn json_array_parses_with_exact_numbers_as_strings() {
        let value: serde_json::Value = serde_json::from_slice(&file(ExportFormat::Json)).unwrap();
        let rows = value.as_array().unwrap();
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[11]["id"], "11");
        assert_eq!(rows[0]["name"], serde_json::Value::Null);
    }

    #[test]
    fn arrow_and_parquet_read_back_whole() {
        let ipc = file(ExportFormat::Arrow);
        let rows: usize = StreamReader::try_new(ipc.as_slice(), None)
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum();
        assert_eq!(rows, 12);
        let parquet = bytes::Bytes::from(file(ExportFormat::Parquet));
        let rows: usize = ParquetRecordBatchReaderBuilder::try_new(parquet)
            .unwrap()
            .build()
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum();
        assert_eq!(rows, 12);
    }

    #[test]
    fn an_empty_result_keeps_its_header_and_brackets() {
        let schema = batch(0, 0).schema();
        let whole = |format| {
            let mut encoder = Encoder::new(ExportOptions::new(format));
            encoder.finish(&schema).unwrap();
            encoder.take()
        };
        assert_eq!(whole(ExportFormat::Csv), b"id,name\n");
        assert_eq!(whole(ExportFormat::Tsv), b"id\tname\n");
        assert_eq!(whole(ExportFormat::Json), b"[]");
        assert_eq!(whole(ExportFormat::Ndjson), b"");
        let ipc = whole(ExportFormat::Arrow);
        let reader = StreamReader::try_new(ipc.as_slice(), None).unwrap();
        assert_eq!(reader.schema(), schema);
        assert_eq!(reader.count(), 0);
    }
}
