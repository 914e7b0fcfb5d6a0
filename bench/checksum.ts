/**
 * A checksum of a result's values that every driver's representation gives alike, so the report
 * can show that all drivers returned the same data: BIGINT as bigint or number, DECIMAL as exact
 * text, number or Arrow Decimal, DATE as Date or milliseconds. Each value maps to an integer
 * (numbers to thousandths, which absorbs the last-bit differences of decimal conversions; dates to
 * milliseconds; other text to a hash) and the integers are summed modulo 2^32, so the order rows
 * and batches arrive in does not matter and the sum stays exact.
 */

import { DataType, type RecordBatch, type Table, util } from 'apache-arrow';

const MODULUS = 2 ** 32;

export class Checksum {
  private sum = 0;
  count = 0;
  /** Time spent summing inside a timed stretch, for the timings to leave out. */
  spentMs = 0;

  timed(sum: () => void): void {
    const started = performance.now();
    sum();
    this.spentMs += performance.now() - started;
  }

  private add(n: number): void {
    this.sum = (this.sum + n) % MODULUS;
  }

  /** Adds the values of row objects. */
  rows(rows: object[]): void {
    for (const row of rows) for (const value of Object.values(row)) this.add(cell(value));
    this.count += rows.length;
  }

  /** Adds the values of one Arrow record batch. */
  batch(batch: RecordBatch): void {
    for (const field of batch.schema.fields) {
      const column = batch.getChild(field.name);
      if (!column) continue;
      const scale = DataType.isDecimal(field.type) ? field.type.scale : undefined;
      for (const value of column) {
        this.add(
          scale === undefined ? cell(value) : value === null ? 0 : thousandths(util.bigNumToNumber(value, scale)),
        );
      }
    }
    this.count += batch.numRows;
  }

  table(table: Table): void {
    for (const batch of table.batches) this.batch(batch);
  }

  /** Eight hex digits. */
  toString(): string {
    return (((this.sum % MODULUS) + MODULUS) % MODULUS).toString(16).padStart(8, '0');
  }
}

function thousandths(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) % MODULUS : 0;
}

function cell(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return thousandths(value);
    case 'bigint':
      return thousandths(Number(value));
    case 'string': {
      const n = Number(value);
      return Number.isNaN(n) ? textHash(value) : thousandths(n);
    }
    case 'boolean':
      return value ? 1 : 0;
    case 'object':
      return value instanceof Date ? thousandths(value.getTime()) : 0;
    default:
      return 0;
  }
}

function textHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h >>> 0;
}
