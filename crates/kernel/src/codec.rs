//! LZ4 frame decoding of result bytes (one or several concatenated frames). Whether bytes are
//! compressed is decided by the manifest, never by what was requested.
//!
//! Blocks are decompressed straight into the output, which is allocated once at the size the
//! manifest states: no block buffers and no copy out of them (lz4_flex's `FrameDecoder` keeps
//! a 4 MiB input and a 4 to 8 MiB output buffer per frame and copies every byte out of them,
//! which with several downloads decoding at once was tens of MiB beyond the result budget).

use lz4_flex::block::{decompress_into, decompress_into_with_dict, DecompressError};
use twox_hash::XxHash32;

use crate::error::{Error, Result};
use crate::prefault::prefault;

const FRAME_MAGIC: u32 = 0x184D_2204;
/// Linked blocks may refer back this far into what the frame decoded before them.
const WINDOW: usize = 64 * 1024;

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
    let mut out = Output::zeroed(capacity);
    let mut rest = input;
    while !rest.is_empty() {
        rest = frame(rest, &mut out)?;
    }
    Ok(out.into_vec())
}

/// The decoded bytes so far (`buf[..len]`) and zeroed room after them. The room is zeroed once,
/// at allocation (`vec![0; n]`: memory fresh from the system comes zeroed, so large outputs are
/// not written twice), because the decoder writes into an initialized slice.
struct Output {
    buf: Vec<u8>,
    len: usize,
}

impl Output {
    fn zeroed(capacity: usize) -> Self {
        let mut buf = vec![0; capacity];
        prefault(&mut buf);
        Output { buf, len: 0 }
    }

    fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// At least `n` bytes of room after what was written.
    fn reserve(&mut self, n: usize) {
        if self.buf.len() - self.len < n {
            self.buf.resize(self.len + n, 0);
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn into_vec(mut self) -> Vec<u8> {
        self.buf.truncate(self.len);
        self.buf
    }
}

fn invalid(what: &str) -> Error {
    Error::data_loss(format!("result data is not valid LZ4 frame data: {what}"))
}

/// Reads the input front to back; running past its end is a truncated frame.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(invalid("the frame is cut short"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

/// Decodes the frame at the start of `input` onto `out` and returns what follows it.
fn frame<'a>(input: &'a [u8], out: &mut Output) -> Result<&'a [u8]> {
    let mut at = Cursor(input);
    let magic = at
        .u32()
        .map_err(|_| Error::data_loss("result data holds bytes that are not an LZ4 frame"))?;
    if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
        let len = at.u32()? as usize;
        at.take(len)?;
        return Ok(at.0);
    }
    if magic != FRAME_MAGIC {
        return Err(Error::data_loss(
            "result data holds bytes that are not an LZ4 frame",
        ));
    }
    let descriptor_start = at.0;
    let [flags, block_descriptor] = at.take(2)? else {
        unreachable!("two bytes were taken")
    };
    let (flags, block_descriptor) = (*flags, *block_descriptor);
    if flags >> 6 != 1 || flags & 0b10 != 0 || block_descriptor & 0b1000_1111 != 0 {
        return Err(invalid("unsupported version or reserved bits set"));
    }
    if flags & 0x01 != 0 {
        return Err(invalid("frames with a dictionary are not supported"));
    }
    let linked = flags & 0x20 == 0;
    let block_checksums = flags & 0x10 != 0;
    let content_checksum = flags & 0x04 != 0;
    if flags & 0x08 != 0 {
        at.take(8)?;
    }
    let max_block = match block_descriptor >> 4 {
        4 => 64 * 1024,
        5 => 256 * 1024,
        6 => 1024 * 1024,
        7 => 4 * 1024 * 1024,
        _ => return Err(invalid("unknown block size")),
    };
    let descriptor = &descriptor_start[..descriptor_start.len() - at.0.len()];
    let header_checksum = at.take(1)?[0];
    if (XxHash32::oneshot(0, descriptor) >> 8) as u8 != header_checksum {
        return Err(invalid("the frame header checksum does not match"));
    }
    let frame_start = out.len;
    loop {
        let word = at.u32()?;
        if word == 0 {
            break;
        }
        let len = (word & 0x7FFF_FFFF) as usize;
        if len > max_block {
            return Err(invalid("a block is larger than the frame allows"));
        }
        let block = at.take(len)?;
        if block_checksums && XxHash32::oneshot(0, block) != at.u32()? {
            return Err(invalid("a block checksum does not match"));
        }
        if word & 0x8000_0000 != 0 {
            out.push(block);
        } else {
            let window = if linked { WINDOW } else { 0 };
            block_into(block, out, frame_start, window, max_block)?;
        }
    }
    if content_checksum && XxHash32::oneshot(0, &out.written()[frame_start..]) != at.u32()? {
        return Err(invalid("the content checksum does not match"));
    }
    Ok(at.0)
}

/// Decompresses one block onto the end of `out`, using up to `window` bytes the frame decoded
/// before it as the dictionary. It is first tried in the room left in `out`, so an exact-size
/// output never grows; only a block larger than that room makes it grow.
fn block_into(
    block: &[u8],
    out: &mut Output,
    frame_start: usize,
    window: usize,
    max_block: usize,
) -> Result<()> {
    let start = out.len;
    let spare = out.buf.len() - start;
    let mut room = if spare == 0 {
        max_block
    } else {
        spare.min(max_block)
    };
    loop {
        out.reserve(room);
        let (done, free) = out.buf.split_at_mut(start);
        let dictionary = &done[start.saturating_sub(window).max(frame_start)..];
        let free = &mut free[..room];
        let written = if dictionary.is_empty() {
            decompress_into(block, free)
        } else {
            decompress_into_with_dict(block, free, dictionary)
        };
        match written {
            Ok(n) => {
                out.len = start + n;
                return Ok(());
            }
            Err(DecompressError::OutputTooSmall { .. }) if room < max_block => room = max_block,
            // What a failed decode wrote stays past `len`: it is room, overwritten or cut off.
            Err(e) => return Err(invalid(&e.to_string())),
        }
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

    fn frame_with(info: lz4_flex::frame::FrameInfo, data: &[u8]) -> Vec<u8> {
        let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// Repetitive enough to compress, varied enough that blocks refer back across boundaries.
    fn sample(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| ((i / 7) % 251) as u8 ^ (i % 13) as u8)
            .collect()
    }

    #[test]
    fn every_frame_option_decodes_into_an_output_of_exactly_the_stated_size() {
        use lz4_flex::frame::{BlockMode, BlockSize, FrameInfo};
        let data = sample(600_000);
        for mode in [BlockMode::Independent, BlockMode::Linked] {
            for checksums in [false, true] {
                let info = FrameInfo::new()
                    .block_size(BlockSize::Max64KB)
                    .block_mode(mode)
                    .block_checksums(checksums)
                    .content_checksum(checksums)
                    .content_size(checksums.then_some(data.len() as u64));
                let mut bytes = frame_with(info.clone(), &data);
                // A skippable frame between two data frames is passed over.
                bytes.extend_from_slice(&[0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]);
                bytes.extend(frame_with(info, &data));
                let out = lz4_frames_sized(&bytes, Some(2 * data.len())).unwrap();
                assert!(out[..data.len()] == data[..] && out[data.len()..] == data[..]);
                assert_eq!(out.capacity(), 2 * data.len(), "{mode:?} {checksums}");
                assert_eq!(lz4_frames(&bytes).unwrap(), out, "without a size hint");
            }
        }
    }

    /// A stated size below the real one makes the output grow mid-frame, past room a failed
    /// attempt already wrote into; stored (incompressible) blocks take the other path.
    #[test]
    fn a_short_size_hint_still_decodes_every_byte() {
        use lz4_flex::frame::{BlockMode, BlockSize, FrameInfo};
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut noise = vec![0u8; 300_000];
        StdRng::seed_from_u64(7).fill(&mut noise[..]);
        let mut data = sample(600_000);
        data.extend_from_slice(&noise);
        let info = FrameInfo::new()
            .block_size(BlockSize::Max64KB)
            .block_mode(BlockMode::Linked);
        let bytes = frame_with(info, &data);
        for hint in [1, 1000, data.len() / 3 + 7, data.len() - 1] {
            assert!(
                lz4_frames_sized(&bytes, Some(hint)).unwrap() == data,
                "hint {hint}"
            );
        }
    }

    #[test]
    fn checksums_are_verified() {
        use lz4_flex::frame::FrameInfo;
        let data = sample(100_000);
        let info = FrameInfo::new()
            .block_checksums(true)
            .content_checksum(true);
        let good = frame_with(info, &data);
        // Flip a byte in the first block (after the 7-byte header and the block size word).
        let mut bad = good.clone();
        bad[20] ^= 0xFF;
        assert_eq!(
            lz4_frames(&bad).unwrap_err().code,
            crate::ErrorCode::DataLoss
        );
        let mut bad = good.clone();
        bad[5] ^= 0x01;
        assert_eq!(
            lz4_frames(&bad).unwrap_err().code,
            crate::ErrorCode::DataLoss,
            "header checksum"
        );
        let mut bad = good;
        let last = bad.len() - 1;
        bad[last] ^= 0xFF;
        assert_eq!(
            lz4_frames(&bad).unwrap_err().code,
            crate::ErrorCode::DataLoss,
            "content checksum"
        );
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
