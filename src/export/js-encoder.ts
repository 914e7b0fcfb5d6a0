/**
 * The ts backend's export encoder: CSV, TSV, NDJSON, a JSON array and an Arrow IPC stream, built
 * from apache-arrow record batches. It writes the same text as the native writers (arrow-csv and
 * arrow-json in the kernel) for the types Databricks returns; Parquet needs the native backend.
 */

import {
  type Data,
  type Field,
  type RecordBatch,
  RecordBatchStreamWriter,
  type Schema,
  Table,
  Type,
} from 'apache-arrow';
import { decodeData, type ValuePolicy } from '../values';
import type { EncodeOptions } from './options';
import { timestampText } from './timestamp-text';

/** Raw values out of apache-arrow: exact text for DECIMAL and DATE, microseconds for TIMESTAMP. */
const RAW: ValuePolicy = { decimalAs: 'string', dateAs: 'string', timestampAs: 'bigint' };

type Cell = (value: unknown) => string;

/** A float as arrow-rs writes it: integral values keep a `.0`, infinities are `inf`. */
function floatText(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  const text = String(v);
  return Number.isFinite(v) && /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** A FLOAT (32-bit) as its shortest text that reads back to the same float, as arrow-rs writes it. */
function float32Text(v: number): string {
  if (!Number.isFinite(v)) return floatText(v);
  for (let digits = 1; digits < 9; digits++) {
    const shortest = Number(v.toPrecision(digits));
    if (Math.fround(shortest) === v) return floatText(shortest);
  }
  return floatText(v);
}

function floatCell(field: Field): Cell {
  const single = (field.type as unknown as { precision: number }).precision === 1;
  return single ? (v) => float32Text(v as number) : (v) => floatText(v as number);
}

function base64(v: unknown): string {
  return Buffer.from(v as Uint8Array).toString('base64');
}

/** A nested value as JSON text, with the same exactness as the scalar columns. */
function jsonText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v instanceof Uint8Array) return JSON.stringify(base64(v));
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v instanceof Map) {
    return `{${[...v].map(([k, x]) => `${JSON.stringify(String(k))}:${jsonText(x)}`).join(',')}}`;
  }
  if (typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Each non-null value of `field` as text, the form CSV writes and JSON quotes. */
function textOf(field: Field): Cell {
  const type = field.type;
  switch (type.typeId) {
    case Type.Float:
      return floatCell(field);
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return base64;
    case Type.Timestamp: {
      const zone = (type as unknown as { timezone: string | null }).timezone;
      return (v) => timestampText(v as bigint, zone);
    }
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.Struct:
    case Type.Map:
      return jsonText;
    default:
      return String;
  }
}

/** How JSON writes each non-null value of `field`. */
function jsonOf(field: Field, exactAsStrings: boolean): Cell {
  const type = field.type;
  switch (type.typeId) {
    case Type.Int: {
      const wide = (type as unknown as { bitWidth: number }).bitWidth === 64;
      return wide && exactAsStrings ? (v) => `"${String(v)}"` : String;
    }
    case Type.Decimal:
      return exactAsStrings ? (v) => `"${v as string}"` : (v) => v as string;
    case Type.Float: {
      const text = floatCell(field);
      return (v) => (Number.isFinite(v) ? text(v) : 'null');
    }
    case Type.Bool:
      return String;
    case Type.Null:
      return () => 'null';
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.Struct:
    case Type.Map:
      return jsonText;
    default: {
      const text = textOf(field);
      return (v) => JSON.stringify(text(v));
    }
  }
}

/** A CSV field as the csv crate writes it: quoted only when it holds the delimiter, a quote or a line break. */
function csvField(text: string, delimiter: string): string {
  if (text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r')) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

const EOS_BYTES = 8;

export class JsEncoder {
  private started = false;
  /** Arrow: rows of the IPC stream after the first chunk carry no schema message of their own. */
  private wroteSchema = false;

  constructor(private readonly options: EncodeOptions) {}

  /** The bytes `batches` (one chunk) add to the file. */
  encode(batches: RecordBatch[]): Uint8Array | string {
    if (this.options.format === 'arrow') return this.arrow(batches);
    let out = '';
    for (const batch of batches) out += this.text(batch);
    return out;
  }

  /** The bytes that end the file; `schema` serves when no chunk came. */
  finish(schema: Schema): Uint8Array | string {
    const { format } = this.options;
    if (format === 'arrow') {
      if (this.wroteSchema) return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
      return RecordBatchStreamWriter.writeAll(new Table(schema)).toUint8Array(true);
    }
    let out = '';
    if (!this.started) out += this.start(schema);
    if (format === 'json') out += ']';
    return out;
  }

  private start(schema: Schema): string {
    const { format, header } = this.options;
    if (format === 'json') return '[';
    if ((format === 'csv' || format === 'tsv') && header) {
      const delimiter = format === 'tsv' ? '\t' : ',';
      const names = schema.fields.map((f) => csvField(f.name, delimiter));
      return `${names.length === 1 && names[0] === '' ? '""' : names.join(delimiter)}\n`;
    }
    return '';
  }

  private text(batch: RecordBatch): string {
    const { format } = this.options;
    let out = '';
    if (batch.numRows === 0) return out;
    const fields = batch.schema.fields;
    const columns = fields.map((_, i) => decodeData(batch.data.children[i] as Data, RAW));
    let first = !this.started;
    if (!this.started) {
      out += this.start(batch.schema);
      this.started = true;
    }
    if (format === 'csv' || format === 'tsv') {
      const delimiter = format === 'tsv' ? '\t' : ',';
      const cells = fields.map(textOf);
      const nullText = csvField(this.options.nullText, delimiter);
      for (let r = 0; r < batch.numRows; r++) {
        const line: string[] = [];
        for (let c = 0; c < columns.length; c++) {
          const v = columns[c][r];
          line.push(v === null ? nullText : csvField(cells[c](v), delimiter));
        }
        out += `${line.length === 1 && line[0] === '' ? '""' : line.join(delimiter)}\n`;
      }
      return out;
    }
    const keys = fields.map((f) => `${JSON.stringify(f.name)}:`);
    const cells = fields.map((f) => jsonOf(f, this.options.exactNumbersAsStrings));
    for (let r = 0; r < batch.numRows; r++) {
      let row = '{';
      for (let c = 0; c < columns.length; c++) {
        const v = columns[c][r];
        row += `${c > 0 ? ',' : ''}${keys[c]}${v === null ? 'null' : cells[c](v)}`;
      }
      row += '}';
      if (format === 'ndjson') out += `${row}\n`;
      else {
        out += first ? row : `,${row}`;
        first = false;
      }
    }
    return out;
  }

  /** One IPC stream across chunks: the schema message once, and the end marker only at the end. */
  private arrow(batches: RecordBatch[]): Uint8Array {
    if (batches.length === 0) return new Uint8Array();
    const bytes = RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
    let start = 0;
    if (this.wroteSchema) {
      // The schema message: a continuation marker, its metadata length, then the metadata.
      start = 8 + new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getInt32(0, true);
    }
    this.wroteSchema = true;
    return bytes.subarray(start, bytes.length - EOS_BYTES);
  }
}
