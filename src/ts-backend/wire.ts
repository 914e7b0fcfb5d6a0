/**
 * Shapes of the Statement Execution API bodies (protocol.md §2-§3, §7). Every field the server
 * may omit is optional; unknown fields are ignored so newer servers keep working. Answers are
 * checked only where a wrong shape would otherwise surface far from its cause.
 */

import { makeError } from '../errors';

export interface CreateSessionRequest {
  warehouse_id: string;
  catalog?: string;
  schema?: string;
  session_confs?: Record<string, string>;
}

export interface CreateSessionResponse {
  session_id?: string;
}

/** One statement parameter as sent: `value` is always text, absent for NULL. */
export interface ParameterItem {
  name?: string;
  ordinal?: number;
  type?: string;
  value?: string;
}

export interface ExecuteRequest {
  statement: string;
  warehouse_id: string;
  session_id: string;
  disposition: 'INLINE_OR_EXTERNAL_LINKS';
  format: 'ARROW_STREAM';
  wait_timeout: string;
  on_wait_timeout: 'CONTINUE';
  result_compression?: 'LZ4_FRAME';
  row_limit?: number;
  parameters?: ParameterItem[];
  query_tags?: { key: string; value: string }[];
}

export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED' | string;

export function isTerminal(state: StatementState): boolean {
  return state !== 'PENDING' && state !== 'RUNNING';
}

export interface ServiceError {
  error_code?: string;
  message?: string;
}

export interface StatementStatus {
  state: StatementState;
  error?: ServiceError;
  sql_state?: string;
}

export interface ColumnInfo {
  name: string;
  type_text?: string;
  type_name?: string;
  position?: number;
  type_precision?: number;
  type_scale?: number;
  type_interval_type?: string;
}

export interface ChunkInfo {
  chunk_index: number;
  row_offset?: number;
  row_count?: number;
  byte_count?: number;
}

export interface Manifest {
  format?: string;
  schema?: { column_count?: number; columns?: ColumnInfo[] };
  total_chunk_count?: number;
  chunks?: ChunkInfo[];
  total_row_count?: number;
  total_byte_count?: number;
  truncated?: boolean;
  result_compression?: string;
}

export interface ExternalLink {
  chunk_index: number;
  row_offset?: number;
  row_count?: number;
  byte_count?: number;
  /** Pre-signed URL: a secret, never logged or put in an error message. */
  external_link: string;
  expiration?: string;
  http_headers?: Record<string, string>;
  next_chunk_index?: number;
  next_chunk_internal_link?: string;
}

export interface ResultData {
  chunk_index?: number;
  row_offset?: number;
  row_count?: number;
  byte_count?: number;
  next_chunk_index?: number;
  next_chunk_internal_link?: string;
  data_array?: (string | null)[][];
  attachment?: string;
  external_links?: ExternalLink[];
}

export interface StatementResponse {
  statement_id: string;
  status: StatementStatus;
  manifest?: Manifest;
  result?: ResultData;
}

/** The platform error object of a non-2xx answer. Legacy endpoints put an integer in `error_code`. */
export interface PlatformError {
  error_code?: unknown;
  message?: unknown;
}

export interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

export function codeStr(body: PlatformError): string | undefined {
  return typeof body.error_code === 'string' ? body.error_code : undefined;
}

export function codeInt(body: PlatformError): number | undefined {
  return typeof body.error_code === 'number' ? body.error_code : undefined;
}

export function messageOf(body: PlatformError): string | undefined {
  return typeof body.message === 'string' ? body.message : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an error body; anything that is not a JSON object reads as an empty one. */
export function parsePlatformError(body: Uint8Array): PlatformError {
  try {
    const value: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

function badAnswer(what: string): Error {
  return makeError(`the server's answer to ${what} is not the expected JSON`, { code: 'Internal' });
}

export function parseJson(body: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw badAnswer(what);
  }
}

/**
 * Checks the type of each known field of an answer, as the kernel's serde types do: a field of
 * the wrong type is an error here, not a TypeError or a silently wrong value further on. JSON
 * `null` reads as absent (and is removed, so later `!== undefined` tests hold).
 */
type Check = (value: unknown) => boolean;

const text: Check = (v) => typeof v === 'string';
const integer: Check = (v) => Number.isSafeInteger(v);
const flag: Check = (v) => typeof v === 'boolean';
const listOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(item);
const recordOf =
  (item: Check): Check =>
  (v) =>
    isRecord(v) && Object.values(v).every(item);

/** A record whose `required` fields hold and whose `optional` ones hold when present. */
function shape(required: Record<string, Check>, optional: Record<string, Check>): Check {
  return (v) => {
    if (!isRecord(v)) return false;
    for (const [key, check] of Object.entries(required)) if (!check(v[key])) return false;
    for (const [key, check] of Object.entries(optional)) {
      if (v[key] === null) delete v[key];
      else if (v[key] !== undefined && !check(v[key])) return false;
    }
    return true;
  };
}

const COLUMN = shape(
  { name: text },
  {
    type_text: text,
    type_name: text,
    position: integer,
    type_precision: integer,
    type_scale: integer,
    type_interval_type: text,
  },
);
const CHUNK = shape({ chunk_index: integer }, { row_offset: integer, row_count: integer, byte_count: integer });
const MANIFEST = shape(
  {},
  {
    format: text,
    schema: shape({}, { column_count: integer, columns: listOf(COLUMN) }),
    total_chunk_count: integer,
    chunks: listOf(CHUNK),
    total_row_count: integer,
    total_byte_count: integer,
    truncated: flag,
    result_compression: text,
  },
);
const LINK = shape(
  { chunk_index: integer, external_link: text },
  {
    row_offset: integer,
    row_count: integer,
    byte_count: integer,
    expiration: text,
    http_headers: recordOf(text),
    next_chunk_index: integer,
    next_chunk_internal_link: text,
  },
);
const RESULT_DATA = shape(
  {},
  {
    chunk_index: integer,
    row_offset: integer,
    row_count: integer,
    byte_count: integer,
    next_chunk_index: integer,
    next_chunk_internal_link: text,
    data_array: listOf(listOf((v) => v === null || typeof v === 'string')),
    attachment: text,
    external_links: listOf(LINK),
  },
);
const STATEMENT = shape(
  {
    statement_id: text,
    status: shape({ state: text }, { error: shape({}, { error_code: text, message: text }), sql_state: text }),
  },
  { manifest: MANIFEST, result: RESULT_DATA },
);

export function asStatementResponse(value: unknown, what: string): StatementResponse {
  if (!STATEMENT(value)) throw badAnswer(what);
  return value as StatementResponse;
}

export function asResultData(value: unknown, what: string): ResultData {
  if (!RESULT_DATA(value)) throw badAnswer(what);
  return value as ResultData;
}
