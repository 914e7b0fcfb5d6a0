/**
 * Kysely's driver over sluice: a pool of sluice connections (one warehouse session each), each
 * query on a fresh cursor of one of them, parameters bound by the warehouse.
 */

import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';
import type { ExecuteOptions } from '../call-options';
import { type Connection, connect } from '../connection';
import type { Cursor } from '../cursor';
import { NotSupportedError, programmingError } from '../errors';
import type { ConnectOptions } from '../options';
import type { ParamValue } from '../params';
import { signalOf } from './abort';
import { Pool } from './pool';

export interface DatabricksDriverConfig {
  connect: ConnectOptions | (() => ConnectOptions | Promise<ConnectOptions>);
  poolSize: number;
  onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;
}

/** The rows Kysely builds DML results from; Databricks answers them with one count row. */
const DML_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/** Rows handed to a streaming caller per chunk when Kysely gives no size. */
const DEFAULT_CHUNK_ROWS = 100;

type Row = Record<string, unknown>;

/** Databricks' count row (`num_affected_rows`, ...) of a DML statement, as a bigint. */
function affectedRows(rows: Row[]): bigint | undefined {
  const count = rows.length === 1 ? rows[0].num_affected_rows : undefined;
  return typeof count === 'bigint' ? count : undefined;
}

function transactionsUnsupported(): NotSupportedError {
  return new NotSupportedError(
    'Databricks SQL warehouses do not support transactions across statements: run the statements without db.transaction()',
    { code: 'NotSupported' },
  );
}

/** One warehouse session serving Kysely, one statement at a time. */
export class DatabricksConnection implements DatabaseConnection {
  readonly #connection: Connection;
  /** The cursor of the statement running now: what cancelQuery cancels. */
  #running: Cursor<Row> | null = null;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** The sluice connection under this one (for what Kysely does not cover, e.g. Arrow results). */
  get connection(): Connection {
    return this.#connection;
  }

  private async start(compiledQuery: CompiledQuery, signal: AbortSignal | undefined): Promise<Cursor<Row>> {
    const cursor = this.#connection.cursor<Row>();
    this.#running = cursor;
    const options: ExecuteOptions = {};
    const given = signal ?? signalOf(compiledQuery.queryId);
    if (given) options.signal = given;
    try {
      // Kysely's values go to the warehouse as positional parameters; sluice refuses (with a
      // ProgrammingError naming the parameter) any it cannot bind.
      await cursor.execute(sql(compiledQuery), compiledQuery.parameters as readonly ParamValue[], options);
      return cursor;
    } catch (e) {
      await this.finish(cursor);
      throw e;
    }
  }

  private async finish(cursor: Cursor<Row>): Promise<void> {
    if (this.#running === cursor) this.#running = null;
    await cursor.close();
  }

  async executeQuery<R>(compiledQuery: CompiledQuery, options?: { signal?: AbortSignal }): Promise<QueryResult<R>> {
    const cursor = await this.start(compiledQuery, options?.signal);
    try {
      if (cursor.description === null) return { rows: [] };
      const rows = await cursor.fetchall();
      const numAffectedRows = affectedRows(rows);
      // EXPLAIN of a DML statement returns the plan: rows, not a count.
      const explained = 'explain' in compiledQuery.query && compiledQuery.query.explain !== undefined;
      if (DML_NODES.has(compiledQuery.query.kind) && !explained) return { numAffectedRows, rows: [] };
      // A raw statement keeps its rows; a DML one also reports its count.
      const isCount = cursor.description[0]?.[0] === 'num_affected_rows';
      return isCount && numAffectedRows !== undefined ? { numAffectedRows, rows: rows as R[] } : { rows: rows as R[] };
    } finally {
      await this.finish(cursor);
    }
  }

  /**
   * Rows in chunks of `chunkSize`, pulled through the cursor as they are asked for: sluice keeps
   * at most the download budget of Arrow data ahead, so memory stays flat however many rows.
   * Ending the iteration early closes the statement on the warehouse.
   */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize: number = DEFAULT_CHUNK_ROWS,
    options?: { signal?: AbortSignal },
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw programmingError(`chunkSize must be a positive integer, got ${String(chunkSize)}`);
    }
    const cursor = await this.start(compiledQuery, options?.signal);
    try {
      if (cursor.description === null) return;
      for (;;) {
        const rows = await cursor.fetchmany(chunkSize);
        if (rows.length === 0) return;
        yield { rows: rows as R[] };
      }
    } finally {
      await this.finish(cursor);
    }
  }

  /** Cancels the statement running on this connection, on the warehouse; returns at once. */
  async cancelQuery(_controlConnectionProvider?: unknown): Promise<void> {
    this.#running?.cancel();
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }
}

/** The SQL text as Kysely compiled it; an empty statement is a caller's mistake worth naming. */
function sql(compiledQuery: CompiledQuery): string {
  if (compiledQuery.sql.trim() === '') throw programmingError('the compiled query is empty');
  return compiledQuery.sql;
}

export class DatabricksDriver implements Driver {
  readonly #config: DatabricksDriverConfig;
  #pool: Pool<DatabricksConnection> | undefined;

  constructor(config: DatabricksDriverConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const config = this.#config;
    this.#pool = new Pool<DatabricksConnection>(config.poolSize, {
      create: async () => {
        const options = typeof config.connect === 'function' ? await config.connect() : config.connect;
        const connection = new DatabricksConnection(await connect(options));
        try {
          await config.onCreateConnection?.(connection);
        } catch (e) {
          await connection.close();
          throw e;
        }
        return connection;
      },
      destroy: (c) => c.close(),
      usable: (c) => !c.connection.isClosed,
    });
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#pool) throw programmingError('the driver was not initialised');
    return this.#pool.acquire();
  }

  async beginTransaction(_connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    throw transactionsUnsupported();
  }

  async commitTransaction(_connection: DatabaseConnection): Promise<void> {
    throw transactionsUnsupported();
  }

  async rollbackTransaction(_connection: DatabaseConnection): Promise<void> {
    throw transactionsUnsupported();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#pool?.release(connection as DatabricksConnection);
  }

  async destroy(): Promise<void> {
    await this.#pool?.destroy();
  }
}
