//! LZ4 frame decoding of result bytes (one or several concatenated frames). Whether bytes are
//! compressed is decided by the manifest, never by what was requested.

use std::io::Read;

use crate::error::{Error, Result};

/// Decodes every LZ4 frame in `input` until it is used up. Servers send several concatenated
/// frames; a decoder reads one frame, so the loop starts a new one where the last stopped.
pub fn lz4_frames(input: &[u8]) -> Result<Vec<u8>> {
    lz4_frames_sized(input, None)
}

/// As `lz4_frames`, with the decompressed size when the manifest states it: the output is
/// allocated once at that size instead of growing by doubling (which can hold twice the data).
/// The hint is capped at LZ4's largest ratio, so a wrong manifest cannot force a huge allocation.
pub fn lz4_frames_sized(input: &[u8], size_hint: Option<usize>) -> Result<Vec<u8>> {
    let capacity = size_hint
        .unwrap_or(input.len().saturating_mul(3))
        .min(input.len().saturating_mul(255));
    let mut out = Vec::with_capacity(capacity);
    let mut rest = input;
    while !rest.is_empty() {
        if !starts_a_frame(rest) {
            return Err(Error::data_loss(
                "result data holds bytes that are not an LZ4 frame",
            ));
        }
        let before = rest.len();
        lz4_flex::frame::FrameDecoder::new(&mut rest)
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::data_loss(format!("result data is not valid LZ4 frame data: {e}"))
            })?;
        if rest.len() == before {
            return Err(Error::data_loss(
                "result data holds bytes that are not an LZ4 frame",
            ));
        }
    }
    Ok(out)
}

/// An LZ4 frame (magic 0x184D2204) or a skippable frame (0x184D2A50..=0x184D2A5F), little endian.
fn starts_a_frame(bytes: &[u8]) -> bool {
    match bytes {
        [0x04, 0x22, 0x4D, 0x18, ..] => true,
        [b, 0x2A, 0x4D, 0x18, ..] => b & 0xF0 == 0x50,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn frame(data: &[u8]) -> Vec<u8> {
        let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn concatenated_frames_decode_in_order() {
        let mut bytes = frame(b"first ");
        bytes.extend(frame(b"second "));
        bytes.extend(frame(b"third"));
        assert_eq!(lz4_frames(&bytes).unwrap(), b"first second third");
    }

    #[test]
    fn garbage_and_truncation_are_data_loss() {
        assert_eq!(
            lz4_frames(b"not lz4 at all").unwrap_err().code,
            crate::ErrorCode::DataLoss
        );
        let whole = frame(&[7u8; 10_000]);
        let cut = &whole[..whole.len() / 2];
        assert_eq!(
            lz4_frames(cut).unwrap_err().code,
            crate::ErrorCode::DataLoss
        );
        let mut trailing = frame(b"ok");
        trailing.extend_from_slice(b"junk");
        assert_eq!(
            lz4_frames(&trailing).unwrap_err().code,
            crate::ErrorCode::DataLoss
        );
    }
}
