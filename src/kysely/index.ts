/**
 * `sluice/kysely`: a Kysely dialect for Databricks SQL. Kysely is an optional peer dependency:
 * only this entry point loads it.
 */

export { AbortSignalPlugin } from './abort';
export { DatabricksAdapter, type MigrationLockSettings } from './adapter';
export { DatabricksDialect, type DatabricksDialectConfig } from './dialect';
export { DatabricksConnection, DatabricksDriver, type DatabricksDriverConfig } from './driver';
export { DatabricksIntrospector, type IntrospectionSource } from './introspector';
export { DatabricksQueryCompiler } from './query-compiler';
