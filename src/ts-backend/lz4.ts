/**
 * LZ4 frame decoding (the format of `result_compression: LZ4_FRAME`, protocol.md §4.3), written
 * here rather than taken from npm: the pure-JS package (lz4js) lists checksum support and
 * bad-offset handling as to-dos, and the maintained ones are native or WASM bindings. Decodes
 * every frame in the input until it is used up (servers send several), skips skippable frames,
 * rejects malformed input, and verifies header, block and content checksums when present.
 * Format: the public LZ4 frame and block format descriptions.
 */

import { dataLoss } from './failures';
import { xxhash32 } from './xxhash32';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

function fail(why: string): Error {
  return dataLoss(`result data is not valid LZ4 frame data: ${why}`);
}

/** An output buffer that grows by doubling; LZ4 back-references read from what it holds. */
class Output {
  buf: Uint8Array;
  len = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(capacity, 1024));
  }
  reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

function u32(b: Uint8Array, i: number): number {
  if (i + 4 > b.length) throw fail('the input ends inside a frame');
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * Decodes one LZ4 block from `src` into `out`; matches may reach back into earlier output.
 * Short copies go byte by byte, which beats typed-array calls for them; the buffer grows only
 * when the size hint was short.
 */
function decodeBlock(src: Uint8Array, out: Output, maxOut: number): void {
  let buf = out.buf;
  const end = src.length;
  const limit = out.len + maxOut;
  let ip = 0;
  let op = out.len;
  while (ip < end) {
    const token = src[ip++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw fail('a literal length runs past the block');
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (ip + literals > end) throw fail('literals run past the block');
    if (op + literals > limit) throw fail('a block decodes to more than its maximum size');
    if (op + literals > buf.length) {
      out.len = op;
      out.reserve(literals);
      buf = out.buf;
    }
    if (literals < 32) {
      for (let k = 0; k < literals; k++) buf[op++] = src[ip++];
    } else {
      buf.set(src.subarray(ip, ip + literals), op);
      op += literals;
      ip += literals;
    }
    if (ip === end) break; // the last sequence has literals only
    if (ip + 2 > end) throw fail('a match offset runs past the block');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw fail('a match points before the start of the data');
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (ip >= end) throw fail('a match length runs past the block');
        b = src[ip++];
        length += b;
      } while (b === 255);
    }
    length += 4;
    if (op + length > limit) throw fail('a block decodes to more than its maximum size');
    if (op + length > buf.length) {
      out.len = op;
      out.reserve(length);
      buf = out.buf;
    }
    let from = op - offset;
    if (length < 32 || offset < length) {
      // Short, or overlapping (a repeating pattern): byte by byte, in order.
      for (let k = 0; k < length; k++) buf[op++] = buf[from++];
    } else {
      buf.copyWithin(op, from, from + length);
      op += length;
    }
  }
  out.len = op;
}

/** Decodes all LZ4 frames in `input`. `sizeHint` (expected output size) avoids regrowing. */
export function decodeFrames(input: Uint8Array, sizeHint?: number): Uint8Array {
  const out = new Output(sizeHint ?? input.length * 4);
  let pos = 0;
  if (input.length === 0) throw fail('the input is empty');
  while (pos < input.length) {
    const magic = u32(input, pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 8 + u32(input, pos + 4);
      if (pos > input.length) throw fail('a skippable frame runs past the input');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw fail(pos === 0 ? 'no LZ4 frame magic' : 'unexpected bytes after a frame');
    pos = decodeFrame(input, pos + 4, out);
  }
  // Exact when the size hint was right; otherwise copy so the slack is not kept alive.
  return out.len === out.buf.length ? out.buf : out.buf.slice(0, out.len);
}

/** Decodes one frame whose descriptor starts at `pos`; returns the position after it. */
function decodeFrame(input: Uint8Array, start: number, out: Output): number {
  let pos = start;
  if (pos + 3 > input.length) throw fail('the input ends inside a frame header');
  const flg = input[pos];
  const bd = input[pos + 1];
  if (flg >>> 6 !== 1) throw fail('unsupported frame version');
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw fail('reserved header bits are set');
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSizeFlag = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  if ((flg & 0x01) !== 0) throw fail('frames with a dictionary are not supported');
  const blockMax = BLOCK_MAX[(bd >>> 4) & 7];
  if (blockMax === undefined) throw fail('invalid maximum block size');
  const descriptorEnd = pos + 2 + (contentSizeFlag ? 8 : 0);
  if (descriptorEnd + 1 > input.length) throw fail('the input ends inside a frame header');
  let contentSize: number | undefined;
  if (contentSizeFlag) {
    contentSize = u32(input, pos + 2) + u32(input, pos + 6) * 2 ** 32;
  }
  const hc = (xxhash32(input.subarray(pos, descriptorEnd)) >>> 8) & 0xff;
  if (hc !== input[descriptorEnd]) throw fail('the frame header checksum does not match');
  pos = descriptorEnd + 1;
  const frameStart = out.len;
  for (;;) {
    const word = u32(input, pos);
    pos += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    const stored = word >>> 31 === 1;
    if (size > blockMax) throw fail('a block is larger than the frame allows');
    if (pos + size + (blockChecksum ? 4 : 0) > input.length) throw fail('the input ends inside a block');
    const block = input.subarray(pos, pos + size);
    if (blockChecksum && xxhash32(block) !== u32(input, pos + size)) {
      throw fail('a block checksum does not match');
    }
    if (stored) {
      out.reserve(size);
      out.buf.set(block, out.len);
      out.len += size;
    } else {
      decodeBlock(block, out, blockMax);
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) {
    const expected = u32(input, pos);
    pos += 4;
    if (xxhash32(out.buf.subarray(frameStart, out.len)) !== expected) throw fail('the content checksum does not match');
  }
  if (contentSize !== undefined && out.len - frameStart !== contentSize) {
    throw fail('the frame holds a different size than its header says');
  }
  return pos;
}
