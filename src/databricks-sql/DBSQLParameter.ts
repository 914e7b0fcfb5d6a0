/**
 * @databricks/sql's statement parameters, bound through sluice's own typed parameters: each
 * value becomes the text and Spark type @databricks/sql would send, bound by the server.
 */

import { type ParamValue, TypedValue } from '../params';
import ParameterError from './errors/ParameterError';

/** A 64-bit integer from the `node-int64` package (what @databricks/sql accepted before bigint). */
interface Int64Like {
  toString(radix?: number): string;
  toNumber(allowImprecise?: boolean): number;
  buffer: Uint8Array;
}

export type DBSQLParameterValue = undefined | null | boolean | number | bigint | Int64Like | Date | string;

export enum DBSQLParameterType {
  VOID = 'VOID',
  STRING = 'STRING',
  DATE = 'DATE',
  TIMESTAMP = 'TIMESTAMP',
  TIMESTAMP_NTZ = 'TIMESTAMP_NTZ',
  /** Spark's TIMESTAMP already has local-time semantics: bound as TIMESTAMP. */
  TIMESTAMP_LTZ = 'TIMESTAMP_LTZ',
  FLOAT = 'FLOAT',
  DECIMAL = 'DECIMAL',
  DOUBLE = 'DOUBLE',
  INTEGER = 'INTEGER',
  BIGINT = 'BIGINT',
  SMALLINT = 'SMALLINT',
  TINYINT = 'TINYINT',
  BOOLEAN = 'BOOLEAN',
  INTERVALMONTH = 'INTERVAL MONTH',
  INTERVALDAY = 'INTERVAL DAY',
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The narrowest Spark type a number fits, as @databricks/sql infers it. */
function numberType(value: number): DBSQLParameterType {
  if (!Number.isInteger(value)) return DBSQLParameterType.DOUBLE;
  if (value >= INT32_MIN && value <= INT32_MAX) return DBSQLParameterType.INTEGER;
  return Number.isSafeInteger(value) ? DBSQLParameterType.BIGINT : DBSQLParameterType.DOUBLE;
}

function isInt64(value: unknown): value is Int64Like {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Int64Like).toNumber === 'function' &&
    (value as Int64Like).buffer instanceof Uint8Array
  );
}

/**
 * A DECIMAL's precision and scale from its text (`'12.50'` is `DECIMAL(4,2)`): a bare DECIMAL is
 * DECIMAL(10,0) to the warehouse, which would round the value.
 */
function decimalType(text: string, where: string): string {
  const m = /^[+-]?(\d*)(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[1] === '' && m[2] === undefined)) {
    throw new ParameterError(`${where}: "${text}" is not a decimal number (digits with an optional fraction)`);
  }
  const scale = m[2]?.length ?? 0;
  const precision = Math.max(m[1].replace(/^0+/, '').length + scale, 1);
  if (precision > 38) throw new ParameterError(`${where}: "${text}" needs ${precision} digits, more than DECIMAL's 38`);
  return `DECIMAL(${precision},${scale})`;
}

/** The calendar date a `Date` shows in local time, as a DATE parameter binds it. */
function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(d.getFullYear()).padStart(4, '0')}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export class DBSQLParameter {
  readonly type?: string;
  readonly value: DBSQLParameterValue;

  constructor({ type, value }: { type?: DBSQLParameterType; value: DBSQLParameterValue }) {
    this.type = type;
    this.value = value;
  }

  /** The value as sluice binds it: NULL, or its text with the Spark type. */
  toSluiceValue(where: string): ParamValue {
    const { value } = this;
    if (this.type === DBSQLParameterType.VOID || value === undefined || value === null) return null;
    const explicit = this.type === DBSQLParameterType.TIMESTAMP_LTZ ? DBSQLParameterType.TIMESTAMP : this.type;
    let text: string;
    let inferred: DBSQLParameterType;
    if (typeof value === 'boolean') {
      text = value ? 'TRUE' : 'FALSE';
      inferred = DBSQLParameterType.BOOLEAN;
    } else if (typeof value === 'number') {
      text = String(value);
      inferred = numberType(value);
    } else if (typeof value === 'bigint' || isInt64(value)) {
      text = value.toString();
      inferred = DBSQLParameterType.BIGINT;
    } else if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new ParameterError(`${where}: the Date is invalid`);
      text = explicit === DBSQLParameterType.DATE ? localDate(value) : value.toISOString();
      inferred = DBSQLParameterType.TIMESTAMP;
    } else if (typeof value === 'string') {
      text = value;
      inferred = DBSQLParameterType.STRING;
    } else {
      throw new ParameterError(`${where}: values of type ${typeof value} cannot be bound`);
    }
    const type = explicit ?? inferred;
    if (typeof type !== 'string' || !/^[A-Za-z_][A-Za-z0-9_ ,()]*$/.test(type)) {
      throw new ParameterError(`${where}: "${String(type)}" is not a SQL type name`);
    }
    if (type === DBSQLParameterType.DECIMAL) return new TypedValue(text, decimalType(text, where));
    return new TypedValue(text, type === DBSQLParameterType.INTEGER ? 'INT' : type);
  }
}

function parameter(value: unknown, where: string): ParamValue {
  const p = value instanceof DBSQLParameter ? value : new DBSQLParameter({ value: value as DBSQLParameterValue });
  return p.toSluiceValue(where);
}

/** Named or ordinal parameters as sluice takes them; both at once is a ParameterError. */
export function sluiceParameters(
  named: Record<string, unknown> | undefined,
  ordinal: readonly unknown[] | undefined,
): ParamValue[] | Record<string, ParamValue> | undefined {
  const hasNamed = named !== undefined && named !== null && Object.keys(named).length > 0;
  const hasOrdinal = ordinal !== undefined && ordinal !== null && ordinal.length > 0;
  if (hasNamed && hasOrdinal) throw new ParameterError('Driver does not support both ordinal and named parameters.');
  if (hasNamed) {
    const out: Record<string, ParamValue> = {};
    for (const [name, value] of Object.entries(named)) out[name] = parameter(value, `parameter :${name}`);
    return out;
  }
  if (hasOrdinal) {
    if (!Array.isArray(ordinal)) throw new ParameterError('ordinalParameters must be an array');
    return Array.from(ordinal, (value, i) => parameter(value, `parameter ${i + 1}`));
  }
  return undefined;
}
