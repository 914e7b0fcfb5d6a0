/**
 * Manifest column types -> Arrow types (protocol.md §10, as crates/kernel/src/types.rs), for the
 * schema-only IPC stream a result carries when no chunk arrives.
 */

import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Duration,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  Interval,
  IntervalUnit,
  Null,
  RecordBatchStreamWriter,
  Schema,
  Timestamp,
  TimeUnit,
  Utf8,
} from 'apache-arrow';
import type { ColumnInfo } from './wire';

export function arrowType(column: ColumnInfo): DataType {
  switch (column.type_name ?? 'STRING') {
    case 'BYTE':
    case 'TINYINT':
      return new Int8();
    case 'SHORT':
    case 'SMALLINT':
      return new Int16();
    case 'INT':
    case 'INTEGER':
      return new Int32();
    case 'LONG':
    case 'BIGINT':
      return new Int64();
    case 'FLOAT':
      return new Float32();
    case 'DOUBLE':
      return new Float64();
    case 'BOOLEAN':
      return new Bool();
    case 'BINARY':
      return new Binary();
    case 'DATE':
      return new DateDay();
    case 'TIMESTAMP':
      return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case 'TIMESTAMP_NTZ':
      return new Timestamp(TimeUnit.MICROSECOND);
    case 'NULL':
    case 'VOID':
      return new Null();
    case 'DECIMAL': {
      const precision = Math.min(Math.max(column.type_precision ?? 10, 1), 38);
      const scale = Math.min(Math.max(column.type_scale ?? 0, 0), precision);
      return new Decimal(scale, precision, 128);
    }
    case 'INTERVAL': {
      const kind = column.type_interval_type ?? '';
      return kind.includes('YEAR') || kind.includes('MONTH')
        ? new Interval(IntervalUnit.YEAR_MONTH)
        : new Duration(TimeUnit.MICROSECOND);
    }
    default:
      // STRING, CHAR, VARIANT, complex types as JSON text, and anything newer.
      return new Utf8();
  }
}

export function schemaFromColumns(columns: ColumnInfo[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowType(c), true)));
}

/** An Arrow IPC stream holding only `schema` (and the end-of-stream marker). */
export function schemaOnlyIpc(schema: Schema): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  writer.close();
  return writer.toUint8Array(true);
}
