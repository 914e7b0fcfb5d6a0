/** @databricks/sql's IDBSQLSession over one sluice Connection (one warehouse session). */

import { randomUUID } from 'node:crypto';
import type { ExecuteOptions } from '../call-options';
import type { Connection } from '../connection';
import type IDBSQLSession from './contracts/IDBSQLSession';
import type {
  CatalogsRequest,
  ColumnsRequest,
  CrossReferenceRequest,
  ExecuteStatementOptions,
  FunctionsRequest,
  PrimaryKeysRequest,
  SchemasRequest,
  TablesRequest,
  TableTypesRequest,
  TypeInfoRequest,
} from './contracts/IDBSQLSession';
import type IOperation from './contracts/IOperation';
import DBSQLOperation from './DBSQLOperation';
import { sluiceParameters } from './DBSQLParameter';
import Status from './dto/Status';
import { translated } from './error-mapping';
import HiveDriverError from './errors/HiveDriverError';
import ParameterError from './errors/ParameterError';
import { columnExtras, LAYOUTS, type Layout, layoutColumns, shaped, tableExtras } from './metadata-rows';
import { queryTags } from './query-tags';
import { CursorSource, RowsSource } from './source';

type Row = Record<string, unknown>;

/** A count as @databricks/sql takes it: number, bigint or node-int64. */
function count(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n =
    typeof value === 'object' && typeof (value as { toNumber?: unknown }).toNumber === 'function'
      ? (value as { toNumber(): number }).toNumber()
      : Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new ParameterError(`${what} must be a non-negative integer`);
  return n;
}

export default class DBSQLSession implements IDBSQLSession {
  /** sluice keeps the warehouse's session id inside its engine: this one names the session here. */
  readonly id = randomUUID();
  private readonly operations = new Set<DBSQLOperation>();
  private closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly maxRetries: number,
    private readonly onClose: (session: DBSQLSession) => void,
  ) {}

  private run<T>(work: () => Promise<T>): Promise<T> {
    return translated(this.maxRetries, async () => {
      if (this.closed) throw new HiveDriverError('The session was closed or has expired');
      return work();
    });
  }

  private track(source: CursorSource | RowsSource): DBSQLOperation {
    const operation = new DBSQLOperation(source, this.maxRetries, (o) => this.operations.delete(o));
    this.operations.add(operation);
    return operation;
  }

  async executeStatement(statement: string, options: ExecuteStatementOptions = {}): Promise<IOperation> {
    return this.run(async () => {
      const params = sluiceParameters(options.namedParameters, options.ordinalParameters);
      const timeoutSecs = count(options.queryTimeout, 'queryTimeout');
      count(options.maxRows, 'maxRows');
      const execute: ExecuteOptions = {};
      if (timeoutSecs) execute.timeout = timeoutSecs * 1000;
      if (options.rowLimit !== undefined) execute.rowLimit = count(options.rowLimit, 'rowLimit');
      const tags = queryTags(options.queryTags);
      if (tags) execute.queryTags = tags;
      const cursor = this.connection.cursor<Row>();
      const source = new CursorSource(cursor, cursor.execute(statement, params, execute));
      const operation = this.track(source);
      // Their kernel path's default: resolve once the statement finished, raising its failure here.
      if (!options.runAsync) {
        try {
          await source.ready;
        } catch (e) {
          await operation.close().catch(() => undefined);
          throw e;
        }
      }
      return operation;
    });
  }

  /** An operation over metadata rows, shaped to `layout`. */
  private rows(layout: Layout, rows: readonly object[], derive?: (row: Row) => Row): IOperation {
    return this.track(new RowsSource(shaped(layout, rows, derive), layoutColumns(layout)));
  }

  async getCatalogs(_request: CatalogsRequest = {}): Promise<IOperation> {
    return this.run(async () => this.rows(LAYOUTS.catalogs, await this.connection.catalogs()));
  }

  async getSchemas(request: SchemasRequest = {}): Promise<IOperation> {
    return this.run(async () =>
      this.rows(
        LAYOUTS.schemas,
        await this.connection.schemas({ catalog: request.catalogName, schemaPattern: request.schemaName }),
      ),
    );
  }

  async getTables(request: TablesRequest = {}): Promise<IOperation> {
    return this.run(async () =>
      this.rows(
        LAYOUTS.tables,
        await this.connection.tables({
          catalog: request.catalogName,
          schemaPattern: request.schemaName,
          tableNamePattern: request.tableName,
          tableTypes: request.tableTypes,
        }),
        tableExtras,
      ),
    );
  }

  /** The catalog a request names, else the session's current one, as their server assumes. */
  private async catalogOf(name: string | undefined): Promise<string> {
    if (name) return name;
    const cursor = this.connection.cursor<{ c: string }>();
    try {
      await cursor.execute('SELECT current_catalog() AS c');
      const row = await cursor.fetchone();
      if (!row) throw new HiveDriverError('the warehouse did not name its current catalog');
      return row.c;
    } finally {
      await cursor.close();
    }
  }

  async getColumns(request: ColumnsRequest = {}): Promise<IOperation> {
    return this.run(async () => {
      const rows = await this.connection.columns({
        catalog: await this.catalogOf(request.catalogName),
        schemaPattern: request.schemaName,
        tableNamePattern: request.tableName,
        columnNamePattern: request.columnName,
      });
      return this.rows(LAYOUTS.columns, rows, columnExtras);
    });
  }

  async getTableTypes(_request: TableTypesRequest = {}): Promise<IOperation> {
    return this.run(async () => this.rows(LAYOUTS.tableTypes, await this.connection.tableTypes()));
  }

  async getTypeInfo(_request: TypeInfoRequest = {}): Promise<IOperation> {
    return this.run(async () => this.rows(LAYOUTS.typeInfo, await this.connection.typeInfo()));
  }

  async getFunctions(request: FunctionsRequest): Promise<IOperation> {
    return this.run(async () => {
      if (typeof request?.functionName !== 'string') throw new ParameterError('getFunctions needs functionName');
      const rows = await this.connection.functions({
        catalog: await this.catalogOf(request.catalogName),
        schemaPattern: request.schemaName,
        functionNamePattern: request.functionName,
      });
      return this.rows(LAYOUTS.functions, rows);
    });
  }

  async getPrimaryKeys(request: PrimaryKeysRequest): Promise<IOperation> {
    return this.run(async () => {
      if (typeof request?.schemaName !== 'string' || typeof request.tableName !== 'string') {
        throw new ParameterError('getPrimaryKeys needs schemaName and tableName');
      }
      const rows = await this.connection.primaryKeys({
        catalog: await this.catalogOf(request.catalogName),
        schema: request.schemaName,
        table: request.tableName,
      });
      return this.rows(LAYOUTS.primaryKeys, rows);
    });
  }

  async getCrossReference(request: CrossReferenceRequest): Promise<IOperation> {
    return this.run(async () => {
      const rows = await this.connection.crossReference({
        parentCatalog: request.parentCatalogName,
        parentSchema: request.parentSchemaName,
        parentTable: request.parentTableName,
        foreignCatalog: request.foreignCatalogName,
        foreignSchema: request.foreignSchemaName,
        foreignTable: request.foreignTableName,
      });
      return this.rows(LAYOUTS.crossReference, rows);
    });
  }

  /** @databricks/sql's getInfo answers from its Thrift server; the drop-in has no such call. */
  async getInfo(infoType: number): Promise<never> {
    throw new HiveDriverError(`getInfo(${infoType}) is not supported by the sluice drop-in`);
  }

  /** Closes its operations, then the warehouse session. Idempotent. */
  async close(): Promise<Status> {
    if (this.closed) return Status.success();
    this.closed = true;
    this.onClose(this);
    await Promise.allSettled([...this.operations].map((o) => o.close()));
    await translated(this.maxRetries, () => this.connection.close());
    return Status.success();
  }
}
