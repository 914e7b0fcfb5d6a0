/** The `native` backend: the Rust kernel through the N-API binding. */

import type {
  Backend,
  BackendConnection,
  BackendExecuteArgs,
  BackendExport,
  BackendExportArgs,
  BackendOptions,
  BackendResultInfo,
  BackendStatement,
} from './backend';
import { decodeNativeError, native } from './errors';
import {
  type CatalogRow,
  COLUMN_ROW_KEYS,
  type ColumnRow,
  type ColumnsQuery,
  defined,
  type SchemaRow,
  type SchemasQuery,
  type TableRow,
  type TablesQuery,
} from './metadata';
import { loadNative } from './native';

type NativeStatement = import('../index').NativeStatement;
type NativeConnection = import('../index').NativeConnection;

class Statement implements BackendStatement {
  constructor(private readonly inner: NativeStatement) {}

  execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo> {
    return native(() => this.inner.execute(sql, args));
  }

  nextChunk(): Promise<Uint8Array | null> {
    return native(() => this.inner.nextChunk());
  }

  get statementId(): string | null {
    return this.inner.statementId;
  }

  cancel(): void {
    this.inner.cancel();
  }

  close(): Promise<void> {
    return native(() => this.inner.close());
  }

  export(args: BackendExportArgs): BackendExport {
    let pieces: ReturnType<NativeStatement['export']>;
    try {
      pieces = this.inner.export(args);
    } catch (e) {
      throw decodeNativeError(e);
    }
    return { next: () => native(() => pieces.next()) };
  }
}

class Connection implements BackendConnection {
  constructor(private readonly inner: NativeConnection) {}

  statement(): BackendStatement {
    return new Statement(this.inner.statement());
  }

  catalogs(): Promise<CatalogRow[]> {
    return native(() => this.inner.catalogs());
  }

  schemas(q: SchemasQuery): Promise<SchemaRow[]> {
    return native(() => this.inner.schemas(q.catalog, q.schemaPattern)).then(defined);
  }

  tables(q: TablesQuery): Promise<TableRow[]> {
    return native(() => this.inner.tables(q.catalog, q.schemaPattern, q.tableNamePattern, q.tableTypes)).then(defined);
  }

  columns(q: ColumnsQuery): Promise<ColumnRow[]> {
    // The binding's objects put required keys first: reorder them as the ts backend builds them.
    return native(() => this.inner.columns(q.catalog, q.schemaPattern, q.tableNamePattern, q.columnNamePattern)).then(
      (rows) => defined(rows, COLUMN_ROW_KEYS),
    );
  }

  close(): Promise<void> {
    return native(() => this.inner.close());
  }
}

export const nativeBackend: Backend = {
  name: 'native',
  async connect(options: BackendOptions): Promise<BackendConnection> {
    const binding = loadNative();
    const { tokenProvider, ...rest } = options;
    return new Connection(await native(() => binding.connect(rest, tokenProvider)));
  },
};
