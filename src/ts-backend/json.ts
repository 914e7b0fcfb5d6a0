/**
 * JSON_ARRAY rows (every value a string or null) -> one Arrow IPC stream typed from the manifest
 * (as crates/kernel/src/results/json.rs). We ask for Arrow, so this is only for servers that
 * answer inline JSON anyway. A value that does not parse as its column type is a DataLoss
 * error, never a silent null; intervals and binary have no agreed text form and stay text.
 */

import {
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Timestamp,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { dataLoss } from './failures';
import { arrowType } from './types';
import type { ColumnInfo } from './wire';

type Cell = string | null | undefined;

const INT_RANGE: Record<number, [bigint, bigint]> = {
  8: [-128n, 127n],
  16: [-32768n, 32767n],
  32: [-2147483648n, 2147483647n],
  64: [-(2n ** 63n), 2n ** 63n - 1n],
};

function parseInt_(text: string, bits: number): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text.trim())) return undefined;
  const v = BigInt(text.trim());
  const [lo, hi] = INT_RANGE[bits];
  return v >= lo && v <= hi ? v : undefined;
}

function parseFloat_(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 't' || t === 'yes' || t === 'y' || t === '1') return true;
  if (t === 'false' || t === 'f' || t === 'no' || t === 'n' || t === '0') return false;
  return undefined;
}

const DAY_MS = 86_400_000;

function parseDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const check = new Date(ms);
  if (check.getUTCMonth() !== Number(m[2]) - 1 || check.getUTCDate() !== Number(m[3])) return undefined;
  return ms / DAY_MS;
}

/** ISO-8601 date-time, `T` or space, optional fraction and offset (none = UTC); to epoch µs. */
function parseTimestamp(text: string): bigint | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const days = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  const [h, min, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (days === undefined || h > 23 || min > 59 || s > 59) return undefined;
  const micros = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  let offsetMin = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z) return undefined;
    offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  const seconds = BigInt(days) * 86_400n + BigInt(h * 3600 + min * 60 + s - offsetMin * 60);
  return seconds * 1_000_000n + micros;
}

/** Decimal text -> unscaled integer at `scale`; digits beyond the scale must be zeros. */
function parseDecimal(text: string, precision: number, scale: number): bigint | undefined {
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = m[3] ?? '';
  if (fraction.length > scale && !/^0*$/.test(fraction.slice(scale))) return undefined;
  const digits = `${m[2]}${fraction.slice(0, scale).padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > precision) return undefined;
  const v = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -v : v;
}

function validity(cells: Cell[]): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array((cells.length + 7) >> 3);
  let nulls = 0;
  cells.forEach((c, i) => {
    if (c === null || c === undefined) nulls += 1;
    else bitmap[i >> 3] |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

/** Fills a typed array through `parse`, failing on the first value that does not parse. */
function fill<T>(
  cells: Cell[],
  column: ColumnInfo,
  what: string,
  parse: (text: string) => T | undefined,
  set: (i: number, v: T) => void,
): void {
  cells.forEach((c, i) => {
    if (c === null || c === undefined) return;
    const v = parse(c);
    if (v === undefined) {
      throw dataLoss(`column ${JSON.stringify(column.name)}: a JSON_ARRAY value does not parse as ${what}`);
    }
    set(i, v);
  });
}

function columnData(column: ColumnInfo, type: DataType, cells: Cell[]): { type: DataType; data: Data } {
  const length = cells.length;
  const { bitmap, nulls } = validity(cells);
  const base = { length, nullCount: nulls, nullBitmap: bitmap };
  const what = String(type);
  if (type instanceof Int8 || type instanceof Int16 || type instanceof Int32) {
    const bits = type.bitWidth;
    const values = bits === 8 ? new Int8Array(length) : bits === 16 ? new Int16Array(length) : new Int32Array(length);
    fill(
      cells,
      column,
      what,
      (t) => parseInt_(t, bits),
      (i, v) => {
        values[i] = Number(v);
      },
    );
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof Int64) {
    const values = new BigInt64Array(length);
    fill(
      cells,
      column,
      what,
      (t) => parseInt_(t, 64),
      (i, v) => {
        values[i] = v;
      },
    );
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof Float32 || type instanceof Float64) {
    const values = type instanceof Float32 ? new Float32Array(length) : new Float64Array(length);
    fill(cells, column, what, parseFloat_, (i, v) => {
      values[i] = v;
    });
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof Bool) {
    const values = new Uint8Array((length + 7) >> 3);
    fill(cells, column, what, parseBool, (i, v) => {
      if (v) values[i >> 3] |= 1 << (i & 7);
    });
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof DateDay) {
    const values = new Int32Array(length);
    fill(cells, column, what, parseDate, (i, v) => {
      values[i] = v;
    });
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof Timestamp) {
    const values = new BigInt64Array(length);
    fill(cells, column, what, parseTimestamp, (i, v) => {
      values[i] = v;
    });
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof Decimal) {
    // 128-bit two's complement, little-endian 32-bit words.
    const values = new Uint32Array(length * 4);
    fill(
      cells,
      column,
      what,
      (t) => parseDecimal(t, type.precision, type.scale),
      (i, v) => {
        let u = BigInt.asUintN(128, v);
        for (let w = 0; w < 4; w++) {
          values[i * 4 + w] = Number(u & 0xffffffffn);
          u >>= 32n;
        }
      },
    );
    return { type, data: makeData({ type, ...base, data: values }) };
  }
  if (type instanceof Null) return { type, data: makeData({ type, length }) };
  // Text, and types without an agreed text form (intervals, binary), stay text.
  const text = new Utf8();
  return {
    type: text,
    data: vectorFromArray(
      cells.map((c) => c ?? null),
      text,
    ).data[0],
  };
}

/** Rows of one inline JSON chunk as an Arrow IPC stream. */
export function rowsToIpc(columns: ColumnInfo[], rows: (string | null)[][]): Uint8Array {
  const fields: Field[] = [];
  const children: Data[] = [];
  columns.forEach((column, c) => {
    const cells = rows.map((row) => row[c]);
    const { type, data } = columnData(column, arrowType(column), cells);
    fields.push(new Field(column.name, type, true));
    children.push(data);
  });
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children });
  return tableToIPC(new Table([new RecordBatch(schema, struct)]), 'stream');
}
