/**
 * Parity of the two engines: the same statements through `backend: 'native'` and
 * `backend: 'ts'` give the same descriptions, rows, counts and flags, and failures raise the same
 * class with the same code, SQLSTATE, error class and HTTP status.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Connection, connect, SluiceError } from '#dist/index';
import { type LocalWarehouse, startLocalWarehouse } from '#dist/local-warehouse';
import type { ConnectOptions } from '#dist/options';
import { type Params, typed } from '#dist/params';

interface Case {
  name: string;
  sql: string;
  params?: Params;
  rowLimit?: number;
  /** The statement is expected to fail (on both engines alike). */
  fails?: boolean;
}

const CASES: Case[] = [
  {
    name: 'scalar types',
    sql: `SELECT CAST(1 AS TINYINT) AS t, CAST(2 AS SMALLINT) AS sm, CAST(3 AS INT) AS i,
      CAST(9007199254740993 AS BIGINT) AS big, CAST(1.5 AS FLOAT) AS f, CAST(2.5 AS DOUBLE) AS d,
      'héllo' AS s, false AS b, CAST(NULL AS INT) AS n, CAST('-0.01' AS DECIMAL(12,4)) AS price,
      DATE '1999-12-31' AS day, TIMESTAMP '2024-02-29 12:34:56.789' AS ts`,
  },
  { name: 'multi-chunk range', sql: 'SELECT id, id * 3 AS x FROM range(2500) ORDER BY id' },
  { name: 'empty result', sql: 'SELECT id FROM range(5) WHERE id > 10' },
  { name: 'row limit', sql: 'SELECT id FROM range(100) ORDER BY id', rowLimit: 10 },
  { name: 'named parameters', sql: 'SELECT :a AS a, :b AS b, :c AS c', params: { a: 5n, b: 'x', c: null } },
  { name: 'positional parameters', sql: 'SELECT ? AS a, ? AS b', params: [1.25, true] },
  { name: 'syntax error', sql: 'SELEC 1', fails: true },
  { name: 'missing table', sql: 'SELECT * FROM no_such_table', fails: true },
  { name: 'bad parameter', sql: 'SELECT :a AS a', params: { a: typed('nope', 'INT') }, fails: true },
];

interface Outcome {
  description?: unknown;
  rows?: unknown;
  rowcount?: number;
  truncated?: boolean;
  error?: Record<string, unknown>;
}

function errorShape(e: unknown): Record<string, unknown> {
  if (!(e instanceof SluiceError)) return { notSluice: String(e) };
  return {
    class: e.constructor.name,
    code: e.code,
    sqlState: e.sqlState,
    errorClass: e.errorClass,
    httpStatus: e.httpStatus,
    vendorCode: e.vendorCode,
    hasStatementId: e.statementId !== undefined,
  };
}

async function run(connection: Connection, c: Case): Promise<Outcome> {
  const cursor = connection.cursor();
  try {
    await cursor.execute(c.sql, c.params, { rowLimit: c.rowLimit });
    return {
      description: cursor.description,
      rows: await cursor.fetchall(),
      rowcount: cursor.rowcount,
      truncated: cursor.truncated,
    };
  } catch (e) {
    return { error: errorShape(e) };
  } finally {
    await cursor.close();
  }
}

describe('ts backend: parity with the native backend', () => {
  let warehouse: LocalWarehouse;
  const connections: Partial<Record<'native' | 'ts', Connection>> = {};
  before(async () => {
    warehouse = await startLocalWarehouse({ args: ['--chunk-rows', '1000', '--inline-limit', '4096'] });
    for (const backend of ['native', 'ts'] as const) {
      connections[backend] = await connect({ ...warehouse.connectOptions(), backend });
    }
  });
  after(async () => {
    await Promise.all(Object.values(connections).map((c) => c?.close()));
    await warehouse?.stop();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const native = await run(connections.native as Connection, c);
      const ts = await run(connections.ts as Connection, c);
      assert.equal(native.error !== undefined, c.fails === true, JSON.stringify(native.error));
      assert.deepEqual(ts, native);
    });
  }

  it('connection failures', async () => {
    const attempts: Partial<ConnectOptions>[] = [
      { token: 'dapi-wrong' },
      { httpPath: '/sql/1.0/nothing-here' },
      { host: 'ftp://x' },
      { host: 'https://127.0.0.1:1', maxRetries: 1, minBackoffMs: 10 },
    ];
    for (const extra of attempts) {
      const shapes: Record<string, unknown>[] = [];
      for (const backend of ['native', 'ts'] as const) {
        try {
          const c = await connect({ ...warehouse.connectOptions(), ...extra, backend });
          await c.close();
          shapes.push({ connected: true });
        } catch (e) {
          shapes.push(errorShape(e));
        }
      }
      assert.deepEqual(shapes[1], shapes[0], JSON.stringify(extra));
    }
  });
});
