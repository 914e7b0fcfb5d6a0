/**
 * Both backends must return the same values: every type, NULLs and extreme values, as rows and
 * as Arrow, inline and through multi-chunk LZ4 links.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Table } from 'apache-arrow';
import { connect } from '../src/index';
import { useWarehouse } from './helpers/warehouse';

const EXTREMES = `SELECT
  CAST(-128 AS TINYINT) AS tiny, CAST(32767 AS SMALLINT) AS small, CAST(-2147483648 AS INT) AS i,
  CAST(9223372036854775807 AS BIGINT) AS big_max, CAST(-9223372036854775808 AS BIGINT) AS big_min,
  CAST(1.5 AS FLOAT) AS f, CAST('NaN' AS DOUBLE) AS nan, CAST('-Infinity' AS DOUBLE) AS ninf,
  CAST(1.7976931348623157E308 AS DOUBLE) AS dmax,
  CAST('-99999999999999999999.999999999999999999' AS DECIMAL(38,18)) AS dec_min, CAST(0.001 AS DECIMAL(5,3)) AS dec_small,
  '' AS empty, 'héllo 世界 🎉' AS unicode, true AS yes, X'00FF10' AS bin,
  DATE '0001-01-01' AS day_min, DATE '9999-12-31' AS day_max,
  TIMESTAMP '2024-02-29 12:34:56.789123' AS ts, TIMESTAMP_NTZ '1969-12-31 23:59:59.999999' AS ntz,
  INTERVAL '14' MONTH AS months, INTERVAL '3' DAY AS days,
  make_array(1, 2, NULL) AS arr, MAP('a', 1, 'b', NULL) AS m, NAMED_STRUCT('a', 1, 'b', 'x') AS st,
  make_array(NAMED_STRUCT('k', make_array('x'))) AS nested,
  CAST(NULL AS INT) AS null_int, NULL AS void`;

const BULK = `SELECT id,
  CASE WHEN id % 7 = 0 THEN NULL ELSE CAST(id % 100 AS TINYINT) END AS tiny,
  CASE WHEN id % 11 = 0 THEN NULL ELSE id * 1000003 END AS big,
  CAST(id AS DOUBLE) / 3 AS ratio,
  CASE WHEN id % 5 = 0 THEN NULL ELSE CAST(id AS DECIMAL(20,4)) / 7 END AS dec,
  CASE WHEN id % 3 = 0 THEN NULL ELSE concat('row-', CAST(id AS STRING)) END AS label,
  id % 2 = 0 AS even,
  DATE '2000-01-01' + CAST(id % 10000 AS INT) AS day,
  make_array(id, id + 1) AS pair,
  NAMED_STRUCT('n', id, 's', CAST(id AS STRING)) AS st
  FROM range(20000) ORDER BY id`;

/** Arrow columns as plain values, so two tables compare value for value. */
function columns(table: Table): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const field of table.schema.fields) {
    const column = table.getChild(field.name);
    out[`${field.name}: ${String(field.type)}`] = column ? JSON.parse(JSON.stringify(column.toJSON(), jsonSafe)) : [];
  }
  return out;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}

describe('the native and ts backends return the same values', () => {
  const warehouse = useWarehouse({ args: ['--chunk-rows', '1000', '--inline-limit', '4096'] });

  for (const [name, sql] of [
    ['every type at its extremes (inline)', EXTREMES],
    ['20 000 rows with NULLs through LZ4 links', BULK],
  ] as const) {
    it(name, async () => {
      const results = [];
      for (const backend of ['native', 'ts'] as const) {
        const connection = await connect(warehouse().connectOptions({ backend }));
        const cursor = connection.cursor();
        await cursor.execute(sql);
        const rows = await cursor.fetchall();
        await cursor.execute(sql);
        const table = await cursor.fetchArrow();
        results.push({ backend, description: cursor.description, rows, table });
        await connection.close();
      }
      const [native, ts] = results;
      assert.ok(native.rows.length > 0);
      assert.deepEqual(ts.description, native.description);
      assert.deepEqual(ts.rows, native.rows);
      assert.equal(ts.table.numRows, native.rows.length);
      assert.deepEqual(columns(ts.table), columns(native.table));
    });
  }

  it('spot checks of the value policy', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await cursor.execute(EXTREMES);
    const [row] = (await cursor.fetchall()) as Record<string, unknown>[];
    assert.equal(row.big_max, 9223372036854775807n);
    assert.equal(row.big_min, -9223372036854775808n);
    assert.ok(Number.isNaN(row.nan));
    assert.equal(row.ninf, Number.NEGATIVE_INFINITY);
    assert.equal(row.dec_min, '-99999999999999999999.999999999999999999');
    assert.equal(row.dec_small, '0.001');
    assert.deepEqual(row.bin, new Uint8Array([0, 255, 16]));
    assert.deepEqual(row.day_min, new Date('0001-01-01T00:00:00Z'));
    assert.deepEqual(row.ts, new Date('2024-02-29T12:34:56.789Z'));
    assert.deepEqual(row.ntz, new Date('1969-12-31T23:59:59.999Z'));
    assert.equal(row.months, 14);
    assert.equal(row.days, 3n * 86_400_000_000n);
    // Integer literals are INT, as in Spark, so these come back as numbers.
    assert.deepEqual(row.arr, [1, 2, null]);
    assert.deepEqual(
      row.m,
      new Map<string, number | null>([
        ['a', 1],
        ['b', null],
      ]),
    );
    assert.deepEqual(row.st, { a: 1, b: 'x' });
    assert.deepEqual(row.nested, [{ k: ['x'] }]);
    assert.equal(row.null_int, null);
    assert.equal(row.void, null);
    await connection.close();
  });

  for (const backend of ['native', 'ts'] as const) {
    it(`the opt-in policies: lossless timestamps, decimal numbers, date text (${backend})`, async () => {
      const options = { backend, timestampAs: 'bigint', decimalAs: 'number', dateAs: 'string' } as const;
      const connection = await connect(warehouse().connectOptions(options));
      const cursor = connection.cursor();
      await cursor.execute(EXTREMES);
      const [exact] = (await cursor.fetchall()) as Record<string, unknown>[];
      assert.equal(exact.ts, 1709210096789123n, 'microseconds survive');
      assert.equal(exact.ntz, -1n);
      assert.equal(exact.dec_small, 0.001);
      assert.equal(exact.day_min, '0001-01-01');
      assert.equal(exact.day_max, '9999-12-31');
      await cursor.execute(BULK);
      const rows = (await cursor.fetchall()) as Record<string, unknown>[];
      assert.equal(rows[0].day, '2000-01-01');
      assert.equal(rows[19_999].day, '2027-05-18', 'day 9999 after 2000-01-01');
      await connection.close();
    });
  }
});
