//! One decoded result chunk: the decompressed Arrow IPC stream and the record batches read from
//! it without copying. The binding hands the bytes to JavaScript as they are; Rust callers use
//! the batches.

use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::SchemaRef;
use tokio::sync::OwnedSemaphorePermit;

use super::layout::{stream_layout, StreamLayout};
use crate::error::{Error, Result};

/// The budget bytes held for one chunk's memory. Every clone gives them back when dropped, so
/// they return to the budget as soon as the first holder lets go: the chunk (its memory freed, or
/// handed over as IPC bytes) or the stream (the consumer asked for the next chunk).
#[derive(Clone)]
pub(crate) struct Reservation(Arc<Mutex<Option<OwnedSemaphorePermit>>>);

impl Reservation {
    pub(crate) fn new(permit: OwnedSemaphorePermit) -> Self {
        Reservation(Arc::new(Mutex::new(Some(permit))))
    }

    /// Gives `bytes` of the reservation back (a compressed body that was freed).
    pub(crate) fn shrink(&self, bytes: usize) {
        if let Ok(mut permit) = self.0.lock() {
            if let Some(permit) = permit.as_mut() {
                let bytes = bytes.min(permit.num_permits());
                drop(permit.split(bytes));
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Ok(mut permit) = self.0.lock() {
            permit.take();
        }
    }
}

pub struct Chunk {
    pub index: i64,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    ipc: Option<Buffer>,
    /// Where the batches lie in `ipc`, found once the decoder accepted it.
    layout: Option<StreamLayout>,
    reservation: Option<Reservation>,
}

/// A chunk handed over as bytes: one Arrow IPC stream and, when it holds only plain record
/// batches, where they lie in it (see `layout`).
pub struct IpcChunk {
    pub bytes: Vec<u8>,
    pub layout: Option<StreamLayout>,
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunk")
            .field("index", &self.index)
            .field("rows", &self.row_count())
            .field("bytes", &self.byte_len())
            .finish()
    }
}

impl Chunk {
    /// Decodes and validates a whole IPC stream (schema, batches, end of stream). Bytes from the
    /// network can be anything: arrow-ipc panics on some malformed flatbuffers (found by fuzzing),
    /// so a panic in the decoder is a DataLoss error too.
    pub fn from_ipc(index: i64, bytes: Vec<u8>) -> Result<Chunk> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Self::decode(index, bytes)))
            .unwrap_or_else(|_| {
                Err(Error::data_loss(format!(
                "result chunk {index} is not a valid Arrow IPC stream (the decoder rejected it)"
            )))
            })
    }

    fn decode(index: i64, bytes: Vec<u8>) -> Result<Chunk> {
        let whole = Buffer::from_vec(bytes);
        let mut rest = whole.clone();
        let mut decoder = StreamDecoder::new();
        let mut batches = Vec::new();
        while !rest.is_empty() {
            let decoded = decoder.decode(&mut rest).map_err(|e| {
                Error::data_loss(format!(
                    "result chunk {index} is not a valid Arrow IPC stream: {e}"
                ))
            })?;
            if let Some(batch) = decoded {
                batches.push(batch);
            }
        }
        decoder.finish().map_err(|e| {
            Error::data_loss(format!(
                "result chunk {index} ends in the middle of an Arrow message: {e}"
            ))
        })?;
        let schema = decoder.schema().ok_or_else(|| {
            Error::data_loss(format!("result chunk {index} holds no Arrow schema"))
        })?;
        let layout = stream_layout(whole.as_slice());
        Ok(Chunk {
            index,
            schema,
            batches,
            ipc: Some(whole),
            layout,
            reservation: None,
        })
    }

    pub fn from_batches(index: i64, schema: SchemaRef, batches: Vec<RecordBatch>) -> Chunk {
        Chunk {
            index,
            schema,
            batches,
            ipc: None,
            layout: None,
            reservation: None,
        }
    }

    pub(crate) fn with_reservation(mut self, reservation: Reservation) -> Chunk {
        self.reservation = Some(reservation);
        self
    }

    /// A handle on the chunk's budget bytes: dropping it gives them back.
    pub(crate) fn reservation(&self) -> Option<Reservation> {
        self.reservation.clone()
    }

    pub fn row_count(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    pub fn byte_len(&self) -> usize {
        self.ipc.as_ref().map_or_else(
            || self.batches.iter().map(|b| b.get_array_memory_size()).sum(),
            |b| b.len(),
        )
    }

    /// The chunk as one Arrow IPC stream with its layout. Without copying when the chunk arrived
    /// as IPC and nothing else holds its memory; encoded otherwise. The bytes leave the result's
    /// memory budget: they are the caller's from then on.
    pub fn into_ipc(self) -> Result<IpcChunk> {
        let Chunk {
            schema,
            batches,
            ipc,
            layout,
            reservation: _reservation,
            ..
        } = self;
        match ipc {
            Some(buffer) => {
                drop(batches);
                let bytes = buffer
                    .into_vec::<u8>()
                    .unwrap_or_else(|shared| shared.as_slice().to_vec());
                Ok(IpcChunk { bytes, layout })
            }
            None => {
                let bytes = encode_ipc(&schema, &batches)?;
                let layout = stream_layout(&bytes);
                Ok(IpcChunk { bytes, layout })
            }
        }
    }
}

/// Encodes batches (possibly none) as one IPC stream with its schema.
pub fn encode_ipc(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let fail =
        |e: arrow_schema::ArrowError| Error::internal(format!("could not encode Arrow IPC: {e}"));
    let mut writer = StreamWriter::try_new(Vec::new(), schema).map_err(fail)?;
    for batch in batches {
        writer.write(batch).map_err(fail)?;
    }
    writer.finish().map_err(fail)?;
    writer.into_inner().map_err(fail)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};

    use super::{encode_ipc, Chunk};
    use crate::ErrorCode;

    fn batch(from: i64, n: i64) -> RecordBatch {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(from..from + n));
        let names: ArrayRef = Arc::new(StringArray::from_iter_values(
            (from..from + n).map(|i| format!("n{i}")),
        ));
        RecordBatch::try_from_iter([("id", ids), ("name", names)]).unwrap()
    }

    #[test]
    fn a_stream_cut_inside_a_message_is_data_loss() {
        let bytes = encode_ipc(&batch(0, 1).schema(), &[batch(0, 3), batch(3, 4)]).unwrap();
        // A cut at a message boundary leaves a shorter stream without its end marker, which
        // reads as fewer rows for the manifest checks to catch; every other cut fails here.
        let mut whole_prefixes = Vec::new();
        for cut in 0..bytes.len() {
            match Chunk::from_ipc(7, bytes[..cut].to_vec()) {
                Ok(chunk) => whole_prefixes.push(chunk.row_count()),
                Err(e) => assert_eq!(e.code, ErrorCode::DataLoss, "cut at {cut}: {e}"),
            }
        }
        // Cut after the first batch, and after the second (before the end marker).
        assert_eq!(whole_prefixes, vec![3, 7]);
    }

    /// The values are checked, not only the framing: apache-arrow in JavaScript reads what the
    /// kernel hands over without checking offsets, and would return wrong text instead.
    /// Checking costs about 4 ms per 200k-row TPC-H lineitem chunk (37 MB) on the 2-core box.
    #[test]
    fn offsets_past_the_data_are_data_loss() {
        let bytes = encode_ipc(&batch(0, 1).schema(), &[batch(0, 3)]).unwrap();
        assert_eq!(Chunk::from_ipc(7, bytes.clone()).unwrap().row_count(), 3);
        // The name column's offsets are 0, 2, 4, 6 as little-endian i32: point the last one
        // far past the column's data.
        let offsets: Vec<u8> = [0i32, 2, 4, 6]
            .iter()
            .flat_map(|o| o.to_le_bytes())
            .collect();
        let at = bytes
            .windows(offsets.len())
            .position(|w| w == offsets.as_slice())
            .expect("the offsets are in the stream");
        let mut corrupt = bytes;
        corrupt[at + 12..at + 16].copy_from_slice(&4096i32.to_le_bytes());
        let err = Chunk::from_ipc(7, corrupt).expect_err("the offsets are checked");
        assert_eq!(err.code, ErrorCode::DataLoss, "{err}");
    }
}
