/**
 * The drop-in's value policy: @databricks/sql's values, as its users' code expects them, decoded
 * by sluice's one decoder (src/values.ts) under this second table.
 */

import type { CursorSettings } from '../cursor';
import type { ValuePolicy } from '../values';

/** BIGINT and DECIMAL as number, BINARY Buffer, DATE/TIMESTAMP Date, intervals as text, MAP object. */
const DEFAULTS: ValuePolicy = {
  decimalAs: 'number',
  dateAs: 'date',
  timestampAs: 'date',
  bigintAs: 'number',
  binaryAs: 'buffer',
  intervalAs: 'text',
  mapAs: 'object',
};

/** `preserveBigNumericPrecision: true`: BIGINT as bigint, DECIMAL as its exact text. */
const PRECISE: ValuePolicy = { ...DEFAULTS, decimalAs: 'string', bigintAs: 'bigint' };

/** Rows are objects; a repeated column name is one key holding the last such column, as theirs. */
export function rowSettings(preserveBigNumericPrecision: boolean): CursorSettings {
  return { rowMode: 'object', policy: preserveBigNumericPrecision ? PRECISE : DEFAULTS, repeatedNames: 'last' };
}
