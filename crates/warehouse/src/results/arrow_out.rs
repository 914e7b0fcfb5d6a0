//! Arrow IPC stream encoding (schema, batches, EOS: a complete stream per chunk) and the
//! LZ4 frame wrapping clients ask for with `result_compression: LZ4_FRAME`.

use std::io::{self, Write};

use arrow_array::RecordBatch;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;
use lz4_flex::frame::{BlockSize, FrameEncoder, FrameInfo};

/// One chunk's IPC stream, LZ4-framed when `lz4`: (uncompressed length, served bytes).
/// `size_hint` (the rows' Arrow size) sizes the output up front. The frame is compressed as the
/// stream is written, so the uncompressed stream is never held whole.
pub fn encode(
    schema: &Schema,
    batches: &[RecordBatch],
    lz4: bool,
    size_hint: usize,
) -> Result<(u64, Vec<u8>), String> {
    if !lz4 {
        let out = write_stream(schema, batches, Vec::with_capacity(size_hint + 1024))?;
        return Ok((out.len() as u64, out));
    }
    // 4 MiB blocks and no checksums, like the frames real warehouses send.
    let info = FrameInfo::new().block_size(BlockSize::Max4MB);
    let frame = FrameEncoder::with_frame_info(info, Vec::with_capacity(size_hint / 2 + 64));
    let counted = write_stream(
        schema,
        batches,
        Counted {
            inner: frame,
            len: 0,
        },
    )?;
    let out = counted.inner.finish().map_err(|e| e.to_string())?;
    Ok((counted.len, out))
}

fn write_stream<W: Write>(schema: &Schema, batches: &[RecordBatch], out: W) -> Result<W, String> {
    let mut writer = StreamWriter::try_new(out, schema).map_err(|e| e.to_string())?;
    for batch in batches {
        writer.write(batch).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// Counts the bytes written through it: the manifest's `byte_count` is the uncompressed size.
struct Counted<W> {
    inner: W,
    len: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::{DataType, Field};

    use super::*;

    fn sample() -> (Schema, Vec<RecordBatch>) {
        let schema = Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("s", DataType::Utf8, true),
        ]);
        // Several 4 MiB blocks' worth, so the frame holds more than one block.
        let batches = (0..12)
            .map(|b| {
                let n: Vec<i64> = (0..100_000).map(|i| b * 100_000 + i).collect();
                let s: Vec<Option<String>> = n
                    .iter()
                    .map(|v| (v % 7 != 0).then(|| format!("row {v}")))
                    .collect();
                RecordBatch::try_new(
                    Arc::new(schema.clone()),
                    vec![
                        Arc::new(Int64Array::from(n)),
                        Arc::new(StringArray::from(s)),
                    ],
                )
                .unwrap()
            })
            .collect();
        (schema, batches)
    }

    #[test]
    fn the_frame_holds_exactly_the_plain_stream_and_counts_its_length() {
        let (schema, batches) = sample();
        let (plain_len, plain) = encode(&schema, &batches, false, 0).unwrap();
        let (len, framed) = encode(&schema, &batches, true, 0).unwrap();
        assert_eq!(len, plain_len);
        assert_eq!(plain.len() as u64, plain_len);
        assert!(plain.len() > 8 << 20, "the sample spans several blocks");
        let mut decoded = Vec::new();
        lz4_flex::frame::FrameDecoder::new(framed.as_slice())
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain);
    }
}
