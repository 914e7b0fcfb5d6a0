/** The Kysely dialect for Databricks SQL: `new Kysely<DB>({ dialect: new DatabricksDialect({ connect }) })`. */

import type { DatabaseConnection, DatabaseIntrospector, Dialect, Driver, Kysely, QueryCompiler } from 'kysely';
import { programmingError } from '../errors';
import type { ConnectOptions } from '../options';
import { isPlainObject } from '../plain-object';
import { DatabricksAdapter } from './adapter';
import { DatabricksDriver } from './driver';
import { DatabricksIntrospector, type IntrospectionSource } from './introspector';
import { DatabricksQueryCompiler } from './query-compiler';

export interface DatabricksDialectConfig {
  /**
   * sluice's `connect()` options (host, httpPath, credentials, catalog, schema, ...), or a
   * function returning them, called for every new session.
   */
  connect: ConnectOptions | (() => ConnectOptions | Promise<ConnectOptions>);
  /** Sessions kept open at most; queries beyond that wait for one (default 4). */
  poolSize?: number;
  /** Called once for every new session, e.g. to run `USE SCHEMA`. */
  onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;
  /**
   * Where the introspector reads tables: Unity Catalog's `information_schema`, the SHOW
   * commands (`hive_metastore` has no information_schema), or `auto` (default): the first,
   * falling back to the second.
   */
  introspection?: IntrospectionSource;
  /** How long `Migrator` waits for a migration lock another run holds (default 60000 ms). */
  migrationLockTimeoutMs?: number;
}

const KNOWN = ['connect', 'poolSize', 'onCreateConnection', 'introspection', 'migrationLockTimeoutMs'];
const SOURCES: readonly IntrospectionSource[] = ['auto', 'information_schema', 'show'];
const MAX_POOL = 64;

function checkConfig(config: DatabricksDialectConfig): void {
  if (!isPlainObject(config)) throw programmingError('DatabricksDialect needs a config object');
  for (const key of Object.keys(config)) {
    if (!KNOWN.includes(key))
      throw programmingError(`unknown DatabricksDialect option "${key}" (known: ${KNOWN.join(', ')})`);
  }
  const { connect, poolSize, onCreateConnection, introspection, migrationLockTimeoutMs } = config;
  if (typeof connect !== 'function' && !isPlainObject(connect)) {
    throw programmingError('DatabricksDialect option "connect" must be connect() options or a function returning them');
  }
  // Kysely reads rows as objects keyed by column name.
  if (isPlainObject(connect) && (connect as ConnectOptions).rowMode === 'array') {
    throw programmingError('DatabricksDialect needs rows as objects: leave out rowMode: "array"');
  }
  if (poolSize !== undefined && !(Number.isInteger(poolSize) && poolSize >= 1 && poolSize <= MAX_POOL)) {
    throw programmingError(
      `DatabricksDialect option "poolSize" must be an integer from 1 to ${MAX_POOL}, got ${String(poolSize)}`,
    );
  }
  if (onCreateConnection !== undefined && typeof onCreateConnection !== 'function') {
    throw programmingError('DatabricksDialect option "onCreateConnection" must be a function');
  }
  if (introspection !== undefined && !SOURCES.includes(introspection)) {
    throw programmingError(`DatabricksDialect option "introspection" must be one of ${SOURCES.join(', ')}`);
  }
  if (
    migrationLockTimeoutMs !== undefined &&
    !(Number.isInteger(migrationLockTimeoutMs) && migrationLockTimeoutMs >= 0)
  ) {
    throw programmingError('DatabricksDialect option "migrationLockTimeoutMs" must be a non-negative integer');
  }
}

export class DatabricksDialect implements Dialect {
  readonly #config: DatabricksDialectConfig;

  constructor(config: DatabricksDialectConfig) {
    checkConfig(config);
    this.#config = { ...config };
  }

  createDriver(): Driver {
    const { connect, poolSize = 4, onCreateConnection } = this.#config;
    return new DatabricksDriver({ connect, poolSize, onCreateConnection });
  }

  createQueryCompiler(): QueryCompiler {
    return new DatabricksQueryCompiler();
  }

  createAdapter(): DatabricksAdapter {
    const timeoutMs = this.#config.migrationLockTimeoutMs ?? 60_000;
    return new DatabricksAdapter({ timeoutMs, retryMs: Math.min(1000, Math.max(50, timeoutMs / 10)) });
  }

  /** `db` is typed `unknown` for ESM consumers, whose Kysely class is not the CommonJS one. */
  createIntrospector(db: unknown): DatabaseIntrospector {
    return new DatabricksIntrospector(db as Kysely<unknown>, this.#config.introspection ?? 'auto');
  }
}
