/**
 * The value policy, applied identically by both backends (they both hand Arrow to this module):
 *   BIGINT -> bigint; DECIMAL -> exact string (number on request); DATE -> Date (UTC midnight),
 *   or `YYYY-MM-DD` text on request;
 *   TIMESTAMP -> Date, or bigint microseconds since the epoch on request (lossless);
 *   BINARY -> Uint8Array; INTERVAL YEAR-MONTH -> number of months; INTERVAL DAY-TIME -> bigint
 *   microseconds; ARRAY -> Array; STRUCT -> object; MAP -> Map; NULL -> null.
 * Columns are decoded whole from Arrow's buffers (one loop per column), then rows are assembled.
 */

import { type Data, type Field, type RecordBatch, Type } from 'apache-arrow';
import { DataError, NotSupportedError } from '../errors';
import { cachedDateText } from './date-text';
import { decimalText } from './decimal-text';
import { RepeatCache } from './repeat-cache';
import { decodeText } from './text-column';

export interface ValuePolicy {
  decimalAs: 'string' | 'number';
  dateAs: 'date' | 'string';
  timestampAs: 'date' | 'bigint';
  /** BIGINT as bigint (absent) or as number, lossy beyond 2^53 (the @databricks/sql drop-in's table). */
  bigintAs?: 'bigint' | 'number';
  /** BINARY as Uint8Array (absent) or as Buffer. */
  binaryAs?: 'bytes' | 'buffer';
  /** Intervals as months and microseconds (absent) or as Spark's text, `1-2` and `1 02:03:04.000000000`. */
  intervalAs?: 'native' | 'text';
  /** MAP as a Map (absent) or as a plain object keyed by the keys' text. */
  mapAs?: 'map' | 'object';
}

export const DEFAULT_POLICY: ValuePolicy = { decimalAs: 'string', dateAs: 'date', timestampAs: 'date' };

const MS_PER_DAY = 86_400_000;

/**
 * A column's validity bitmap, or null when every value is valid. Read once per column:
 * apache-arrow's `nullCount` is a getter that costs more than the bit test itself.
 */
function validityOf(data: Data): Uint8Array | null {
  const bitmap = data.nullBitmap;
  return data.nullCount === 0 || !bitmap || bitmap.length === 0 ? null : bitmap;
}

function isValid(bitmap: Uint8Array | null, offset: number, i: number): boolean {
  if (bitmap === null) return true;
  const bit = offset + i;
  return (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0;
}

/** A value the policy's JavaScript type cannot hold: refused, never approximated (22008). */
function refuse(message: string): never {
  throw new DataError(message, { code: 'DataLoss', sqlState: '22008' });
}

/** The `Date` at `ms`, or undefined beyond the range a `Date` holds. */
function dateAt(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function timeUnitFactorToMicros(unit: number): bigint {
  // apache-arrow TimeUnit: SECOND 0, MILLISECOND 1, MICROSECOND 2, NANOSECOND 3
  return [1_000_000n, 1_000n, 1n, 0n][unit] ?? 1n;
}

function toMicros(raw: bigint, unit: number): bigint {
  return unit === 3 ? raw / 1000n : raw * timeUnitFactorToMicros(unit);
}

function microsToDate(micros: bigint): Date {
  const ms = Number(micros / 1000n) + (micros % 1000n < 0n ? -1 : 0);
  return (
    dateAt(ms) ?? refuse(`timestamp ${micros} µs is outside the range of a JavaScript Date; use timestampAs: 'bigint'`)
  );
}

function dateOf(ms: number): Date {
  return (
    dateAt(ms) ??
    refuse(`date ${ms / MS_PER_DAY} days from 1970 is outside the range of a JavaScript Date; use dateAs: 'string'`)
  );
}

/** INTERVAL YEAR TO MONTH as Spark prints it: `1-2`, `-0-1`. */
function yearMonthText(months: number): string {
  const abs = Math.abs(months);
  return `${months < 0 ? '-' : ''}${Math.trunc(abs / 12)}-${abs % 12}`;
}

/** INTERVAL DAY TO SECOND as Spark prints it, with nine fractional digits: `1 02:03:04.000000000`. */
function dayTimeText(micros: bigint): string {
  const abs = micros < 0n ? -micros : micros;
  const day = 86_400_000_000n;
  const pad = (v: bigint) => v.toString().padStart(2, '0');
  const rest = abs % day;
  const seconds = rest % 60_000_000n;
  const fraction = `${(seconds % 1_000_000n).toString().padStart(6, '0')}000`;
  return `${micros < 0n ? '-' : ''}${abs / day} ${pad(rest / 3_600_000_000n)}:${pad((rest / 60_000_000n) % 60n)}:${pad(seconds / 1_000_000n)}.${fraction}`;
}

/**
 * Decodes every value of one Arrow Data (a column of one batch) under the policy. apache-arrow
 * slices the value and offset buffers (and fixed-size children) when it slices a Data, so those
 * are read from index 0; `data.offset` only positions bits: validity and booleans.
 */
export function decodeData(data: Data, policy: ValuePolicy): unknown[] {
  const n = data.length;
  const out = new Array<unknown>(n);
  const type = data.type;
  if (n === 0) return out;
  const off = data.offset;
  const valid = validityOf(data);
  const values = data.values as ArrayLike<number | bigint> & { subarray?: unknown };
  switch (type.typeId) {
    case Type.Null:
      out.fill(null);
      return out;
    case Type.Int:
    case Type.Float: {
      if (policy.bigintAs === 'number' && values instanceof BigInt64Array) {
        for (let i = 0; i < n; i++) out[i] = isValid(valid, off, i) ? Number(values[i]) : null;
        return out;
      }
      if (valid === null) {
        for (let i = 0; i < n; i++) out[i] = values[i];
      } else {
        for (let i = 0; i < n; i++) out[i] = isValid(valid, off, i) ? values[i] : null;
      }
      return out;
    }
    case Type.Bool: {
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const bit = off + i;
        out[i] = isValid(valid, off, i) ? (bytes[bit >> 3] & (1 << (bit & 7))) !== 0 : null;
      }
      return out;
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      decodeText(data, (i) => isValid(valid, off, i), out);
      return out;
    case Type.Binary:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) {
          out[i] = null;
          continue;
        }
        const value = bytes.slice(Number(offsets[i]), Number(offsets[i + 1]));
        out[i] = policy.binaryAs === 'buffer' ? Buffer.from(value.buffer, value.byteOffset, value.length) : value;
      }
      return out;
    }
    case Type.Decimal: {
      const words = data.values as Uint32Array;
      const scale = (type as unknown as { scale: number }).scale;
      const asNumber = policy.decimalAs === 'number';
      // Each value is 16 bytes: repeated values (quantities, rates) share one result.
      const cache = new RepeatCache<string | number>(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
      const decode = (start: number) => {
        const text = decimalText(words, start >> 2, scale);
        return asNumber ? Number(text) : text;
      };
      for (let i = 0; i < n; i++) {
        out[i] = isValid(valid, off, i) ? cache.get(i * 16, i * 16 + 16, decode) : null;
      }
      return out;
    }
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit; // DAY 0, MILLISECOND 1
      const asText = policy.dateAs === 'string';
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) {
          out[i] = null;
          continue;
        }
        const raw = Number(values[i]);
        if (asText) out[i] = cachedDateText(unit === 0 ? raw : Math.floor(raw / MS_PER_DAY));
        else out[i] = dateOf(unit === 0 ? raw * MS_PER_DAY : raw);
      }
      return out;
    }
    case Type.Timestamp: {
      const unit = (type as unknown as { unit: number }).unit;
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) {
          out[i] = null;
          continue;
        }
        const micros = toMicros(BigInt(values[i]), unit);
        out[i] = policy.timestampAs === 'bigint' ? micros : microsToDate(micros);
      }
      return out;
    }
    case Type.Duration: {
      const unit = (type as unknown as { unit: number }).unit;
      const asText = policy.intervalAs === 'text';
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) out[i] = null;
        else {
          const micros = toMicros(BigInt(values[i]), unit);
          out[i] = asText ? dayTimeText(micros) : micros;
        }
      }
      return out;
    }
    case Type.Interval: {
      // YEAR_MONTH holds one int32 of months per value; other units keep apache-arrow's form, the
      // value's int32 words: DAY_TIME (unit 1) has 2 (days, ms), MONTH_DAY_NANO (unit 2) has 4
      // (months, days, then the int64 nanoseconds as low and high words).
      const unit = (type as unknown as { unit: number }).unit;
      const stride = unit === 2 ? 4 : 2;
      const words = data.values as Int32Array;
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) out[i] = null;
        else if (unit === 0) out[i] = policy.intervalAs === 'text' ? yearMonthText(values[i] as number) : values[i];
        else out[i] = Array.from(words.subarray(i * stride, i * stride + stride));
      }
      return out;
    }
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const size = type.typeId === Type.FixedSizeList ? (type as unknown as { listSize: number }).listSize : 0;
      const offsets = data.valueOffsets as ArrayLike<number | bigint>;
      // A slice keeps its offsets into the whole child: decode only the elements it spans.
      const base = size ? 0 : Number(offsets[0]);
      const child = decodeData(
        size ? data.children[0] : childRange(data.children[0], base, Number(offsets[n])),
        policy,
      );
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) {
          out[i] = null;
          continue;
        }
        const start = size ? i * size : Number(offsets[i]) - base;
        const end = size ? start + size : Number(offsets[i + 1]) - base;
        out[i] = child.slice(start, end);
      }
      return out;
    }
    case Type.Struct: {
      const fields = (type as unknown as { children: Field[] }).children;
      const columns = data.children.map((c) => decodeData(c, policy));
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) {
          out[i] = null;
          continue;
        }
        const row: Record<string, unknown> = {};
        for (let f = 0; f < fields.length; f++) row[fields[f].name] = columns[f][i];
        out[i] = row;
      }
      return out;
    }
    case Type.Map: {
      const offsets = data.valueOffsets as Int32Array;
      const base = offsets[0];
      const entries = childRange(data.children[0], base, offsets[n]);
      const keys = decodeData(entries.children[0], policy);
      const vals = decodeData(entries.children[1], policy);
      for (let i = 0; i < n; i++) {
        if (!isValid(valid, off, i)) {
          out[i] = null;
          continue;
        }
        if (policy.mapAs === 'object') {
          // Keys become their text, as JSON objects have them; defineProperty keeps `__proto__` a key.
          const o: Record<string, unknown> = {};
          for (let e = offsets[i] - base; e < offsets[i + 1] - base; e++) {
            Object.defineProperty(o, String(keys[e]), {
              value: vals[e],
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          out[i] = o;
          continue;
        }
        const m = new Map<unknown, unknown>();
        for (let e = offsets[i] - base; e < offsets[i + 1] - base; e++) m.set(keys[e], vals[e]);
        out[i] = m;
      }
      return out;
    }
    default:
      throw new NotSupportedError(`Arrow type ${String(type)} is not supported by the value policy`, {
        code: 'NotSupported',
      });
  }
}

/** Elements `[start, end)` of a list's or map's child, without slicing when that is all of it. */
function childRange(child: Data, start: number, end: number): Data {
  return start === 0 && end === child.length ? child : child.slice(start, end - start);
}

/**
 * One column's values for row assembly. A null-free numeric column is read straight from its
 * typed array (BIGINT gives bigint, the others number, as the policy says): copying it into an
 * array first doubles the allocations, and allocation is what row building spends its time on.
 */
function columnValues(data: Data, policy: ValuePolicy): ArrayLike<unknown> {
  const typeId = data.type.typeId;
  if ((typeId === Type.Int || typeId === Type.Float) && data.nullCount === 0) {
    const values = data.values as Int32Array | BigInt64Array | Float64Array;
    if (policy.bigintAs === 'number' && values instanceof BigInt64Array) return decodeData(data, policy);
    return values.subarray(0, data.length);
  }
  return decodeData(data, policy);
}

/** Unique keys for row objects: a repeated column name gets a `_2`, `_3`, ... suffix. */
export function rowKeys(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    if (count === 1) return name;
    let candidate = `${name}_${count}`;
    while (taken.has(candidate)) candidate = `${candidate}_`;
    taken.add(candidate);
    return candidate;
  });
}

type RowBuilder = (columns: ArrayLike<unknown>[], i: number) => Record<string, unknown>;

const builders = new Map<string, RowBuilder>();

/**
 * A function that builds one row object from column arrays, generated once per column list: an
 * object literal gives every row the same shape at once, where adding keys one by one does not.
 * Keys enter the source only through JSON.stringify. `__proto__` (which a literal would treat as
 * the prototype) and runtimes that forbid code generation take the generic path.
 */
function rowBuilder(keys: readonly string[]): RowBuilder {
  const id = keys.join('\u0000');
  let builder = builders.get(id);
  if (builder) return builder;
  const generic: RowBuilder = (columns, i) => {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < keys.length; c++) {
      // Assigning `__proto__` would call the prototype setter; define it as an own property.
      if (keys[c] === '__proto__') {
        Object.defineProperty(row, '__proto__', {
          value: columns[c][i],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        row[keys[c]] = columns[c][i];
      }
    }
    return row;
  };
  builder = generic;
  if (!keys.includes('__proto__')) {
    try {
      const fields = keys.map((k, c) => `${JSON.stringify(k)}: columns[${c}][i]`).join(', ');
      builder = new Function('columns', 'i', `return { ${fields} };`) as RowBuilder;
    } catch {
      builder = generic;
    }
  }
  builders.set(id, builder);
  return builder;
}

/** All rows of one batch, as objects keyed by `keys` or as arrays. */
export function batchRows(
  batch: RecordBatch,
  keys: readonly string[],
  mode: 'object' | 'array',
  policy: ValuePolicy,
): unknown[] {
  const columns = batch.data.children.map((child) => columnValues(child, policy));
  const n = batch.numRows;
  const rows = new Array<unknown>(n);
  const width = columns.length;
  if (mode === 'array') {
    for (let i = 0; i < n; i++) {
      const row = new Array<unknown>(width);
      for (let c = 0; c < width; c++) row[c] = columns[c][i];
      rows[i] = row;
    }
    return rows;
  }
  const build = rowBuilder(keys);
  for (let i = 0; i < n; i++) rows[i] = build(columns, i);
  return rows;
}
