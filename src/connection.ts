/** `connect()` and the PEP 249 Connection. */

import { readFile } from 'node:fs/promises';
import type { Backend, BackendConnection, BackendOptions } from './backend';
import { Cursor, type CursorSettings } from './cursor';
import { interfaceError, NotSupportedError, programmingError } from './errors';
import {
  type CatalogRow,
  type ColumnRow,
  type ColumnsQuery,
  type CrossReferenceQuery,
  type ForeignKeyRow,
  type FunctionRow,
  type FunctionsQuery,
  Metadata,
  type PrimaryKeyRow,
  type SchemaRow,
  type SchemasQuery,
  showThrough,
  type TableQuery,
  type TableRow,
  type TablesQuery,
  type TableTypeRow,
  type TypeInfoRow,
} from './metadata';
import { nativeBackend } from './native-backend';
import { type ConnectOptions, checkPem, HEADER_TEXT, resolveSettings, validateOptions } from './options';
import { DEFAULT_POLICY } from './values';

export class Connection {
  private readonly cursors = new Set<Cursor<unknown>>();
  private closed = false;
  // A #private field: util.inspect never walks into the backend, which holds credentials.
  readonly #backend: BackendConnection;
  readonly #metadata = new Metadata(showThrough(() => this.open().statement()));

  constructor(
    backend: BackendConnection,
    private readonly settings: CursorSettings,
    /** Which engine serves this connection. */
    readonly backendName: 'native' | 'ts',
  ) {
    this.#backend = backend;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A new cursor; `R` types the rows it returns (not checked at run time). */
  cursor<R = Record<string, unknown>>(): Cursor<R> {
    if (this.closed) throw interfaceError('the connection is closed');
    const cursor = new Cursor<R>(this.#backend, this.settings, (c) => this.cursors.delete(c));
    this.cursors.add(cursor as Cursor<unknown>);
    return cursor;
  }

  /** Catalogs, as rows `{ TABLE_CAT }`. */
  async catalogs(): Promise<CatalogRow[]> {
    return this.#metadata.catalogs();
  }

  /** Schemas of a catalog (all catalogs when absent), filtered by a SQL LIKE pattern. */
  async schemas(query: SchemasQuery = {}): Promise<SchemaRow[]> {
    return this.#metadata.schemas(query);
  }

  /** Tables and views, filtered by LIKE patterns and table types. */
  async tables(query: TablesQuery = {}): Promise<TableRow[]> {
    return this.#metadata.tables(query);
  }

  /** Columns of the tables of one catalog, filtered by LIKE patterns. */
  async columns(query: ColumnsQuery): Promise<ColumnRow[]> {
    return this.#metadata.columns(query);
  }

  /** The primary key of one table, a row per column in key order. */
  async primaryKeys(query: TableQuery): Promise<PrimaryKeyRow[]> {
    return this.#metadata.primaryKeys(query);
  }

  /** The foreign keys of one table (the primary keys it references), a row per column. */
  async foreignKeys(query: TableQuery): Promise<ForeignKeyRow[]> {
    return this.#metadata.foreignKeys(query);
  }

  /** The foreign keys of one table that reference another. */
  async crossReference(query: CrossReferenceQuery): Promise<ForeignKeyRow[]> {
    return this.#metadata.crossReference(query);
  }

  /** Functions of one catalog, filtered by LIKE patterns. */
  async functions(query: FunctionsQuery): Promise<FunctionRow[]> {
    return this.#metadata.functions(query);
  }

  /** The warehouse's data types, JDBC-style. */
  async typeInfo(): Promise<TypeInfoRow[]> {
    this.open();
    return this.#metadata.typeInfo();
  }

  /** The table types `tables()` can report and filter on. */
  async tableTypes(): Promise<TableTypeRow[]> {
    this.open();
    return this.#metadata.tableTypes();
  }

  private open(): BackendConnection {
    if (this.closed) throw interfaceError('the connection is closed');
    return this.#backend;
  }

  /** Databricks has no transactions across statements: commit is a no-op, as PEP 249 allows. */
  async commit(): Promise<void> {
    if (this.closed) throw interfaceError('the connection is closed');
  }

  /** Rolling back is not supported by Databricks SQL warehouses (PEP 249's NotSupportedError). */
  async rollback(): Promise<never> {
    if (this.closed) throw interfaceError('the connection is closed');
    throw new NotSupportedError('Databricks SQL warehouses do not support transactions; rollback() is not available', {
      code: 'NotSupported',
    });
  }

  /** Closes every cursor, then the session. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.cursors].map((c) => c.close()));
    await this.#backend.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function chooseBackend(name: 'native' | 'ts'): Promise<Backend> {
  if (name === 'native') return nativeBackend;
  const { tsBackend } = await import('./ts-backend/index.js');
  return tsBackend;
}

/**
 * The caller's token function, made to always resolve to a non-empty string or reject clearly,
 * within `timeoutMs`: a provider that never settles would otherwise hang every request.
 */
function checkedProvider(provider: () => string | Promise<string>, timeoutMs: number): () => Promise<string> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`tokenProvider did not return a token within ${timeoutMs} ms (requestTimeoutMs)`)),
        timeoutMs,
      );
    });
    try {
      const token: unknown = await Promise.race([provider(), late]);
      if (typeof token !== 'string' || token === '') {
        throw new TypeError(`tokenProvider must return a non-empty string, got ${typeof token}`);
      }
      if (!HEADER_TEXT.test(token)) {
        throw new TypeError('tokenProvider returned a token that is not printable ASCII: it is sent in an HTTP header');
      }
      return token;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Opens a session on a Databricks SQL warehouse (or the local one). */
export async function connect(options: ConnectOptions): Promise<Connection> {
  return connectWith(options);
}

/**
 * `connect()`, with the cursors' row settings given whole instead of taken from the options:
 * how the @databricks/sql drop-in opens its sessions under its own value policy table.
 */
export async function connectWith(options: ConnectOptions, rows?: CursorSettings): Promise<Connection> {
  const o = validateOptions(options);
  const { backend = 'native', rowMode = 'object', decimalAs, dateAs, timestampAs, caPath, tokenProvider } = o;
  const settings = resolveSettings(o);
  const backendOptions: BackendOptions = settings;
  if (tokenProvider) {
    backendOptions.tokenProvider = checkedProvider(tokenProvider, settings.requestTimeoutMs);
  }
  if (caPath !== undefined) {
    try {
      backendOptions.caPem = await readFile(caPath, 'utf8');
    } catch (e) {
      throw programmingError(`the CA file "${caPath}" cannot be read: ${(e as Error).message}`);
    }
    checkPem(backendOptions.caPem, `the CA file "${caPath}"`);
  }
  const engine = await chooseBackend(backend);
  const connection = await engine.connect(backendOptions);
  return new Connection(
    connection,
    rows ?? {
      rowMode,
      policy: {
        decimalAs: decimalAs ?? DEFAULT_POLICY.decimalAs,
        dateAs: dateAs ?? DEFAULT_POLICY.dateAs,
        timestampAs: timestampAs ?? DEFAULT_POLICY.timestampAs,
      },
    },
    backend,
  );
}
