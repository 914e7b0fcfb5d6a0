import type { CatalogRow, ColumnRow, ColumnsQuery, SchemaRow, SchemasQuery, TableRow, TablesQuery } from './metadata';

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

export interface BackendStatement {
  execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo>;
  /** Next chunk as an Arrow IPC stream, or null at the end. */
  nextChunk(): Promise<Uint8Array | null>;
  readonly statementId: string | null;
  /** Returns at once; pending calls reject with a cancellation error. */
  cancel(): void;
  close(): Promise<void>;
}

export interface BackendConnection {
  statement(): BackendStatement;
  catalogs(): Promise<CatalogRow[]>;
  schemas(query: SchemasQuery): Promise<SchemaRow[]>;
  tables(query: TablesQuery): Promise<TableRow[]>;
  columns(query: ColumnsQuery): Promise<ColumnRow[]>;
  close(): Promise<void>;
}

/** Connection settings as the backends receive them (validated, CA resolved to PEM text). */
export interface BackendOptions {
  host: string;
  httpPath: string;
  token?: string;
  /** Always resolves to a non-empty string (the facade checks what the caller's function returns). */
  tokenProvider?: () => Promise<string>;
  oauthClientId?: string;
  oauthClientSecret?: string;
  oauthScope?: string;
  catalog?: string;
  schema?: string;
  sessionConfs?: Record<string, string>;
  caPem?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxRetries?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  retryBudgetMs?: number;
  pollInitialMs?: number;
  pollMaxMs?: number;
  waitTimeoutSecs?: number;
  lz4?: boolean;
  maxConcurrentDownloads?: number;
  memoryBudgetBytes?: number;
  linkExpiryThresholdMs?: number;
  maxDownloadAttempts?: number;
  userAgent?: string;
}

export interface Backend {
  readonly name: 'native' | 'ts';
  connect(options: BackendOptions): Promise<BackendConnection>;
}
