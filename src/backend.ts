import type { Defaulted, ResolvedSettings } from './options';

/**
 * The interface both engines implement: the Rust kernel through N-API (`native`) and the pure
 * TypeScript one (`ts`). The facade above it owns PEP 249 semantics and the value policy.
 */

export interface BackendColumn {
  name: string;
  typeText?: string;
  typeName?: string;
  position?: number;
  typePrecision?: number;
  typeScale?: number;
  typeIntervalType?: string;
}

export interface BackendParameter {
  name?: string;
  ordinal?: number;
  typeName?: string;
  /** Text form; absent for NULL. */
  value?: string;
}

export interface BackendExecuteArgs {
  parameters?: BackendParameter[];
  timeoutMs?: number;
  rowLimit?: number;
  /** Sent as the request's `query_tags`. */
  queryTags?: { key: string; value: string }[];
  /** The caller may stop this execute (an abort signal): submit without waiting on the warehouse. */
  stoppable?: boolean;
}

export interface BackendResultInfo {
  statementId: string;
  columns: BackendColumn[];
  totalRowCount?: number;
  truncated: boolean;
  /** Arrow IPC stream with only the schema: used when no chunk arrives. */
  schemaIpc: Uint8Array;
}

/** What an engine that encodes exports itself is asked for (see src/export/). */
export interface BackendExportArgs {
  format: 'csv' | 'tsv' | 'ndjson' | 'json' | 'arrow' | 'parquet';
  header: boolean;
  nullText: string;
  exactNumbersAsStrings: boolean;
}

export interface BackendExport {
  /** The next piece of the file and the rows encoded so far, or null after the last. */
  next(): Promise<{ bytes: Uint8Array; rowsDone: number } | null>;
}

/** One chunk of a result. */
export interface ResultChunk {
  /** One Arrow IPC stream. */
  ipc: Uint8Array;
  /**
   * Where its record batches lie, from an engine that read the stream's messages already (the
   * native kernel, encoded as in crates/node/src/statement.rs): absent, the stream is parsed.
   */
  layout?: Float64Array | null;
}

export interface BackendStatement {
  execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo>;
  /** Next chunk, or null at the end. */
  nextChunk(): Promise<ResultChunk | null>;
  readonly statementId: string | null;
  /** Returns at once; pending calls reject with a cancellation error. */
  cancel(): void;
  close(): Promise<void>;
  /** The rest of the result as one file, encoded by the engine; absent where the facade encodes. */
  export?(args: BackendExportArgs): BackendExport;
  /**
   * Until the returned function is called, chunks handed out are left out of the JS engine's
   * external memory count, then added back at once: for a caller that keeps every chunk until
   * then (`fetchArrow`). Absent where the backend cannot adjust that count.
   */
  deferMemoryAccounting?(): () => void;
}

export interface BackendConnection {
  /** A new statement; the facade runs queries and metadata (src/metadata.ts) through these. */
  statement(): BackendStatement;
  close(): Promise<void>;
}

/**
 * Connection settings as the backends receive them from the facade (src/options.ts): validated,
 * defaults filled in, the CA resolved to PEM text, the proxy resolved, and the token provider made
 * to always resolve to a non-empty string. A default may be left out by other callers (tests):
 * a backend fills it in from the same table (`withDefaults`).
 */
export type BackendOptions = Omit<ResolvedSettings, Defaulted> &
  Partial<Pick<ResolvedSettings, Defaulted>> & { tokenProvider?: () => Promise<string> };

export interface Backend {
  readonly name: 'native' | 'ts';
  connect(options: BackendOptions): Promise<BackendConnection>;
}
