//! Where each record batch of a chunk's Arrow IPC stream lies: its row count, its body, and its
//! field nodes and buffers, read from the message headers. A reader holding this builds the
//! batches over the bytes without parsing the stream's messages again (JavaScript's apache-arrow
//! spends most of a chunk's time on that parse: real chunks hold one batch per few thousand rows).
//!
//! Read only from a stream the decoder has accepted. Anything beyond plain record batches
//! (dictionaries, compressed bodies, per-message metadata, an older format version) answers
//! `None`, and the reader parses the stream itself.

use arrow_ipc::{root_as_message, MessageHeader, MetadataVersion};

/// One record batch: what apache-arrow reads from the batch's message header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLayout {
    pub rows: i64,
    /// The body's start, from the start of the stream, and its length.
    pub body_offset: usize,
    pub body_length: usize,
    /// Length and null count of every field node, depth first.
    pub nodes: Vec<(i64, i64)>,
    /// Offset (within the body) and length of every buffer, in the header's order.
    pub buffers: Vec<(i64, i64)>,
    pub variadic_buffer_counts: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamLayout {
    /// The bytes up to the end of the schema message (a stream of only the schema, unended).
    pub schema_end: usize,
    pub batches: Vec<BatchLayout>,
}

const CONTINUATION: u32 = 0xFFFF_FFFF;

/// The layout of `bytes`, or `None` when the stream holds anything but a schema and plain
/// record batches.
pub fn stream_layout(bytes: &[u8]) -> Option<StreamLayout> {
    let mut at = 0usize;
    let mut schema_end = None;
    let mut batches = Vec::new();
    while at < bytes.len() {
        let mut length = read_u32(bytes, at)?;
        at += 4;
        if length == CONTINUATION {
            length = read_u32(bytes, at)?;
            at += 4;
        }
        if length == 0 {
            break;
        }
        let metadata_end = at.checked_add(length as usize)?;
        let message = root_as_message(bytes.get(at..metadata_end)?).ok()?;
        let body_length = usize::try_from(message.bodyLength()).ok()?;
        let body_end = metadata_end.checked_add(body_length)?;
        if body_end > bytes.len()
            || message.version() != MetadataVersion::V5
            || message.custom_metadata().is_some()
        {
            return None;
        }
        match message.header_type() {
            MessageHeader::Schema if schema_end.is_none() => schema_end = Some(body_end),
            MessageHeader::RecordBatch if schema_end.is_some() => {
                let header = message.header_as_record_batch()?;
                if header.compression().is_some() {
                    return None;
                }
                batches.push(BatchLayout {
                    rows: header.length(),
                    body_offset: metadata_end,
                    body_length,
                    nodes: header
                        .nodes()
                        .map(|n| n.iter().map(|n| (n.length(), n.null_count())).collect())
                        .unwrap_or_default(),
                    buffers: header
                        .buffers()
                        .map(|b| b.iter().map(|b| (b.offset(), b.length())).collect())
                        .unwrap_or_default(),
                    variadic_buffer_counts: header
                        .variadicBufferCounts()
                        .map(|c| c.iter().collect())
                        .unwrap_or_default(),
                });
            }
            _ => return None,
        }
        at = body_end;
    }
    Some(StreamLayout {
        schema_end: schema_end?,
        batches,
    })
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{Int32Builder, ListBuilder};
    use arrow_array::{ArrayRef, DictionaryArray, Int64Array, RecordBatch, StringArray};
    use arrow_ipc::writer::StreamWriter;
    use arrow_schema::{DataType, Field, Schema};

    use super::stream_layout;
    use crate::results::encode_ipc;

    fn batch(from: i64, n: i64) -> RecordBatch {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter(
            (from..from + n).map(|i| (i % 3 != 0).then_some(i)),
        ));
        let names: ArrayRef = Arc::new(StringArray::from_iter_values(
            (from..from + n).map(|i| format!("n{i}")),
        ));
        let mut lists = ListBuilder::new(Int32Builder::new());
        for i in from..from + n {
            lists.values().append_value(i as i32);
            lists.append(i % 2 == 0);
        }
        let lists: ArrayRef = Arc::new(lists.finish());
        RecordBatch::try_from_iter([("id", ids), ("name", names), ("list", lists)]).unwrap()
    }

    #[test]
    fn every_batch_is_found_with_its_nodes_and_buffers() {
        let batches = [batch(0, 5), batch(5, 7), batch(12, 0)];
        let bytes = encode_ipc(&batches[0].schema(), &batches).unwrap();
        let layout = stream_layout(&bytes).expect("a plain stream has a layout");
        assert!(layout.schema_end > 0 && layout.schema_end < layout.batches[0].body_offset);
        let rows: Vec<i64> = layout.batches.iter().map(|b| b.rows).collect();
        assert_eq!(rows, [5, 7, 0]);
        let first = &layout.batches[0];
        // id, name, list, list's item: one node each, with the nulls counted.
        assert_eq!(first.nodes, [(5, 2), (5, 0), (5, 2), (5, 0)]);
        // validity + values; validity + offsets + values; validity + offsets; validity + values.
        assert_eq!(first.buffers.len(), 9);
        for b in &layout.batches {
            assert!(b.body_offset + b.body_length <= bytes.len());
            for &(offset, length) in &b.buffers {
                assert!(offset >= 0 && (offset + length) as usize <= b.body_length);
            }
        }
        // The id values of the second batch are where its layout says (buffer 1: id's values).
        let second = &layout.batches[1];
        let (offset, length) = second.buffers[1];
        let start = second.body_offset + offset as usize;
        let values: Vec<i64> = bytes[start..start + length as usize]
            .chunks_exact(8)
            .map(|w| i64::from_le_bytes(w.try_into().unwrap()))
            .collect();
        // 5 to 11; 6 and 9 are null, and what their slots hold is the writer's business.
        let valid: Vec<i64> = [0, 2, 3, 5, 6].iter().map(|&i| values[i]).collect();
        assert_eq!(valid, [5, 7, 8, 10, 11]);
    }

    #[test]
    fn a_schema_only_stream_has_no_batches() {
        let bytes = encode_ipc(&batch(0, 1).schema(), &[]).unwrap();
        let layout = stream_layout(&bytes).unwrap();
        assert!(layout.batches.is_empty());
        assert!(layout.schema_end <= bytes.len());
    }

    #[test]
    fn dictionaries_and_broken_streams_have_none() {
        let keys = DictionaryArray::<arrow_array::types::Int32Type>::from_iter(["a", "b", "a"]);
        let schema = Arc::new(Schema::new(vec![Field::new(
            "d",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        )]));
        let dictionary =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(keys) as ArrayRef]).unwrap();
        let mut writer = StreamWriter::try_new(Vec::new(), &schema).unwrap();
        writer.write(&dictionary).unwrap();
        writer.finish().unwrap();
        assert_eq!(stream_layout(&writer.into_inner().unwrap()), None);

        let bytes = encode_ipc(&batch(0, 4).schema(), &[batch(0, 4)]).unwrap();
        for cut in [3, 9, bytes.len() / 2] {
            assert_eq!(stream_layout(&bytes[..cut]), None, "cut at {cut}");
        }
        assert_eq!(stream_layout(&[]), None);
    }
}
