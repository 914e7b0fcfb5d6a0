/**
 * Both backends must return the same values: every type, NULLs and extreme values, nested types,
 * as object rows, as array rows and as Arrow, inline and through multi-chunk LZ4 links. Spot
 * checks pin the values themselves against expectations written out here.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Table } from 'apache-arrow';
import { type ConnectOptions, connect } from '#dist/index';
import { mixedRows } from './helpers/queries';
import { useWarehouse } from './helpers/warehouse';

/**
 * TIMESTAMP literals (and casts of text) pass through nanoseconds in the local warehouse, which
 * cannot hold years 1 or 9999; arrow_cast from microseconds gives the same column types
 * (TIMESTAMP with the UTC zone, TIMESTAMP_NTZ without) at the ends of the calendar.
 */
const EDGE_TIMESTAMPS = [
  `arrow_cast(-62135596800000000, 'Timestamp(Microsecond, Some("UTC"))') AS ts_min`,
  `arrow_cast(253402300799999999, 'Timestamp(Microsecond, Some("UTC"))') AS ts_max`,
  `arrow_cast(-62135596800000000, 'Timestamp(Microsecond, None)') AS ntz_min`,
  `arrow_cast(253402300799999999, 'Timestamp(Microsecond, None)') AS ntz_max`,
].join(', ');

const EXTREMES = `SELECT
  CAST(-128 AS TINYINT) AS tiny, CAST(127 AS TINYINT) AS tiny_max, CAST(32767 AS SMALLINT) AS small,
  CAST(-32768 AS SMALLINT) AS small_min, CAST(-2147483648 AS INT) AS i, CAST(2147483647 AS INT) AS i_max,
  CAST(9223372036854775807 AS BIGINT) AS big_max, CAST(-9223372036854775808 AS BIGINT) AS big_min,
  CAST(1.5 AS FLOAT) AS f, CAST(3.4028235E38 AS FLOAT) AS f_max, CAST(-3.4028235E38 AS FLOAT) AS f_min,
  CAST(1.4E-45 AS FLOAT) AS f_tiny, CAST('Infinity' AS FLOAT) AS f_inf, CAST('-0.0' AS FLOAT) AS f_negzero,
  CAST('NaN' AS FLOAT) AS f_nan,
  CAST('NaN' AS DOUBLE) AS nan, CAST('-Infinity' AS DOUBLE) AS ninf, CAST('Infinity' AS DOUBLE) AS pinf,
  CAST('-0.0' AS DOUBLE) AS negzero, CAST(1.7976931348623157E308 AS DOUBLE) AS dmax, CAST(4.9E-324 AS DOUBLE) AS d_tiny,
  CAST('-99999999999999999999.999999999999999999' AS DECIMAL(38,18)) AS dec_min,
  CAST('99999999999999999999.999999999999999999' AS DECIMAL(38,18)) AS dec_max, CAST(0.001 AS DECIMAL(5,3)) AS dec_small,
  CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)) AS dec38_max,
  CAST('-99999999999999999999999999999999999999' AS DECIMAL(38,0)) AS dec38_min,
  '' AS empty, 'héllo 世界 🎉' AS unicode, true AS yes, X'00FF10' AS bin, X'' AS empty_bin,
  DATE '0001-01-01' AS day_min, DATE '9999-12-31' AS day_max,
  TIMESTAMP '2024-02-29 12:34:56.789123' AS ts, TIMESTAMP_NTZ '1969-12-31 23:59:59.999999' AS ntz,
  ${EDGE_TIMESTAMPS},
  INTERVAL '14' MONTH AS months, INTERVAL '3' DAY AS days, INTERVAL '-1-2' YEAR TO MONTH AS neg_months,
  INTERVAL '-3' DAY AS neg_days, INTERVAL '1 02:03:04.567891' DAY TO SECOND AS dts,
  INTERVAL '-1 02:03:04.567891' DAY TO SECOND AS neg_dts,
  make_array(1, 2, NULL) AS arr, CAST(make_array() AS ARRAY<INT>) AS empty_arr,
  MAP('a', 1, 'b', NULL) AS m, map(CAST(make_array() AS ARRAY<STRING>), CAST(make_array() AS ARRAY<INT>)) AS empty_map,
  NAMED_STRUCT('a', 1, 'b', 'x') AS st,
  make_array(NAMED_STRUCT('k', make_array('x'))) AS nested,
  CAST(NULL AS INT) AS null_int, NULL AS void`;

/** Nested types inside nested types, maps keyed by other types than text, and NULLs within them. */
const NESTED = `SELECT
  NAMED_STRUCT('outer', NAMED_STRUCT('inner', 1, 's', 'x'), 'n', 2) AS st_in_st,
  NAMED_STRUCT('m', MAP('k', 1.5D), 'id', 7) AS map_in_st,
  NAMED_STRUCT('a', CAST(NULL AS INT), 'b', CAST(NULL AS STRING)) AS st_of_nulls,
  MAP(1, 'one', 2, 'two') AS int_keys, MAP(CAST(3000000000 AS BIGINT), true) AS bigint_keys,
  MAP(DATE '2024-01-01', 'd') AS date_keys, MAP(true, 1, false, 0) AS bool_keys, MAP(1.5D, 'x') AS double_keys,
  make_array(MAP('a', 1), MAP('b', 2, 'c', NULL), NULL) AS arr_of_map,
  make_array(NAMED_STRUCT('a', 1), NULL) AS arr_of_st,
  MAP('a', make_array(1, 2), 'b', make_array()) AS map_of_arr,
  MAP('a', NAMED_STRUCT('x', 1), 'b', NULL) AS map_of_st`;

/** One NULL-free value per type, NULL in the middle row of three (so the validity bits mix). */
const NULLABLE: readonly (readonly [string, string])[] = [
  ['bool', 'true'],
  ['tiny', 'CAST(1 AS TINYINT)'],
  ['small', 'CAST(2 AS SMALLINT)'],
  ['i', 'CAST(3 AS INT)'],
  ['big', 'CAST(4 AS BIGINT)'],
  ['f', 'CAST(0.5 AS FLOAT)'],
  ['d', 'CAST(0.25 AS DOUBLE)'],
  ['dec', 'CAST(1.25 AS DECIMAL(10,2))'],
  ['str', "'s'"],
  ['bin', "X'01'"],
  ['day', "DATE '2024-01-01'"],
  ['ts', "TIMESTAMP '2024-01-01 00:00:00.000001'"],
  ['ntz', "TIMESTAMP_NTZ '2024-01-01 00:00:00.000001'"],
  ['months', "INTERVAL '2' MONTH"],
  ['dts', "INTERVAL '0 00:00:00.000001' DAY TO SECOND"],
  ['arr', 'make_array(1)'],
  ['m', "MAP('k', 1)"],
  ['st', "NAMED_STRUCT('a', 1)"],
  ['st_in_st', "NAMED_STRUCT('o', NAMED_STRUCT('i', 1))"],
  ['arr_of_map', "make_array(MAP('k', 1))"],
];

const NULLS = `SELECT id,
  ${NULLABLE.map(([name, value]) => `CASE WHEN id = 1 THEN NULL ELSE ${value} END AS ${name}`).join(',\n  ')}
  FROM range(3) ORDER BY id`;

const BULK = mixedRows(20000);

/** Arrow columns as plain values, so two tables compare value for value. */
function columns(table: Table): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const field of table.schema.fields) {
    const column = table.getChild(field.name);
    out[`${field.name}: ${String(field.type)}`] = column ? JSON.parse(JSON.stringify(column.toJSON(), jsonSafe)) : [];
  }
  return out;
}

/** JSON keeps neither bigint, nor NaN and the infinities, nor the sign of -0: name them. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}

/**
 * Row settings compared across the backends: object rows under the default policy, array rows
 * under it, and array rows under the opt-in policies (timestamps as microseconds, which a Date
 * and apache-arrow's own timestamp values both round to milliseconds).
 */
const ROW_SETTINGS = [
  {},
  { rowMode: 'array' },
  { rowMode: 'array', timestampAs: 'bigint', dateAs: 'string', decimalAs: 'number' },
] as const;

/** Everything one backend returns for a query: the description, rows under each setting, Arrow. */
async function everything(options: ConnectOptions, sql: string) {
  const rows: unknown[][] = [];
  let description: unknown;
  let table: Table | undefined;
  for (const settings of ROW_SETTINGS) {
    const connection = await connect({ ...options, ...settings });
    const cursor = connection.cursor();
    await cursor.execute(sql);
    rows.push(await cursor.fetchall());
    if (table === undefined) {
      description = cursor.description;
      await cursor.execute(sql);
      table = await cursor.fetchArrow();
    }
    await connection.close();
  }
  if (table === undefined) throw new Error('no Arrow table was fetched');
  return { description, rows, table };
}

describe('the native and ts backends return the same values', () => {
  const warehouse = useWarehouse({ args: ['--chunk-rows', '1000', '--inline-limit', '4096'] });

  for (const [name, sql] of [
    ['every type at its extremes (inline)', EXTREMES],
    ['nested types, non-text map keys and NULLs inside them', NESTED],
    ['a NULL of every type between two values', NULLS],
    ['20 000 rows with NULLs through LZ4 links', BULK],
  ] as const) {
    it(name, async () => {
      const native = await everything(warehouse().connectOptions({ backend: 'native' }), sql);
      const ts = await everything(warehouse().connectOptions({ backend: 'ts' }), sql);
      assert.ok(native.rows[0].length > 0);
      assert.deepEqual(ts.description, native.description);
      for (let s = 0; s < ROW_SETTINGS.length; s++) {
        assert.deepEqual(ts.rows[s], native.rows[s], `rows under ${JSON.stringify(ROW_SETTINGS[s])}`);
      }
      // Array rows hold the values of object rows, in column order (no column name repeats here).
      assert.deepEqual(
        native.rows[1],
        native.rows[0].map((row) => Object.values(row as Record<string, unknown>)),
      );
      assert.equal(ts.table.numRows, native.rows[0].length);
      assert.deepEqual(columns(ts.table), columns(native.table));
    });
  }

  it('spot checks of the value policy', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await cursor.execute(EXTREMES);
    const [row] = (await cursor.fetchall()) as Record<string, unknown>[];
    assert.equal(row.tiny, -128);
    assert.equal(row.tiny_max, 127);
    assert.equal(row.small, 32767);
    assert.equal(row.small_min, -32768);
    assert.equal(row.i, -2147483648);
    assert.equal(row.i_max, 2147483647);
    assert.equal(row.big_max, 9223372036854775807n);
    assert.equal(row.big_min, -9223372036854775808n);
    assert.equal(row.f, 1.5);
    // The largest finite float32, (2 - 2^-23) * 2^127, and the smallest subnormal, 2^-149.
    assert.equal(row.f_max, 3.4028234663852886e38);
    assert.equal(row.f_min, -3.4028234663852886e38);
    assert.equal(row.f_tiny, 1.401298464324817e-45);
    assert.equal(row.f_inf, Number.POSITIVE_INFINITY);
    assert.ok(Object.is(row.f_negzero, -0), `FLOAT -0.0 came back as ${String(row.f_negzero)}`);
    assert.ok(Number.isNaN(row.f_nan));
    assert.ok(Number.isNaN(row.nan));
    assert.equal(row.ninf, Number.NEGATIVE_INFINITY);
    assert.equal(row.pinf, Number.POSITIVE_INFINITY);
    assert.ok(Object.is(row.negzero, -0), `DOUBLE -0.0 came back as ${String(row.negzero)}`);
    assert.equal(row.dmax, 1.7976931348623157e308);
    assert.equal(row.d_tiny, 5e-324);
    assert.equal(row.dec_min, '-99999999999999999999.999999999999999999');
    assert.equal(row.dec_max, '99999999999999999999.999999999999999999');
    assert.equal(row.dec_small, '0.001');
    assert.equal(row.dec38_max, '99999999999999999999999999999999999999');
    assert.equal(row.dec38_min, '-99999999999999999999999999999999999999');
    assert.equal(row.empty, '');
    assert.equal(row.unicode, 'héllo 世界 🎉');
    assert.equal(row.yes, true);
    assert.deepEqual(row.bin, new Uint8Array([0, 255, 16]));
    assert.deepEqual(row.empty_bin, new Uint8Array(0));
    assert.deepEqual(row.day_min, new Date('0001-01-01T00:00:00Z'));
    assert.deepEqual(row.day_max, new Date('9999-12-31T00:00:00Z'));
    assert.deepEqual(row.ts, new Date('2024-02-29T12:34:56.789Z'));
    assert.deepEqual(row.ntz, new Date('1969-12-31T23:59:59.999Z'));
    assert.deepEqual(row.ts_min, new Date('0001-01-01T00:00:00Z'));
    assert.deepEqual(row.ts_max, new Date('9999-12-31T23:59:59.999Z'));
    assert.deepEqual(row.ntz_min, new Date('0001-01-01T00:00:00Z'));
    assert.deepEqual(row.ntz_max, new Date('9999-12-31T23:59:59.999Z'));
    assert.equal(row.months, 14);
    assert.equal(row.days, 3n * 86_400_000_000n);
    assert.equal(row.neg_months, -14);
    assert.equal(row.neg_days, -3n * 86_400_000_000n);
    // 1 day 02:03:04.567891 is 93 784 seconds and 567 891 microseconds.
    assert.equal(row.dts, 93_784_567_891n);
    assert.equal(row.neg_dts, -93_784_567_891n);
    // Integer literals are INT, as in Spark, so these come back as numbers.
    assert.deepEqual(row.arr, [1, 2, null]);
    assert.deepEqual(row.empty_arr, []);
    assert.deepEqual(
      row.m,
      new Map<string, number | null>([
        ['a', 1],
        ['b', null],
      ]),
    );
    assert.deepEqual(row.empty_map, new Map());
    assert.deepEqual(row.st, { a: 1, b: 'x' });
    assert.deepEqual(row.nested, [{ k: ['x'] }]);
    assert.equal(row.null_int, null);
    assert.equal(row.void, null);
    await connection.close();
  });

  it('spot checks of nested values', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await cursor.execute(NESTED);
    const [row] = (await cursor.fetchall()) as Record<string, unknown>[];
    assert.deepEqual(row.st_in_st, { outer: { inner: 1, s: 'x' }, n: 2 });
    assert.deepEqual(row.map_in_st, { m: new Map([['k', 1.5]]), id: 7 });
    assert.deepEqual(row.st_of_nulls, { a: null, b: null });
    assert.deepEqual(
      row.int_keys,
      new Map([
        [1, 'one'],
        [2, 'two'],
      ]),
    );
    assert.deepEqual(row.bigint_keys, new Map([[3_000_000_000n, true]]));
    assert.deepEqual(row.date_keys, new Map([[new Date('2024-01-01T00:00:00Z'), 'd']]));
    assert.deepEqual(
      row.bool_keys,
      new Map([
        [true, 1],
        [false, 0],
      ]),
    );
    assert.deepEqual(row.double_keys, new Map([[1.5, 'x']]));
    assert.deepEqual(row.arr_of_map, [
      new Map([['a', 1]]),
      new Map<string, number | null>([
        ['b', 2],
        ['c', null],
      ]),
      null,
    ]);
    assert.deepEqual(row.arr_of_st, [{ a: 1 }, null]);
    assert.deepEqual(
      row.map_of_arr,
      new Map([
        ['a', [1, 2]],
        ['b', []],
      ]),
    );
    assert.deepEqual(
      row.map_of_st,
      new Map([
        ['a', { x: 1 }],
        ['b', null],
      ]),
    );
    await connection.close();
  });

  it('spot checks of NULLs: only the middle row is NULL, in every column', async () => {
    const connection = await connect(warehouse().connectOptions({ rowMode: 'array' }));
    const cursor = connection.cursor<unknown[]>();
    await cursor.execute(NULLS);
    const rows = await cursor.fetchall();
    assert.deepEqual(
      rows.map((row) => row[0]),
      [0n, 1n, 2n],
    );
    assert.deepEqual(rows[1], [1n, ...NULLABLE.map(() => null)]);
    for (const row of [rows[0], rows[2]]) {
      NULLABLE.forEach(([name], c) => {
        assert.notEqual(row[c + 1], null, `${name} is not NULL`);
      });
    }
    assert.deepEqual(rows[2], [2n, ...rows[0].slice(1)]);
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
      // 0001-01-01 is 719 162 days before 1970; 9999-12-31 23:59:59.999999 is 1 µs before 10000-01-01.
      assert.equal(exact.ts_min, -719_162n * 86_400_000_000n);
      assert.equal(exact.ntz_min, -62_135_596_800_000_000n);
      assert.equal(exact.ts_max, 253_402_300_799_999_999n);
      assert.equal(exact.ntz_max, 253_402_300_800_000_000n - 1n);
      assert.equal(exact.dec_small, 0.001);
      assert.equal(exact.dec38_max, 1e38);
      assert.equal(exact.day_min, '0001-01-01');
      assert.equal(exact.day_max, '9999-12-31');
      await cursor.execute(NULLS);
      const nulls = (await cursor.fetchall()) as Record<string, unknown>[];
      assert.equal(nulls[0].ts, 1_704_067_200_000_001n);
      assert.equal(nulls[1].ts, null);
      assert.equal(nulls[1].ntz, null);
      assert.equal(nulls[1].day, null);
      assert.equal(nulls[1].dec, null);
      await cursor.execute(BULK);
      const rows = (await cursor.fetchall()) as Record<string, unknown>[];
      assert.equal(rows[0].day, '2000-01-01');
      assert.equal(rows[19_999].day, '2027-05-18', 'day 9999 after 2000-01-01');
      await connection.close();
    });
  }
});
