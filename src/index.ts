/**
 * sluice: a Databricks SQL driver for Node.js in the shape of PEP 249, with a Rust engine.
 */

export type { ExecuteOptions, FetchOptions } from './call-options';
export { Connection, connect } from './connection';
export { Cursor } from './cursor';
export type { ColumnDescription } from './description';
export {
  DatabaseError,
  DataError,
  type ErrorCode,
  IntegrityError,
  InterfaceError,
  InternalError,
  NotSupportedError,
  OperationalError,
  ProgrammingError,
  SluiceError as Error,
  SluiceError,
  Warning,
} from './errors';
export type { LocalWarehouse, StartOptions, WarehouseInfo } from './local-warehouse';
export { startLocalWarehouse } from './local-warehouse';
export type {
  CatalogRow,
  ColumnRow,
  ColumnsQuery,
  CrossReferenceQuery,
  ForeignKeyRow,
  FunctionRow,
  FunctionsQuery,
  PrimaryKeyRow,
  SchemaRow,
  SchemasQuery,
  TableQuery,
  TableRow,
  TablesQuery,
  TableTypeRow,
  TypeInfoRow,
} from './metadata';
export type { ConnectOptions } from './options';
export { OptionsError } from './options';
export type { Params, ParamValue } from './params';
export { TypedValue, typed } from './params';
export { BINARY, DATETIME, NUMBER, ROWID, STRING, TypeObject } from './type-objects';

/** PEP 249 module globals. */
export const apilevel = '2.0';
export const threadsafety = 1;
export const paramstyle = 'named';
