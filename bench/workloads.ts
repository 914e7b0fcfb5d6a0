/**
 * The benchmark workloads. Each runs against a local warehouse through one driver's session
 * (bench/drivers.ts) and returns what it moved; timing and resource use are measured around it.
 */

import type { Data, RecordBatch } from 'apache-arrow';
import { Checksum } from './checksum';
import type { Read, Result, Session } from './drivers';

export interface Moved {
  /** Bytes of Arrow data delivered (the record batches' buffers). */
  bytes: number;
  /** Per-operation latencies, for workloads made of many small operations. */
  latenciesMs?: number[];
  /**
   * Time from `execute` resolving to the last row: the client's own work on a finished result
   * (downloads, decoding, building rows), without the warehouse computing it.
   */
  fetchMs?: number;
  /**
   * The checksum of the values (bench/checksum.ts), computed after the timing stops for results
   * held whole; streamed results are summed as they pass, and the time that takes (its
   * `spentMs`) is taken out of the timings.
   */
  checksum(): Checksum;
}

export interface Workload {
  name: string;
  description: string;
  /** Flags for the warehouse this workload needs. */
  warehouseArgs: string[];
  /** How many times the runner repeats it per driver (the report gives the median). */
  repeats: number;
  /** A V8 heap limit above Node's default (4 GiB here), for results held whole that need it. */
  heapMiB?: number;
  /** How it reads results: drivers that cannot read that way are left out, with their reason. */
  reads: Read;
  /**
   * The statements it runs, as data: `run` gets them, and bench/py_child.py is handed them too,
   * so the Python peer runs the very same SQL.
   */
  sql: string[];
  run(open: () => Promise<Session>, sql: string[]): Promise<Moved>;
}

/**
 * Runs `sql` on a fresh session and times `read` from `execute` resolving to its end (the fetch
 * time). `read` may sum values as they stream past; `after` sums what it kept, untimed.
 */
async function fetchOf<T>(
  open: () => Promise<Session>,
  sql: string,
  read: (result: Result, checksum: Checksum) => Promise<T>,
  after: (value: T, checksum: Checksum) => void = () => undefined,
): Promise<Moved & { value: T }> {
  const session = await open();
  const result = await session.execute(sql);
  const checksum = new Checksum();
  const fetching = performance.now();
  const value = await read(result, checksum);
  const fetchMs = performance.now() - fetching - checksum.spentMs;
  await result.close();
  await session.close();
  return {
    value,
    bytes: 0,
    fetchMs,
    checksum() {
      after(value, checksum);
      return checksum;
    },
  };
}

const allRows = (open: () => Promise<Session>, sql: string) =>
  fetchOf(
    open,
    sql,
    (result) => result.all(),
    (rows, checksum) => checksum.rows(rows),
  );

async function wholeTable(open: () => Promise<Session>, sql: string): Promise<Moved> {
  const moved = await fetchOf(
    open,
    sql,
    (result) => result.table(),
    (table, checksum) => checksum.table(table),
  );
  return { ...moved, bytes: moved.value.batches.reduce((n, batch) => n + batchBytes(batch), 0) };
}

/** Rows taken one at a time as the driver streams them, summed as they pass. */
const streamedRows = (open: () => Promise<Session>, sql: string) =>
  fetchOf(open, sql, async (result, checksum) => {
    // Summed a block at a time, so the timing around the sums costs little per row.
    let block: object[] = [];
    for await (const row of result.each()) {
      block.push(row);
      if (block.length === 8192) {
        checksum.timed(() => checksum.rows(block));
        block = [];
      }
    }
    checksum.timed(() => checksum.rows(block));
  });

/** Arrow batches taken as the driver streams them, summed as they pass, none kept. */
async function streamedBatches(open: () => Promise<Session>, sql: string): Promise<Moved> {
  const moved = await fetchOf(open, sql, async (result, checksum) => {
    let bytes = 0;
    for await (const batch of result.batches()) {
      checksum.timed(() => checksum.batch(batch));
      bytes += batchBytes(batch);
    }
    return bytes;
  });
  return { ...moved, bytes: moved.value };
}

const batchBytes = (batch: RecordBatch) => batch.data.children.reduce((n, child) => n + dataBytes(child), 0);

function dataBytes(data: Data): number {
  let n = data.values?.byteLength ?? 0;
  n += data.valueOffsets?.byteLength ?? 0;
  n += data.nullBitmap?.byteLength ?? 0;
  for (const child of data.children) n += dataBytes(child);
  return n;
}

/** Every statement of `sql` in flight at once on one session. */
async function concurrent(open: () => Promise<Session>, sql: string[]): Promise<Moved> {
  const session = await open();
  const results = await Promise.all(
    sql.map(async (text) => {
      const result = await session.execute(text);
      const rows = await result.all();
      await result.close();
      return rows;
    }),
  );
  await session.close();
  return {
    bytes: 0,
    checksum() {
      const checksum = new Checksum();
      for (const rows of results) checksum.rows(rows);
      return checksum;
    },
  };
}

/**
 * `sql` to its row, `n` times on one open session: each latency from `execute` to the row, the
 * statement closed after, untimed.
 */
async function select1(open: () => Promise<Session>, sql: string, n: number): Promise<Moved> {
  const session = await open();
  const checksum = new Checksum();
  const latenciesMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const result = await session.execute(sql);
    const rows = await result.all();
    latenciesMs.push(performance.now() - started);
    checksum.rows(rows);
    await result.close();
  }
  await session.close();
  return { bytes: 0, latenciesMs, checksum: () => checksum };
}

const FOUR_NUMERIC =
  'SELECT id, id * 2 AS twice, CAST(id AS DOUBLE) / 7 AS ratio, id % 1000 AS bucket FROM range(1000000)';
const TEN_MILLION = 'SELECT id FROM range(10000000)';
const LINEITEM = 'SELECT * FROM samples.tpch.lineitem';
const SELECT_1 = 'SELECT 1';
/** 32 queries of 100k rows x 2, each shifted by its index so their rows differ. */
const SHIFTED = Array.from({ length: 32 }, (_, i) => `SELECT id, id + ${i} AS shifted FROM range(100000)`);
/** Warehouse flags for a result of up to 128 MiB in one inline attachment (drivers asking for it). */
const ONE_ATTACHMENT = [
  '--inline-limit',
  String(128 << 20),
  '--chunk-rows',
  '2000000',
  '--chunk-bytes',
  String(256 << 20),
];
/** Results through LZ4-compressed links of 100k-row chunks. */
const LINKS = ['--inline-limit', '0', '--chunk-rows', '100000'];

export const WORKLOADS: Workload[] = [
  {
    name: 'select-1-latency',
    description: 'SELECT 1, execute to its row, 200 times on one open connection (p50 / p95)',
    warehouseArgs: [],
    repeats: 3,
    reads: 'rows',
    sql: [SELECT_1],
    run: (open, [sql]) => select1(open, sql, 200),
  },
  {
    name: 'connect-select-1-cold',
    description:
      'connect, SELECT 1, fetch its row, close: the first connection of a fresh process (the driver module loaded beforehand)',
    warehouseArgs: [],
    repeats: 5,
    reads: 'rows',
    sql: [SELECT_1],
    async run(open, [sql]) {
      const session = await open();
      const result = await session.execute(sql);
      const rows = await result.all();
      await result.close();
      await session.close();
      const checksum = new Checksum();
      checksum.rows(rows);
      return { bytes: 0, checksum: () => checksum };
    },
  },
  {
    name: 'rows-1m-x4-links',
    description: 'all rows of 1M rows x 4 numeric columns as row objects, through LZ4 links (100k-row chunks)',
    warehouseArgs: LINKS,
    repeats: 3,
    reads: 'rows',
    sql: [FOUR_NUMERIC],
    run: (open, [sql]) => allRows(open, sql),
  },
  {
    name: 'rows-1m-x4-inline',
    description: 'all rows of 1M rows x 4 numeric columns as row objects, one inline attachment if asked for',
    warehouseArgs: ONE_ATTACHMENT,
    repeats: 3,
    reads: 'rows',
    sql: [FOUR_NUMERIC],
    run: (open, [sql]) => allRows(open, sql),
  },
  {
    name: 'arrow-1m-x4-links',
    description: 'the 1M x 4 numeric result as one Arrow table, through LZ4 links (100k-row chunks)',
    warehouseArgs: LINKS,
    repeats: 3,
    reads: 'arrow',
    sql: [FOUR_NUMERIC],
    run: (open, [sql]) => wholeTable(open, sql),
  },
  {
    name: 'arrow-1m-x4-inline',
    description: 'the 1M x 4 numeric result as one Arrow table, one inline attachment if asked for',
    warehouseArgs: ONE_ATTACHMENT,
    repeats: 3,
    reads: 'arrow',
    sql: [FOUR_NUMERIC],
    run: (open, [sql]) => wholeTable(open, sql),
  },
  {
    name: 'concurrent-32',
    description: '32 concurrent queries of 100k rows x 2 each (row objects) on one connection, LZ4 links',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '50000'],
    repeats: 3,
    reads: 'rows',
    sql: SHIFTED,
    run: concurrent,
  },
  {
    name: 'stream-10m-rows',
    description: '10M rows x 1 BIGINT streamed one row at a time through LZ4 links (1M-row chunks), none kept',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '1000000'],
    repeats: 3,
    reads: 'rows',
    sql: [TEN_MILLION],
    run: (open, [sql]) => streamedRows(open, sql),
  },
  {
    name: 'stream-10m-arrow',
    description: 'the same 10M rows streamed as Arrow record batches, none kept',
    warehouseArgs: ['--inline-limit', '0', '--chunk-rows', '1000000'],
    repeats: 3,
    reads: 'arrow',
    sql: [TEN_MILLION],
    run: (open, [sql]) => streamedBatches(open, sql),
  },
  {
    name: 'lineitem-arrow-links',
    description: 'TPC-H lineitem (scale 1, 6M rows x 16 columns) as one Arrow table through LZ4 links',
    warehouseArgs: ['--tpch-scale', '1', '--inline-limit', '0', '--chunk-rows', '200000'],
    repeats: 3,
    reads: 'arrow',
    sql: [LINEITEM],
    run: (open, [sql]) => wholeTable(open, sql),
  },
  {
    name: 'lineitem-rows-links',
    description:
      'TPC-H lineitem (scale 1, 6M rows x 16 columns: keys, decimals, dates, text) as row objects through LZ4 links',
    warehouseArgs: ['--tpch-scale', '1', '--inline-limit', '0', '--chunk-rows', '200000'],
    repeats: 3,
    // 6M row objects of 16 values take 5-7 GiB with every driver (measured at scale 0.25).
    heapMiB: 12288,
    reads: 'rows',
    sql: [LINEITEM],
    run: (open, [sql]) => allRows(open, sql),
  },
  {
    name: 'metadata',
    description:
      'catalogs, schemas of samples, tables and columns of samples.tpch, 10 rounds on one connection (checked by row count only)',
    warehouseArgs: ['--tpch-scale', '0.01'],
    repeats: 3,
    reads: 'metadata',
    sql: [],
    async run(open) {
      const session = await open();
      let rows = 0;
      const latenciesMs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        rows += await session.metadata();
        latenciesMs.push(performance.now() - started);
      }
      await session.close();
      const checksum = new Checksum();
      checksum.count = rows;
      return { bytes: 0, latenciesMs, checksum: () => checksum };
    },
  },
];
