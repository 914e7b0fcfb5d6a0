//! Bytes of one result chunk -> Arrow record batches: optional LZ4 frames (one or several
//! concatenated, decided by the manifest), then one Arrow IPC stream.

use std::io::{Cursor, Read};

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;

use crate::error::{Error, Result};

/// Decodes every LZ4 frame in `input` until it is used up.
pub fn lz4_frames(input: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len().saturating_mul(3));
    let mut decoder = lz4_flex::frame::FrameDecoder::new(input);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| Error::data_loss(format!("result data is not valid LZ4 frame data: {e}")))?;
    Ok(out)
}

/// Decodes one Arrow IPC stream into its record batches.
pub fn ipc_stream(bytes: &[u8]) -> Result<Vec<RecordBatch>> {
    let reader = StreamReader::try_new(Cursor::new(bytes), None)
        .map_err(|e| Error::data_loss(format!("result data is not an Arrow IPC stream: {e}")))?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::data_loss(format!(
                "result data holds a broken Arrow record batch: {e}"
            ))
        })
}

/// A whole chunk: decompress when the manifest says so, then decode.
pub fn chunk(bytes: &[u8], lz4: bool) -> Result<Vec<RecordBatch>> {
    if lz4 {
        ipc_stream(&lz4_frames(bytes)?)
    } else {
        ipc_stream(bytes)
    }
}
