/**
 * The benchmark workloads. Each runs against a local warehouse through the public API with one
 * backend and returns what it moved; timing and resource use are measured around it.
 */

import { type ConnectOptions, type Cursor, connect } from '#dist/index';
import type { Reference } from './report';

export interface Moved {
  rows: number;
  /** Bytes of Arrow data delivered (the record batches' buffers). */
  bytes: number;
  /** Per-operation latencies, for workloads made of many small operations. */
  latenciesMs?: number[];
  /**
   * Time from `execute` resolving to the last row: the client's own work on a finished result
   * (downloads, decoding, building rows), without the warehouse computing it.
   */
  fetchMs?: number;
}

export interface Workload {
  name: string;
  description: string;
  /** Flags for the warehouse this workload needs. */
  warehouseArgs: string[];
  /** How many times the runner repeats it (the report gives the median). */
  repeats: number;
  run(options: ConnectOptions): Promise<Moved>;
}

/**
 * Runs `sql`, times `read` from `execute` resolving to its end (the fetch time), and reports
 * what `measure` finds in its result.
 */
async function fetchOf<T>(
  options: ConnectOptions,
  sql: string,
  read: (cursor: Cursor) => Promise<T>,
  measure: (result: T) => { rows: number; bytes: number },
): Promise<Moved> {
  const connection = await connect(options);
  const cursor = connection.cursor();
  await cursor.execute(sql);
  const fetching = performance.now();
  const result = await read(cursor);
  const fetchMs = performance.now() - fetching;
  await connection.close();
  return { ...measure(result), fetchMs };
}

const rowCount = (rows: unknown[]) => ({ rows: rows.length, bytes: 0 });

const rowsOf = (options: ConnectOptions, sql: string) => fetchOf(options, sql, (cursor) => cursor.fetchall(), rowCount);

const iterate = (options: ConnectOptions, sql: string) =>
  fetchOf(
    options,
    sql,
    async (cursor) => {
      let rows = 0;
      for await (const _row of cursor) rows++;
      return rows;
    },
    (rows) => ({ rows, bytes: 0 }),
  );

const arrowOf = (options: ConnectOptions, sql: string) =>
  fetchOf(
    options,
    sql,
    (cursor) => cursor.fetchArrow(),
    (table) => {
      let bytes = 0;
      for (const batch of table.batches) for (const child of batch.data.children) bytes += dataBytes(child);
      return { rows: table.numRows, bytes };
    },
  );

function dataBytes(data: import('apache-arrow').Data): number {
  let n = data.values?.byteLength ?? 0;
  n += data.valueOffsets?.byteLength ?? 0;
  n += data.nullBitmap?.byteLength ?? 0;
  for (const child of data.children) n += dataBytes(child);
  return n;
}

/**
 * Row objects built the way pure-TS Arrow drivers commonly build them: apache-arrow's row proxies,
 * each turned into a plain object. For FOUR_NUMERIC this gives the same values as `fetchall()`
 * (bigint, bigint, number, bigint), so it is a like-for-like reference for the row builder.
 */
const proxyRowsOf = (options: ConnectOptions, sql: string) =>
  fetchOf(options, sql, async (cursor) => (await cursor.fetchArrow()).toArray().map((row) => row.toJSON()), rowCount);

const FOUR_NUMERIC =
  'SELECT id, id * 2 AS twice, CAST(id AS DOUBLE) / 7 AS ratio, id % 1000 AS bucket FROM range(1000000)';
const LINEITEM = 'SELECT * FROM samples.tpch.lineitem';
/** Warehouse flags for a result of up to 128 MiB in one inline attachment. */
const ONE_ATTACHMENT = [
  '--inline-limit',
  String(128 << 20),
  '--chunk-rows',
  '2000000',
  '--chunk-bytes',
  String(256 << 20),
];

/**
 * Comparisons across workloads, within one run: the native backend's `fetchall()` against the ts
 * backend building rows with the pure-TS idiom, which is what a pure-TS driver would give.
 */
export const REFERENCES: Reference[] = [{ native: 'rows-1m-x4-inline', ts: 'rows-1m-x4-arrow-proxies' }];

export const WORKLOADS: Workload[] = [
  {
    name: 'select-1-latency',
    description: 'SELECT 1, execute to first row, 50 times on one connection',
    warehouseArgs: [],
    repeats: 3,
    async run(options) {
      const connection = await connect(options);
      const cursor = connection.cursor();
      const latenciesMs: number[] = [];
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        await cursor.execute('SELECT 1');
        await cursor.fetchone();
        latenciesMs.push(performance.now() - started);
      }
      await connection.close();
      return { rows: 50, bytes: 0, latenciesMs };
    },
  },
  {
    name: 'rows-1m-x4-inline',
    description: 'fetchall() of 1M rows x 4 numeric columns as row objects, one inline attachment',
    warehouseArgs: ONE_ATTACHMENT,
    repeats: 3,
    run: (options) => rowsOf(options, FOUR_NUMERIC),
  },
  {
    name: 'rows-1m-x4-arrow-proxies',
    description:
      'reference, not a driver path: fetchArrow() of the same 1M x 4 result, then `table.toArray().map(r => r.toJSON())`, the row idiom of pure-TS Arrow drivers',
    warehouseArgs: ONE_ATTACHMENT,
    repeats: 3,
    run: (options) => proxyRowsOf(options, FOUR_NUMERIC),
  },
  {
    name: 'arrow-1m-x4-inline',
    description: 'fetchArrow() of 1M rows x 4 numeric columns, one inline attachment',
    warehouseArgs: ONE_ATTACHMENT,
    repeats: 3,
    run: (options) => arrowOf(options, FOUR_NUMERIC),
  },
  {
    name: 'rows-1m-x4-links',
    description: 'fetchall() of 1M rows x 4 numeric columns through LZ4 links (100k-row chunks)',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '100000'],
    repeats: 3,
    run: (options) => rowsOf(options, FOUR_NUMERIC),
  },
  {
    name: 'rows-1m-x4-iterate',
    description:
      'for await over 1M rows x 4 numeric columns in one 1M-row chunk, one row at a time (rows are built as they are taken)',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '2000000', '--chunk-bytes', String(256 << 20)],
    repeats: 3,
    run: (options) => iterate(options, FOUR_NUMERIC),
  },
  {
    name: 'lineitem-arrow-links',
    description: 'fetchArrow() of TPC-H lineitem (scale 1, 6M rows x 16 columns) through LZ4 links',
    warehouseArgs: ['--tpch-scale', '1', '--inline-limit', '0', '--chunk-rows', '200000'],
    repeats: 3,
    run: (options) => arrowOf(options, LINEITEM),
  },
  {
    name: 'lineitem-rows-links',
    description:
      'fetchall() of TPC-H lineitem (scale 0.25, 1.5M rows x 16 columns: keys, decimals, dates, text) as row objects through LZ4 links',
    warehouseArgs: ['--tpch-scale', '0.25', '--inline-limit', '0', '--chunk-rows', '100000'],
    repeats: 3,
    run: (options) => rowsOf(options, LINEITEM),
  },
  {
    name: 'concurrent-8',
    description: '8 concurrent queries of 100k rows each (row objects), one connection',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '50000'],
    repeats: 3,
    run: (options) => concurrent(options, 8),
  },
  {
    name: 'concurrent-32',
    description: '32 concurrent queries of 100k rows each (row objects), one connection',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '50000'],
    repeats: 3,
    run: (options) => concurrent(options, 32),
  },
  {
    name: 'metadata',
    description: 'catalogs, schemas, tables and columns of samples.tpch, 10 rounds',
    warehouseArgs: ['--tpch-scale', '0.01'],
    repeats: 3,
    async run(options) {
      const connection = await connect(options);
      let rows = 0;
      const latenciesMs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        rows += (await connection.catalogs()).length;
        rows += (await connection.schemas({ catalog: 'samples' })).length;
        rows += (await connection.tables({ catalog: 'samples', schemaPattern: 'tpch' })).length;
        rows += (await connection.columns({ catalog: 'samples', schemaPattern: 'tpch' })).length;
        latenciesMs.push(performance.now() - started);
      }
      await connection.close();
      return { rows, bytes: 0, latenciesMs };
    },
  },
];

/** The warehouse of sluice's connect options, as @databricks/sql's connect options (either driver). */
function dbsqlOptions(options: ConnectOptions) {
  // `host:port` in `host`: @databricks/sql's kernel path ignores `port`.
  return {
    host: new URL(options.host).host,
    path: options.httpPath,
    token: options.token as string,
    ...(options.caPem ? { customCaCert: options.caPem } : {}),
  };
}

/**
 * `fetchAll()` through @databricks/sql's API: the sluice drop-in for the native column, and
 * @databricks/sql 2.1 itself on its Rust kernel (`useKernel: true`) for the ts column, so the
 * table's ratio is the drop-in against the driver it replaces, measured in one run.
 */
async function dbsqlFetchAll(options: ConnectOptions, sql: string): Promise<Moved> {
  const client =
    options.backend === 'ts'
      ? // Their logger writes to stdout, where the runner reads the measurement; telemetry is off.
        await new (await import('@databricks/sql')).DBSQLClient({ logger: { log: () => undefined } }).connect({
          ...dbsqlOptions(options),
          useKernel: true,
          telemetryEnabled: false,
        } as Parameters<import('@databricks/sql').DBSQLClient['connect']>[0])
      : await new (await import('#dist/databricks-sql/index')).DBSQLClient().connect(dbsqlOptions(options));
  const session = await client.openSession();
  const operation = await session.executeStatement(sql);
  const fetching = performance.now();
  const rows = await operation.fetchAll();
  const fetchMs = performance.now() - fetching;
  await operation.close();
  await session.close();
  await client.close();
  return { rows: rows.length, bytes: 0, fetchMs };
}

WORKLOADS.push(
  {
    name: 'dbsql-rows-1m-x4',
    description:
      'fetchAll() of 1M rows x 4 numeric columns through the @databricks/sql API: native = sluice/databricks-sql, ts = @databricks/sql 2.1 with useKernel',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '100000'],
    repeats: 3,
    run: (options) => dbsqlFetchAll(options, FOUR_NUMERIC),
  },
  {
    name: 'dbsql-lineitem-rows',
    description:
      'fetchAll() of TPC-H lineitem (scale 0.25, 1.5M rows x 16 columns) through the @databricks/sql API: native = sluice/databricks-sql, ts = @databricks/sql 2.1 with useKernel',
    warehouseArgs: ['--tpch-scale', '0.25', '--inline-limit', '0', '--chunk-rows', '100000'],
    repeats: 3,
    run: (options) => dbsqlFetchAll(options, LINEITEM),
  },
);

async function concurrent(options: ConnectOptions, n: number): Promise<Moved> {
  const connection = await connect(options);
  const counts = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const cursor = connection.cursor();
      await cursor.execute(`SELECT id, id + ${i} AS shifted FROM range(100000)`);
      return (await cursor.fetchall()).length;
    }),
  );
  await connection.close();
  return { rows: counts.reduce((a, b) => a + b, 0), bytes: 0 };
}
