/**
 * The drop-in against @databricks/sql 2.1 itself (on its Rust kernel, `useKernel: true`, which
 * speaks the same protocol as the local warehouse): the same calls on the same warehouse must
 * give the same values, schemas, row keys and error classes, value for value.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as theirs from '@databricks/sql';
import * as ours from '#dist/databricks-sql/index';
import { TTypeId } from '#dist/databricks-sql/index';
import { dropInOptions } from './helpers/databricks-sql';
import { useWarehouse } from './helpers/warehouse';

const warehouse = useWarehouse();

interface Driver {
  name: string;
  connect(extra?: Record<string, unknown>): Promise<{
    openSession(): Promise<{
      executeStatement(
        sql: string,
        options?: Record<string, unknown>,
      ): Promise<{
        fetchAll(): Promise<object[]>;
        getSchema(): Promise<unknown>;
        close(): Promise<unknown>;
      }>;
      close(): Promise<unknown>;
    }>;
    close(): Promise<void>;
  }>;
}

const DRIVERS: Driver[] = [
  {
    name: '@databricks/sql',
    connect: async (extra = {}) => {
      // Their kernel takes the port inside `host` (it ignores `port`).
      const { host, port, ...rest } = dropInOptions(warehouse());
      const options = { ...rest, host: `${host}:${port}`, useKernel: true, telemetryEnabled: false, ...extra };
      return new theirs.DBSQLClient().connect(options as Parameters<theirs.DBSQLClient['connect']>[0]);
    },
  },
  {
    name: 'sluice/databricks-sql',
    connect: async (extra = {}) =>
      new ours.DBSQLClient().connect({ ...dropInOptions(warehouse()), ...extra } as ours.ConnectionOptions),
  },
];

/**
 * A schema as their kernel path gives it, which differs from their Thrift path (and the drop-in)
 * in two ways: DECIMAL columns lack their precision and scale qualifiers, and INTERVAL columns
 * are typed STRING_TYPE, not INTERVAL_YEAR_MONTH_TYPE / INTERVAL_DAY_TIME_TYPE. Everything else
 * must match.
 */
function kernelShaped(schema: unknown): unknown {
  const columns = (schema as { columns?: { typeDesc: { types: { primitiveEntry?: object }[] } }[] } | null)?.columns;
  if (!columns) return schema;
  return {
    columns: columns.map((c) => ({
      ...c,
      typeDesc: {
        types: c.typeDesc.types.map((t) => {
          const { typeQualifiers: _, ...entry } = (t.primitiveEntry ?? {}) as {
            type: number;
            typeQualifiers?: unknown;
          };
          const interval =
            entry.type === TTypeId.INTERVAL_YEAR_MONTH_TYPE || entry.type === TTypeId.INTERVAL_DAY_TIME_TYPE;
          return { ...t, primitiveEntry: { ...entry, type: interval ? TTypeId.STRING_TYPE : entry.type } };
        }),
      },
    })),
  };
}

/** Runs `sql` through a driver: its rows and schema, or the error's class name, code and SQLSTATE. */
async function outcome(driver: Driver, sql: string, options: Record<string, unknown> = {}, extra = {}) {
  const client = await driver.connect(extra);
  const session = await client.openSession();
  try {
    const operation = await session.executeStatement(sql, options);
    const rows = await operation.fetchAll();
    const schema = kernelShaped(await operation.getSchema());
    await operation.close();
    return { rows, schema };
  } catch (e) {
    const error = e as { constructor: { name: string }; errorCode?: unknown; sqlState?: unknown };
    return { error: [error.constructor.name, error.errorCode, error.sqlState] };
  } finally {
    await session.close();
    await client.close();
  }
}

async function same(sql: string, options: Record<string, unknown> = {}, extra = {}) {
  const [expected, actual] = [
    await outcome(DRIVERS[0], sql, options, extra),
    await outcome(DRIVERS[1], sql, options, extra),
  ];
  assert.deepEqual(actual, expected);
  return actual;
}

const TYPES = `SELECT
  CAST(-128 AS TINYINT) AS tiny, CAST(32767 AS SMALLINT) AS small, CAST(2147483647 AS INT) AS i,
  CAST(9007199254740993 AS BIGINT) AS big, CAST(-5 AS BIGINT) AS neg_big, CAST(1.5 AS FLOAT) AS f, CAST(2.25 AS DOUBLE) AS d,
  CAST('NaN' AS DOUBLE) AS nan, CAST('-Infinity' AS DOUBLE) AS ninf,
  CAST('12345.67' AS DECIMAL(10,2)) AS price, CAST(0.001 AS DECIMAL(5,3)) AS small_dec,
  'héllo 世界' AS s, '' AS empty, true AS yes, X'00FF10' AS bin,
  DATE '2024-02-29' AS day, DATE '1969-07-20' AS old_day, TIMESTAMP '2024-02-29 12:34:56.789123' AS ts,
  INTERVAL '1-2' YEAR TO MONTH AS ym, INTERVAL '-1-2' YEAR TO MONTH AS neg_ym,
  INTERVAL '1 02:03:04.567891' DAY TO SECOND AS dts, INTERVAL '-3' DAY AS neg_days,
  make_array(1, 2, NULL) AS arr, MAP('a', 1, 'b', NULL) AS m, NAMED_STRUCT('a', 1, 'b', 'x') AS st,
  make_array(NAMED_STRUCT('k', CAST(5 AS BIGINT))) AS nested, MAP('k', make_array(CAST(1.5 AS DECIMAL(3,1)))) AS map_arr,
  CAST(NULL AS INT) AS null_int, CAST(NULL AS STRING) AS null_s`;

describe('the drop-in against @databricks/sql 2.1 (useKernel), value for value', () => {
  it('gives the same values and schema for every type, by default', async () => {
    await same(TYPES);
  });

  it('gives the same values with preserveBigNumericPrecision', async () => {
    await same(TYPES, {}, { preserveBigNumericPrecision: true });
  });

  it('gives the same rows for repeated column names and many rows', async () => {
    await same('SELECT 1 AS a, 2 AS a, 3 AS b');
    await same('SELECT id, id % 7 AS m, CAST(id AS STRING) AS s FROM range(5000) ORDER BY id');
  });

  it('binds named and ordinal parameters the same way', async () => {
    await same('SELECT :n AS n, :s AS s, :b AS b, :big AS big, :nothing AS nothing', {
      namedParameters: { n: 42, s: 'x', b: true, big: 12345678901n, nothing: null },
    });
    await same('SELECT ? AS a, ? AS b', { ordinalParameters: [1.5, 'two'] });
  });

  it('binds typed DBSQLParameters the same way', async () => {
    for (const [Parameter, Type] of [
      [theirs.DBSQLParameter, theirs.DBSQLParameterType],
      [ours.DBSQLParameter, ours.DBSQLParameterType],
    ] as const) {
      assert.equal(Type.INTERVALMONTH, 'INTERVAL MONTH');
      assert.equal(typeof Parameter, 'function');
    }
    const typed = (
      make: typeof ours.DBSQLParameter | typeof theirs.DBSQLParameter,
      types: typeof ours.DBSQLParameterType,
    ) => ({
      price: new make({ type: types.DECIMAL as never, value: '12.50' }),
      day: new make({ type: types.DATE as never, value: new Date(2024, 1, 29) }),
      d: new make({ type: types.DOUBLE as never, value: 0.5 }),
      ts: new Date(Date.UTC(2024, 1, 29, 1, 2, 3)),
      nothing: new make({ type: types.VOID as never, value: 'ignored' }),
    });
    const sql = 'SELECT :price AS price, :day AS day, :d AS d, :ts AS ts, :nothing AS nothing';
    const [expected, actual] = [
      await outcome(DRIVERS[0], sql, { namedParameters: typed(theirs.DBSQLParameter, ours.DBSQLParameterType) }),
      await outcome(DRIVERS[1], sql, { namedParameters: typed(ours.DBSQLParameter, ours.DBSQLParameterType) }),
    ];
    assert.deepEqual(actual, expected);
  });

  it('raises the same error classes and codes', async () => {
    await same('SELEC 1');
    await same('SELECT * FROM no_such_table');
    await same('SELECT ? AS a', { namedParameters: { a: 1 }, ordinalParameters: [1] });
  });
});

describe('metadata operations against @databricks/sql 2.1 (useKernel)', () => {
  /** Each driver's rows of a metadata call, keys in order. */
  async function metadata(driver: Driver, call: string, request: Record<string, unknown>) {
    const client = await driver.connect();
    const session = (await client.openSession()) as unknown as Record<
      string,
      (r: unknown) => Promise<{ fetchAll(): Promise<object[]> }>
    >;
    try {
      const rows = await (await session[call](request)).fetchAll();
      return rows.map((r) => Object.entries(r));
    } finally {
      await (session as unknown as { close(): Promise<unknown> }).close();
      await client.close();
    }
  }

  for (const [call, request] of [
    ['getCatalogs', {}],
    ['getSchemas', { catalogName: 'samples' }],
    ['getTables', { catalogName: 'samples', schemaName: 'tpch', tableName: 'nation' }],
    ['getColumns', { catalogName: 'samples', schemaName: 'tpch', tableName: 'nation' }],
  ] as const) {
    it(`${call} gives the same rows, column names and order`, async () => {
      const expected = await metadata(DRIVERS[0], call, request);
      const actual = await metadata(DRIVERS[1], call, request);
      assert.deepEqual(actual, expected);
    });
  }

  // Fixed tables: sluice's (src/metadata.ts) follow JDBC, which orders type info by DATA_TYPE and
  // table types by name; theirs keep another order and differ in some type-info values. The
  // column names and order, and the set of table types, must match.
  it('getTableTypes gives the same table types', async () => {
    const sorted = (rows: [string, unknown][][]) => rows.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(
      sorted(await metadata(DRIVERS[1], 'getTableTypes', {})),
      sorted(await metadata(DRIVERS[0], 'getTableTypes', {})),
    );
  });

  it('getTypeInfo gives the same column names in the same order', async () => {
    const keys = (rows: [string, unknown][][]) => rows[0]?.map(([k]) => k);
    assert.deepEqual(
      keys(await metadata(DRIVERS[1], 'getTypeInfo', {})),
      keys(await metadata(DRIVERS[0], 'getTypeInfo', {})),
    );
  });
});
