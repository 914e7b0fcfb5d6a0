//! Arrow IPC stream encoding (schema, batches, EOS: a complete stream per chunk) and the
//! LZ4 frame wrapping clients ask for with `result_compression: LZ4_FRAME`.

use std::io::Write;

use arrow_array::RecordBatch;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;
use lz4_flex::frame::{BlockSize, FrameEncoder, FrameInfo};

pub fn ipc_stream(schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>, String> {
    let mut writer = StreamWriter::try_new(Vec::new(), schema).map_err(|e| e.to_string())?;
    for batch in batches {
        writer.write(batch).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// LZ4 frame with 4 MiB blocks and no checksums, like the frames real warehouses send.
pub fn lz4_frame(data: &[u8]) -> Result<Vec<u8>, String> {
    let info = FrameInfo::new().block_size(BlockSize::Max4MB);
    let mut enc = FrameEncoder::with_frame_info(info, Vec::with_capacity(data.len() / 2 + 64));
    enc.write_all(data).map_err(|e| e.to_string())?;
    enc.finish().map_err(|e| e.to_string())
}
