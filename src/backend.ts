import type { CatalogRow, ColumnRow, ColumnsQuery, SchemaRow, SchemasQuery, TableRow, TablesQuery } from './metadata';
import type { ConnectOptions } from './options';

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

export interface BackendStatement {
  execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo>;
  /** Next chunk as an Arrow IPC stream, or null at the end. */
  nextChunk(): Promise<Uint8Array | null>;
  readonly statementId: string | null;
  /** Returns at once; pending calls reject with a cancellation error. */
  cancel(): void;
  close(): Promise<void>;
  /** The rest of the result as one file, encoded by the engine; absent where the facade encodes. */
  export?(args: BackendExportArgs): BackendExport;
}

export interface BackendConnection {
  statement(): BackendStatement;
  catalogs(): Promise<CatalogRow[]>;
  schemas(query: SchemasQuery): Promise<SchemaRow[]>;
  tables(query: TablesQuery): Promise<TableRow[]>;
  columns(query: ColumnsQuery): Promise<ColumnRow[]>;
  close(): Promise<void>;
}

/**
 * Connection settings as the backends receive them: the user's options, validated, without the
 * facade's own (engine, row shape, value policy), the CA resolved to PEM text, and the token
 * provider made to always resolve to a non-empty string.
 */
export type BackendOptions = Omit<
  ConnectOptions,
  'backend' | 'rowMode' | 'decimalAs' | 'dateAs' | 'timestampAs' | 'caPath' | 'tokenProvider'
> & { tokenProvider?: () => Promise<string> };

export interface Backend {
  readonly name: 'native' | 'ts';
  connect(options: BackendOptions): Promise<BackendConnection>;
}
