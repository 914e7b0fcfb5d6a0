/**
 * Strings of an Arrow Utf8 column: Buffer's `toString` slices the column's bytes without a view
 * per value (and, unlike TextDecoder, keeps a leading U+FEFF), and repeated short values share
 * one string through a RepeatCache.
 */

import type { Data } from 'apache-arrow';
import { RepeatCache } from './repeat-cache';

export function decodeText(data: Data, isValid: (i: number) => boolean, out: unknown[]): void {
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  const values = data.values as Uint8Array;
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const cache = new RepeatCache<string>(bytes);
  const decode = (start: number, end: number) => bytes.toString('utf8', start, end);
  for (let i = 0; i < data.length; i++) {
    out[i] = isValid(i) ? cache.get(Number(offsets[i]), Number(offsets[i + 1]), decode) : null;
  }
}
