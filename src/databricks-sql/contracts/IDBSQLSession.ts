import type { DBSQLParameter, DBSQLParameterValue } from '../DBSQLParameter';
import type Status from '../dto/Status';
import type IOperation from './IOperation';

/** A count as @databricks/sql takes it (node-int64 values give their number). */
type Count = number | bigint | { toNumber(): number };

export type ExecuteStatementOptions = {
  /** Seconds; the statement is cancelled on the warehouse when they pass (OperationStateError TIMEOUT). */
  queryTimeout?: Count;
  /** `true` resolves at once, before the statement finishes; fetches then wait for it. */
  runAsync?: boolean;
  /** The first page's size in @databricks/sql; accepted, results are not capped by it. */
  maxRows?: Count | null;
  /** Accepted and ignored: sluice chooses inline results or links, and LZ4, itself. */
  useCloudFetch?: boolean;
  useLZ4Compression?: boolean;
  stagingAllowedLocalPath?: string | string[];
  namedParameters?: Record<string, DBSQLParameter | DBSQLParameterValue>;
  ordinalParameters?: Array<DBSQLParameter | DBSQLParameterValue>;
  queryTags?: Record<string, string | null | undefined>;
  /** Server-side row cap. */
  rowLimit?: number;
  statementConf?: Record<string, string>;
};

interface Paged {
  /** @deprecated accepted and ignored, as in @databricks/sql. */
  runAsync?: boolean;
  maxRows?: Count | null;
}

export type TypeInfoRequest = Paged;
export type CatalogsRequest = Paged;
export type TableTypesRequest = Paged;
export type SchemasRequest = Paged & { catalogName?: string; schemaName?: string };
export type TablesRequest = Paged & {
  catalogName?: string;
  schemaName?: string;
  tableName?: string;
  tableTypes?: string[];
};
export type ColumnsRequest = Paged & {
  catalogName?: string;
  schemaName?: string;
  tableName?: string;
  columnName?: string;
};
export type FunctionsRequest = Paged & { catalogName?: string; schemaName?: string; functionName: string };
export type PrimaryKeysRequest = Paged & { catalogName?: string; schemaName: string; tableName: string };
export type CrossReferenceRequest = Paged & {
  parentCatalogName: string;
  parentSchemaName: string;
  parentTableName: string;
  foreignCatalogName: string;
  foreignSchemaName: string;
  foreignTableName: string;
};

export default interface IDBSQLSession {
  readonly id: string;
  executeStatement(statement: string, options?: ExecuteStatementOptions): Promise<IOperation>;
  getTypeInfo(request?: TypeInfoRequest): Promise<IOperation>;
  getCatalogs(request?: CatalogsRequest): Promise<IOperation>;
  getSchemas(request?: SchemasRequest): Promise<IOperation>;
  getTables(request?: TablesRequest): Promise<IOperation>;
  getTableTypes(request?: TableTypesRequest): Promise<IOperation>;
  getColumns(request?: ColumnsRequest): Promise<IOperation>;
  getFunctions(request: FunctionsRequest): Promise<IOperation>;
  getPrimaryKeys(request: PrimaryKeysRequest): Promise<IOperation>;
  getCrossReference(request: CrossReferenceRequest): Promise<IOperation>;
  close(): Promise<Status>;
}
