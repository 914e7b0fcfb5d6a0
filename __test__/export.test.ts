/**
 * Export of one query to one file or stream: TPC-H lineitem (many chunks behind LZ4 links) to
 * every format, read back by pyarrow; exact values; one header; a slow destination holds memory;
 * cancelling (signal, destroy) releases the statement on the warehouse and leaves no file.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import { type Connection, connect, NotSupportedError, OperationalError } from '#dist/index';
import { cargoTargetDir, type LocalWarehouse } from '#dist/local-warehouse';
import { admin, requests } from './helpers/admin';
import { type Digest, digest, ensurePyarrow } from './helpers/pyarrow';
import { useWarehouse } from './helpers/warehouse';

/**
 * 60k lineitem rows in 15 LZ4 chunks behind links, from the debug-built warehouse; scale 1 (6M
 * rows) runs below against the release build `npm run pack` makes.
 */
const SCALE = 0.01;
const LINEITEM = 'SELECT * FROM samples.tpch.lineitem ORDER BY l_orderkey, l_linenumber';
const AGGREGATE = `SELECT count(*) AS rows, sum(l_orderkey) AS sum_orderkey, sum(l_linenumber) AS sum_linenumber,
  sum(l_extendedprice) AS sum_extendedprice, sum(length(l_comment)) AS sum_comment_length,
  max(l_shipdate) AS max_shipdate FROM samples.tpch.lineitem`;

const FORMATS = ['csv', 'tsv', 'ndjson', 'json', 'arrow', 'parquet'] as const;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what} did not happen within 5 s`);
}

/** The reader's findings must equal the warehouse's own aggregate. */
function assertDigest(d: Digest, format: string, expected: Record<string, string | number>): void {
  assert.equal(d.rows, expected.rows);
  assert.equal(d.headers, format === 'csv' || format === 'tsv' ? 1 : null);
  assert.ok(d.ordered, 'rows in order, each once');
  for (const key of ['sum_orderkey', 'sum_linenumber', 'sum_extendedprice', 'sum_comment_length', 'max_shipdate']) {
    assert.equal(d[key as keyof Digest], expected[key], key);
  }
}

/** The warehouse's aggregate of lineitem, as the digest spells its values. */
async function aggregate(w: LocalWarehouse): Promise<Record<string, string | number>> {
  const connection = await connect(w.connectOptions({ rowMode: 'object', dateAs: 'string' }));
  try {
    const cursor = connection.cursor();
    await cursor.execute(AGGREGATE);
    const row = (await cursor.fetchone()) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'rows' ? Number(v) : String(v)]));
  } finally {
    await connection.close();
  }
}

const isAbort = (e: unknown) => e instanceof OperationalError && e.code === 'Aborted';

describe('export', () => {
  const warehouse = useWarehouse({
    args: ['--enable-admin', '--tpch-scale', String(SCALE), '--chunk-rows', '4000', '--inline-limit', '0'],
  });
  let dir: string;
  let expected: Record<string, string | number>;

  before(async () => {
    ensurePyarrow();
    dir = mkdtempSync(join(tmpdir(), 'sluice-export-'));
    expected = await aggregate(warehouse());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const backend of ['native', 'ts'] as const) {
    for (const format of FORMATS) {
      if (backend === 'ts' && format === 'parquet') continue;
      it(`lineitem to ${format} (${backend}): every row once, in order, sums equal the warehouse's`, async () => {
        const w = warehouse();
        const connection = await connect(w.connectOptions({ backend }));
        await admin.reset(w);
        const cursor = connection.cursor();
        await cursor.execute(LINEITEM);
        const path = join(dir, `lineitem-${backend}.${format}`);
        const summary = await cursor.export(path, { format });
        await connection.close();
        assert.equal(summary.rows, expected.rows);
        const counters = await admin.counters(w);
        assert.ok(requests(counters, 'download') >= 15, `many chunks behind links: ${requests(counters, 'download')}`);
        assertDigest(digest(format, path), format, expected);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.includes('.partial')),
          [],
          'no temporary file left',
        );
      });
    }
  }

  it('text formats are the same bytes from both backends', async () => {
    const w = warehouse();
    for (const format of ['csv', 'tsv', 'ndjson', 'json'] as const) {
      const bytes: Buffer[] = [];
      for (const backend of ['native', 'ts'] as const) {
        const path = join(dir, `lineitem-${backend}.${format}`);
        if (!existsSync(path)) {
          const connection = await connect(w.connectOptions({ backend }));
          const cursor = connection.cursor();
          await cursor.execute(LINEITEM);
          await cursor.export(path, { format });
          await connection.close();
        }
        bytes.push(readFileSync(path));
      }
      assert.ok(bytes[0].equals(bytes[1]), `${format}: native and ts bytes differ`);
    }
  });

  describe('values', () => {
    const TYPES = `SELECT CAST(9007199254740993 AS BIGINT) AS big,
      CAST('-123456789012345678901234567890.12' AS DECIMAL(38,2)) AS dec,
      DATE '2024-02-29' AS day,
      TIMESTAMP '2024-07-01 12:30:00.123456' AS ts,
      CAST('hi!' AS BINARY) AS bin,
      'a,"b" c' AS text,
      CAST(NULL AS STRING) AS nothing,
      ARRAY(1, 2) AS arr,
      CAST(1.5 AS DOUBLE) AS dbl,
      true AS flag`;

    async function exported(
      backend: 'native' | 'ts',
      format: 'csv' | 'ndjson' | 'json',
      options: Record<string, unknown> = {},
      sessionConfs: Record<string, string> = { TIMEZONE: 'America/New_York' },
    ): Promise<string> {
      const connection = await connect(warehouse().connectOptions({ backend, sessionConfs }));
      const cursor = connection.cursor();
      await cursor.execute(TYPES);
      const parts: Buffer[] = [];
      for await (const part of cursor.stream({ format, ...options })) parts.push(part as Buffer);
      await connection.close();
      return Buffer.concat(parts).toString('utf8');
    }

    for (const backend of ['native', 'ts'] as const) {
      it(`CSV: full digits, ISO dates, the session zone, base64, NULL as empty, nested as JSON (${backend})`, async () => {
        assert.equal(
          await exported(backend, 'csv'),
          'big,dec,day,ts,bin,text,nothing,arr,dbl,flag\n' +
            '9007199254740993,-123456789012345678901234567890.12,2024-02-29,2024-07-01T12:30:00.123456-04:00,aGkh,"a,""b"" c",,"[1,2]",1.5,true\n',
        );
        assert.match(await exported(backend, 'csv', { nullText: 'NULL', header: false }), /^9007199254740993,.*,NULL,/);
      });

      it(`NDJSON: BIGINT and DECIMAL as strings unless asked (${backend})`, async () => {
        const line =
          '{"big":"9007199254740993","dec":"-123456789012345678901234567890.12","day":"2024-02-29",' +
          '"ts":"2024-07-01T12:30:00.123456-04:00","bin":"aGkh","text":"a,\\"b\\" c","nothing":null,"arr":[1,2],"dbl":1.5,"flag":true}\n';
        assert.equal(await exported(backend, 'ndjson'), line);
        const numbers = await exported(backend, 'ndjson', { exactNumbers: 'number' });
        assert.match(numbers, /^\{"big":9007199254740993,"dec":-123456789012345678901234567890.12,/);
        assert.equal(await exported(backend, 'json'), `[${line.trimEnd()}]`);
      });
    }
  });

  describe('empty results', () => {
    for (const backend of ['native', 'ts'] as const) {
      it(`keep their header, brackets and schema (${backend})`, async () => {
        const connection = await connect(warehouse().connectOptions({ backend }));
        const run = async (
          format: 'csv' | 'json' | 'ndjson' | 'arrow',
          sql = 'SELECT id, id * 2 AS twice FROM range(10) WHERE id < 0',
        ) => {
          const cursor = connection.cursor();
          await cursor.execute(sql);
          const parts: Buffer[] = [];
          for await (const part of cursor.stream({ format })) parts.push(part as Buffer);
          return Buffer.concat(parts);
        };
        assert.equal((await run('csv')).toString(), 'id,twice\n');
        assert.equal((await run('json')).toString(), '[]');
        assert.equal((await run('ndjson')).toString(), '');
        const table = tableFromIPC(await run('arrow'));
        assert.equal(table.numRows, 0);
        assert.deepEqual(
          table.schema.fields.map((f) => f.name),
          ['id', 'twice'],
        );
        // Columns of one name keep their own types: read with the file's own schema, not a
        // table's, which would merge them (apache/arrow-js#288).
        const reader = RecordBatchReader.from(
          await run('arrow', "SELECT id AS x, 'a' AS x FROM range(3) WHERE id < 0"),
        );
        reader.open();
        assert.deepEqual(
          reader.schema.fields.map((f) => `${f.name}: ${f.type}`),
          ['x: Int64', 'x: Utf8'],
        );
        await connection.close();
      });
    }
  });

  it('the ts backend refuses Parquet with a NotSupportedError naming the native backend', async () => {
    const connection = await connect(warehouse().connectOptions({ backend: 'ts' }));
    const cursor = connection.cursor();
    await cursor.execute('SELECT 1 AS x');
    await assert.rejects(
      cursor.export(join(dir, 'never.parquet'), { format: 'parquet' }),
      (e: unknown) => e instanceof NotSupportedError && /native backend/.test(e.message),
    );
    assert.equal(existsSync(join(dir, 'never.parquet')), false);
    await connection.close();
  });

  it('bad options are typed errors', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await cursor.execute('SELECT 1 AS x');
    await assert.rejects(cursor.export(join(dir, 'x.csv'), { format: 'xml' as 'csv' }), /format must be one of/);
    await assert.rejects(cursor.export(join(dir, 'x.csv'), { colour: 'red' } as object), /unknown export option/);
    await connection.close();
  });

  for (const backend of ['native', 'ts'] as const) {
    describe(`cancelling (${backend})`, () => {
      let connection: Connection;
      before(async () => {
        // A small budget: downloads run only a few chunks ahead of the export.
        connection = await connect(warehouse().connectOptions({ backend, memoryBudgetBytes: 2 * 1024 * 1024 }));
      });
      after(() => connection.close());

      it('an abort mid-export releases the statement on the warehouse and leaves no file', async () => {
        const w = warehouse();
        const cursor = connection.cursor();
        await cursor.execute(LINEITEM);
        await admin.reset(w);
        const controller = new AbortController();
        const path = join(dir, `aborted-${backend}.csv`);
        const done = cursor.export(path, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.rows > 0) controller.abort();
          },
        });
        await assert.rejects(done, isAbort);
        assert.equal(existsSync(path), false);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.startsWith(`.aborted-${backend}`)),
          [],
        );
        await eventually(
          'the statement closed on the warehouse',
          async () => requests(await admin.counters(w), 'statements.close') >= 1,
        );
        assert.ok(requests(await admin.counters(w), 'download') < 15, 'downloads stopped');
      });

      it('destroy() of the stream releases the statement on the warehouse', async () => {
        const w = warehouse();
        const cursor = connection.cursor();
        await cursor.execute(LINEITEM);
        await admin.reset(w);
        const stream = cursor.stream({ format: 'ndjson' });
        for await (const _ of stream) break;
        await eventually(
          'the statement closed on the warehouse',
          async () => requests(await admin.counters(w), 'statements.close') >= 1,
        );
      });

      it('a destination that fails cancels the export', async () => {
        const w = warehouse();
        const cursor = connection.cursor();
        await cursor.execute(LINEITEM);
        await admin.reset(w);
        let writes = 0;
        const broken = new Writable({
          write(_chunk, _enc, cb) {
            writes++;
            cb(writes > 2 ? new Error('disk full') : null);
          },
        });
        await assert.rejects(cursor.export(broken, { format: 'csv' }), /disk full/);
        await eventually(
          'the statement closed on the warehouse',
          async () => requests(await admin.counters(w), 'statements.close') >= 1,
        );
      });

      it('rows(): an object-mode Readable for pipeline(), cancelled by destroy()', async () => {
        const w = warehouse();
        const cursor = connection.cursor();
        await cursor.execute('SELECT id FROM range(2500)');
        let count = 0;
        let sum = 0;
        await pipeline(
          cursor.rows({ batchSize: 700 }),
          new Writable({
            objectMode: true,
            write(row: { id: bigint }, _enc, cb) {
              count++;
              sum += Number(row.id);
              cb();
            },
          }),
        );
        assert.equal(count, 2500);
        assert.equal(sum, (2499 * 2500) / 2);
        await cursor.execute(LINEITEM);
        await admin.reset(w);
        const rows = cursor.rows();
        for await (const _ of rows) break;
        await eventually('the statement cancelled on the warehouse', async () => {
          const c = await admin.counters(w);
          return requests(c, 'statements.close') + requests(c, 'statements.cancel') >= 1;
        });
      });
    });
  }

  it('a stalled destination holds memory to the byte budget plus a bound', async () => {
    const w = warehouse();
    const budget = 8 * 1024 * 1024;
    const connection = await connect(w.connectOptions({ memoryBudgetBytes: budget }));
    const cursor = connection.cursor();
    // 64 MB of Arrow, which the kernel encodes several times faster than the stall lasts.
    await cursor.execute('SELECT id, id * 2 AS b, id * 3 AS c, id * 4 AS d FROM range(2000000)');
    let atStall = 0;
    let peakInStall = 0;
    let sampler: NodeJS.Timeout | undefined;
    let written = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (sampler !== undefined || atStall > 0) return void setTimeout(cb, 1);
        // The first write stalls for 8 s: without backpressure the whole export would pile up.
        atStall = process.memoryUsage.rss();
        peakInStall = atStall;
        sampler = setInterval(() => {
          peakInStall = Math.max(peakInStall, process.memoryUsage.rss());
        }, 20);
        setTimeout(() => {
          clearInterval(sampler);
          cb();
        }, 8000);
      },
    });
    await cursor.export(slow, { format: 'arrow' });
    await connection.close();
    const grown = peakInStall - atStall;
    // Measured on this machine: 8.9 MiB of growth in the stall (prefetch fills the budget); the bound leaves room for
    // the budget, one 1 MiB piece and allocator slack, and stays far below the export's size.
    const bound = budget + 16 * 1024 * 1024;
    assert.ok(written > 2.5 * bound, `the export (${written} B) is much larger than the bound`);
    assert.ok(grown < bound, `RSS grew ${(grown / 2 ** 20).toFixed(1)} MiB in the stall, over ${bound / 2 ** 20} MiB`);
    console.log(
      `# RSS growth during an 8 s stall: ${(grown / 2 ** 20).toFixed(1)} MiB (budget ${budget / 2 ** 20} MiB)`,
    );
  });
});

/**
 * The release build of the warehouse `npm run pack` made for this machine (the test command runs
 * it before these tests), where cargo left it: target/<host triple>/release.
 */
function releaseWarehouse(): string {
  const triple = /^host: (.+)$/m.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))?.[1].trim() ?? '';
  const exe = join(cargoTargetDir(), triple, 'release', 'sluice-warehouse');
  assert.ok(existsSync(exe), `no release build of the warehouse at ${exe}: run "npm run pack"`);
  return exe;
}

describe('export at TPC-H scale 1 (6M rows, release-built warehouse)', () => {
  const warehouse = useWarehouse({
    binary: releaseWarehouse(),
    args: ['--enable-admin', '--tpch-scale', '1'],
    startTimeoutMs: 300_000,
  });
  let dir: string;
  let expected: Record<string, string | number>;

  before(async () => {
    ensurePyarrow();
    dir = mkdtempSync(join(tmpdir(), 'sluice-export-sf1-'));
    expected = await aggregate(warehouse());
    assert.ok(Number(expected.rows) > 5_900_000, `scale 1: ${expected.rows} rows`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Not the JSON array: Python's json module would hold 6M dicts (about 10 GiB) to read it back;
  // the same writer is checked at scale 0.01 above.
  for (const format of ['csv', 'tsv', 'ndjson', 'arrow', 'parquet'] as const) {
    it(`lineitem to ${format}: every row once, in order, sums equal the warehouse's`, async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions());
      await admin.reset(w);
      const cursor = connection.cursor();
      await cursor.execute(LINEITEM);
      const path = join(dir, `lineitem.${format}`);
      const summary = await cursor.export(path, { format });
      await connection.close();
      assert.equal(summary.rows, expected.rows);
      const counters = await admin.counters(w);
      assert.ok(requests(counters, 'download') >= 30, `many chunks behind links: ${requests(counters, 'download')}`);
      assertDigest(digest(format, path), format, expected);
      rmSync(path);
    });
  }
});
