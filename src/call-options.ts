/**
 * The options of `execute` and of the fetch calls, checked before anything is sent: a wrong
 * type, an out-of-range number or an unknown key is a ProgrammingError naming it, the same on
 * both backends (unchecked, a NaN timeout fired at once and a misspelt key was ignored).
 */

import type { ExecuteOptions, FetchOptions } from './cursor';
import { programmingError } from './errors';
import { MAX_OPTION } from './options';

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
  const o = checked(options, 'execute', ['signal', 'timeout', 'rowLimit']);
  integerIn(o, 'timeout', MAX_OPTION);
  integerIn(o, 'rowLimit', Number.MAX_SAFE_INTEGER);
  return o as ExecuteOptions;
}

export function fetchOptions(options: unknown): FetchOptions {
  return checked(options, 'fetch', ['signal']) as FetchOptions;
}
