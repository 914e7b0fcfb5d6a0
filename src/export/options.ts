/**
 * Export options: the formats one query's result can be written as, validated once with
 * messages that name the offending option.
 */

import { shown } from '../call-options';
import { programmingError } from '../errors';
import { isPlainObject } from '../plain-object';

export const FORMATS = ['csv', 'tsv', 'ndjson', 'json', 'arrow', 'parquet'] as const;
export type ExportFormat = (typeof FORMATS)[number];

/** How far an export has come. */
export interface ExportProgress {
  /** Rows written so far. */
  rows: number;
  /** Bytes written so far. */
  bytes: number;
  /** Rows in the whole result when the warehouse says, else null. */
  totalRows: number | null;
}

export interface StreamOptions {
  /** Default `csv`. */
  format?: ExportFormat;
  /** CSV and TSV: a header line of column names (default true). */
  header?: boolean;
  /** CSV and TSV: the text written for NULL (default: an empty field). */
  nullText?: string;
  /**
   * NDJSON and JSON: BIGINT and DECIMAL as strings of their full digits (default), or as JSON
   * numbers, which `JSON.parse` may round.
   */
  exactNumbers?: 'string' | 'number';
  /** Aborting cancels the statement on the warehouse and fails the export. */
  signal?: AbortSignal;
  /** Called after each piece of the file is handed on. */
  onProgress?: (progress: ExportProgress) => void;
}

/** What the encoders need: every option resolved. */
export interface EncodeOptions {
  format: ExportFormat;
  header: boolean;
  nullText: string;
  exactNumbersAsStrings: boolean;
}

const KEYS = new Set(['format', 'header', 'nullText', 'exactNumbers', 'signal', 'onProgress']);

export function streamOptions(given: unknown): StreamOptions & EncodeOptions {
  if (given === undefined) given = {};
  if (!isPlainObject(given)) throw programmingError(`export options must be an object, got ${shown(given)}`);
  const o = given as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) throw programmingError(`unknown export option ${JSON.stringify(key)}`);
  }
  const format = o.format ?? 'csv';
  if (!FORMATS.includes(format as ExportFormat)) {
    throw programmingError(`format must be one of ${FORMATS.join(', ')}; got ${shown(format)}`);
  }
  if (o.header !== undefined && typeof o.header !== 'boolean') throw programmingError('header must be a boolean');
  if (o.nullText !== undefined && typeof o.nullText !== 'string') throw programmingError('nullText must be a string');
  if (o.exactNumbers !== undefined && o.exactNumbers !== 'string' && o.exactNumbers !== 'number') {
    throw programmingError(`exactNumbers must be 'string' or 'number'; got ${shown(o.exactNumbers)}`);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw programmingError('signal must be an AbortSignal');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw programmingError('onProgress must be a function');
  }
  return {
    format: format as ExportFormat,
    header: (o.header as boolean | undefined) ?? true,
    nullText: (o.nullText as string | undefined) ?? '',
    exactNumbers: o.exactNumbers as 'string' | 'number' | undefined,
    exactNumbersAsStrings: o.exactNumbers !== 'number',
    signal: o.signal as AbortSignal | undefined,
    onProgress: o.onProgress as StreamOptions['onProgress'],
  };
}
