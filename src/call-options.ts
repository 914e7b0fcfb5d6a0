/**
 * The options of `execute` and of the fetch calls, checked before anything is sent: a wrong
 * type, an out-of-range number or an unknown key is a ProgrammingError naming it, the same on
 * both backends (unchecked, a NaN timeout fired at once and a misspelt key was ignored).
 */

import { programmingError } from './errors';
import { MAX_OPTION } from './options';
import { isPlainObject } from './plain-object';

export interface ExecuteOptions {
  /** Aborting cancels the statement on the warehouse and rejects the pending call. */
  signal?: AbortSignal;
  /** Client-side limit in milliseconds; the statement is cancelled on the warehouse when it passes. */
  timeout?: number;
  /** Server-side cap on the number of rows (`truncated` is then reported). */
  rowLimit?: number;
  /** Tags of this statement (the request's `query_tags`), shown in query history. */
  queryTags?: Record<string, string>;
}

export interface FetchOptions {
  /** Aborting rejects the pending fetch and closes the statement; defaults to the execute's signal. */
  signal?: AbortSignal;
}

function checked(options: unknown, what: string, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw programmingError(`${what} options must be an object`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw programmingError(`unknown ${what} option "${key}" (known: ${known.join(', ')})`);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw programmingError(`${what} option "signal" must be an AbortSignal`);
  }
  return o;
}

/** A value as an error message shows it: a string quoted, so "3" and 3 read apart. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function integerIn(o: Record<string, unknown>, key: string, max: number): void {
  const v = o[key];
  if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max)) {
    throw programmingError(`execute option "${key}" must be an integer from 0 to ${max}, got ${shown(v)}`);
  }
}

export function executeOptions(options: unknown): ExecuteOptions {
  const o = checked(options, 'execute', ['signal', 'timeout', 'rowLimit', 'queryTags']);
  integerIn(o, 'timeout', MAX_OPTION);
  integerIn(o, 'rowLimit', Number.MAX_SAFE_INTEGER);
  const tags = o.queryTags;
  if (
    tags !== undefined &&
    !(isPlainObject(tags) && Object.entries(tags).every(([k, v]) => k !== '' && typeof v === 'string'))
  ) {
    throw programmingError('execute option "queryTags" must be an object of string values with non-empty keys');
  }
  return o as ExecuteOptions;
}

export function fetchOptions(options: unknown): FetchOptions {
  return checked(options, 'fetch', ['signal']) as FetchOptions;
}
