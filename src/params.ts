/**
 * Statement parameters: JS values -> typed wire items, bound by the server (never spliced into
 * SQL text). An array binds `?` markers by position; a plain object binds `:name` markers.
 */

import type { BackendParameter } from './backend';
import { programmingError } from './errors';
import { isPlainObject } from './plain-object';

/** A value with an explicit Spark SQL type, e.g. `typed('12.50', 'DECIMAL(10,2)')`. */
export class TypedValue {
  constructor(
    readonly value: unknown,
    readonly type: string,
  ) {}
}

export function typed(value: unknown, type: string): TypedValue {
  if (typeof type !== 'string' || !/^[A-Za-z_][A-Za-z0-9_ ,()<>:]*$/.test(type)) {
    throw programmingError(`"${String(type)}" is not a SQL type name`);
  }
  return new TypedValue(value, type);
}

export type ParamValue = string | number | bigint | boolean | Date | Uint8Array | null | undefined | TypedValue;
export type Params = readonly ParamValue[] | Readonly<Record<string, ParamValue>>;

/** A UTF-16 surrogate without its pair (with the u flag, a pair reads as one code point). */
export const LONE_SURROGATE = /\p{Cs}/u;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function text(value: unknown, where: string): { typeName: string; value?: string } {
  if (value === null || value === undefined) return { typeName: 'VOID' };
  if (typeof value === 'string') {
    // A lone surrogate has no UTF-8 form: one backend would send U+FFFD, the other be refused.
    if (LONE_SURROGATE.test(value)) throw programmingError(`${where}: the string holds a lone UTF-16 surrogate`);
    return { typeName: 'STRING', value };
  }
  if (typeof value === 'boolean') return { typeName: 'BOOLEAN', value: value ? 'true' : 'false' };
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw programmingError(`${where}: ${value} does not fit in a BIGINT`);
    return { typeName: 'BIGINT', value: value.toString() };
  }
  if (typeof value === 'number') {
    // -0 is an integer to JavaScript but has no INT form: as DOUBLE it comes back as -0.
    if (Object.is(value, -0)) return { typeName: 'DOUBLE', value: '-0' };
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
      return { typeName: 'INT', value: String(value) };
    }
    if (Number.isSafeInteger(value)) return { typeName: 'BIGINT', value: String(value) };
    if (Number.isNaN(value)) return { typeName: 'DOUBLE', value: 'NaN' };
    if (!Number.isFinite(value)) return { typeName: 'DOUBLE', value: value > 0 ? 'Infinity' : '-Infinity' };
    return { typeName: 'DOUBLE', value: String(value) };
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw programmingError(`${where}: the Date is invalid`);
    return { typeName: 'TIMESTAMP', value: value.toISOString() };
  }
  if (value instanceof Uint8Array) return { typeName: 'BINARY', value: Buffer.from(value).toString('hex') };
  throw programmingError(`${where}: values of type ${typeof value} cannot be bound (use typed(value, type))`);
}

function item(value: ParamValue, where: string): { typeName: string; value?: string } {
  if (value instanceof TypedValue) {
    const inner = text(value.value, where);
    return { typeName: value.type, value: inner.value };
  }
  return text(value, where);
}

export function toWireParameters(params: Params | undefined): BackendParameter[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) {
    // Array.from visits holes too (as undefined, bound as NULL), which map would skip.
    return Array.from(params, (v: ParamValue, i) => ({ ordinal: i + 1, ...item(v, `parameter ${i + 1}`) }));
  }
  if (!isPlainObject(params)) {
    throw programmingError('parameters must be an array (for ? markers) or a plain object (for :name markers)');
  }
  return Object.entries(params).map(([name, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw programmingError(`"${name}" is not a valid parameter name`);
    return { name, ...item(v as ParamValue, `parameter :${name}`) };
  });
}
