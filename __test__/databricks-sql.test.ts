/**
 * The @databricks/sql drop-in, used the way that driver's README and examples use it, against
 * the local warehouse: connect, sessions, statements, every fetch style, the value table,
 * parameters, errors, cancel, schema and metadata.
 */

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  AuthenticationError,
  DBSQLClient,
  DBSQLParameter,
  DBSQLParameterType,
  HiveDriverError,
  type IDBSQLSession,
  type OpenSessionRequest,
  OperationStateError,
  OperationStateErrorCode,
  ParameterError,
  RetryError,
  RetryErrorCode,
  TTypeId,
} from '#dist/databricks-sql/index';
import { type LocalWarehouse, startLocalWarehouse } from '#dist/local-warehouse';
import { PACKAGE_ROOT } from '#dist/package-root';
import { admin } from './helpers/admin';
import { dropInOptions } from './helpers/databricks-sql';
import { startProxy, type TestProxy } from './helpers/proxy';
import { useWarehouse } from './helpers/warehouse';

const warehouse = useWarehouse({ args: ['--enable-admin'] });

async function withSession<T>(
  work: (session: IDBSQLSession) => Promise<T>,
  extra: Record<string, unknown> = {},
  request: OpenSessionRequest = {},
): Promise<T> {
  const client = new DBSQLClient();
  await client.connect({ ...dropInOptions(warehouse()), ...extra });
  const session = await client.openSession(request);
  try {
    return await work(session);
  } finally {
    await session.close();
    await client.close();
  }
}

async function query(sql: string, extra: Record<string, unknown> = {}): Promise<object[]> {
  return withSession(async (session) => {
    const operation = await session.executeStatement(sql);
    const rows = await operation.fetchAll();
    await operation.close();
    return rows;
  }, extra);
}

/** One value of every type, with what @databricks/sql gives for it by default. */
const VALUES = `SELECT
  CAST(-128 AS TINYINT) AS tiny, CAST(32767 AS SMALLINT) AS small, CAST(2147483647 AS INT) AS i,
  CAST(9007199254740993 AS BIGINT) AS big, CAST(1.5 AS FLOAT) AS f, CAST(2.25 AS DOUBLE) AS d,
  CAST('12345.67' AS DECIMAL(10,2)) AS price, CAST('99999999999999999999.999999999999999999' AS DECIMAL(38,18)) AS wide,
  'héllo 世界' AS s, true AS yes, X'00FF10' AS bin,
  DATE '2024-02-29' AS day, TIMESTAMP '2024-02-29 12:34:56.789123' AS ts,
  INTERVAL '1-2' YEAR TO MONTH AS ym, INTERVAL '-1-2' YEAR TO MONTH AS neg_ym,
  INTERVAL '1 02:03:04.567891' DAY TO SECOND AS dts, INTERVAL '-3' DAY AS neg_days,
  make_array(1, 2, NULL) AS arr, MAP('a', 1, 'b', NULL) AS m, NAMED_STRUCT('a', 1, 'b', 'x') AS st,
  MAP(1, 'one') AS int_keys, make_array(NAMED_STRUCT('k', CAST(5 AS BIGINT))) AS nested,
  CAST(NULL AS INT) AS null_int, NULL AS void`;

describe('@databricks/sql drop-in: the README flow', () => {
  it('connects, opens a session, runs a statement and fetches every row', async () => {
    const client = new DBSQLClient();
    const events: string[] = [];
    client.on('close', () => events.push('close'));
    const connected = await client.connect(dropInOptions(warehouse()));
    assert.equal(connected, client, 'connect() resolves to the client');
    const session = await client.openSession();
    assert.equal(typeof session.id, 'string');
    const operation = await session.executeStatement('SELECT id, id * 2 AS twice FROM range(3) ORDER BY id', {
      runAsync: true,
      maxRows: 10000,
    });
    const rows = await operation.fetchAll();
    assert.deepEqual(rows, [
      { id: 0, twice: 0 },
      { id: 1, twice: 2 },
      { id: 2, twice: 4 },
    ]);
    assert.equal((await operation.close()).isSuccess, true);
    assert.equal((await session.close()).isSuccess, true);
    await client.close();
    assert.deepEqual(events, ['close']);
  });

  it('takes the path without its leading slash, and with a ?o= workspace id', async () => {
    const options = dropInOptions(warehouse());
    const rows = await query('SELECT 1 AS one', { path: `${options.path.slice(1)}?o=1234567890` });
    assert.deepEqual(rows, [{ one: 1 }]);
  });

  it('refuses to open a session before connect()', async () => {
    await assert.rejects(
      new DBSQLClient().openSession(),
      (e) => e instanceof HiveDriverError && /not connected/.test(e.message),
    );
  });

  it('opens a session in the given catalog and schema, with its configuration', async () => {
    const client = new DBSQLClient();
    await client.connect(dropInOptions(warehouse()));
    const session = await client.openSession({
      initialCatalog: 'samples',
      initialSchema: 'tpch',
      configuration: { TIMEZONE: 'UTC' },
    });
    const operation = await session.executeStatement('SELECT current_catalog() AS c, current_schema() AS s');
    assert.deepEqual(await operation.fetchAll(), [{ c: 'samples', s: 'tpch' }]);
    await session.close();
    await client.close();
  });
});

describe('@databricks/sql drop-in: values', () => {
  it('gives every type as @databricks/sql does by default', async () => {
    const [row] = (await query(VALUES)) as Record<string, unknown>[];
    assert.deepEqual(row, {
      tiny: -128,
      small: 32767,
      i: 2147483647,
      big: 9007199254740992,
      f: 1.5,
      d: 2.25,
      price: 12345.67,
      wide: 100000000000000000000,
      s: 'héllo 世界',
      yes: true,
      bin: Buffer.from([0, 255, 16]),
      day: new Date(Date.UTC(2024, 1, 29)),
      ts: new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)),
      ym: '1-2',
      neg_ym: '-1-2',
      dts: '1 02:03:04.567891000',
      neg_days: '-3 00:00:00.000000000',
      arr: [1, 2, null],
      m: { a: 1, b: null },
      st: { a: 1, b: 'x' },
      int_keys: { 1: 'one' },
      nested: [{ k: 5 }],
      null_int: null,
      void: null,
    });
    assert.ok(Buffer.isBuffer(row.bin), 'BINARY is a Buffer');
    assert.equal(Object.getPrototypeOf(row.m), Object.prototype, 'MAP is a plain object');
  });

  it('gives BIGINT as bigint and DECIMAL as exact text with preserveBigNumericPrecision', async () => {
    const [row] = (await query(VALUES, { preserveBigNumericPrecision: true })) as Record<string, unknown>[];
    assert.equal(row.big, 9007199254740993n);
    assert.equal(row.price, '12345.67');
    assert.equal(row.wide, '99999999999999999999.999999999999999999');
    assert.deepEqual(row.nested, [{ k: 5n }]);
    assert.equal(row.i, 2147483647, 'INT stays a number');
  });

  it('collapses repeated column names into one key holding the last column', async () => {
    assert.deepEqual(await query('SELECT 1 AS a, 2 AS a, 3 AS b'), [{ a: 2, b: 3 }]);
  });
});

describe('@databricks/sql drop-in: fetching', () => {
  const SQL = 'SELECT id FROM range(2500) ORDER BY id';
  const ids = (rows: object[]) => rows.map((r) => (r as { id: number }).id);
  const expected = Array.from({ length: 2500 }, (_, i) => i);

  it('fetchChunk pages by maxRows, and hasMoreRows turns false exactly at the end', async () => {
    await withSession(async (session) => {
      const operation = await session.executeStatement(SQL);
      const pages: number[] = [];
      const all: object[] = [];
      while (await operation.hasMoreRows()) {
        const chunk = await operation.fetchChunk({ maxRows: 1000 });
        pages.push(chunk.length);
        all.push(...chunk);
      }
      assert.deepEqual(pages, [1000, 1000, 500]);
      assert.deepEqual(ids(all), expected);
      assert.deepEqual(await operation.fetchChunk({ maxRows: 10 }), [], 'a drained operation gives empty chunks');
      await operation.close();
    });
  });

  it('fetchAll after a partial fetchChunk gives the rest, none lost or repeated', async () => {
    await withSession(async (session) => {
      const operation = await session.executeStatement(SQL);
      const first = await operation.fetchChunk({ maxRows: 7 });
      assert.equal(await operation.hasMoreRows(), true);
      const rest = await operation.fetchAll();
      assert.deepEqual(ids([...first, ...rest]), expected);
      assert.equal(await operation.hasMoreRows(), false);
    });
  });

  it('iterateChunks, iterateRows and toNodeStream give every row in order', async () => {
    await withSession(async (session) => {
      const chunked = await session.executeStatement(SQL);
      const sizes: number[] = [];
      const fromChunks: object[] = [];
      for await (const chunk of chunked.iterateChunks({ maxRows: 1000 })) {
        sizes.push(chunk.length);
        fromChunks.push(...chunk);
      }
      assert.deepEqual(sizes, [1000, 1000, 500]);
      assert.deepEqual(ids(fromChunks), expected);

      const rowwise = await session.executeStatement(SQL);
      const iterator = rowwise.iterateRows({ autoClose: true });
      assert.equal(iterator.operation, rowwise);
      const fromRows: object[] = [];
      for await (const row of iterator) fromRows.push(row);
      assert.deepEqual(ids(fromRows), expected);
      await assert.rejects(rowwise.fetchChunk(), (e) => e instanceof OperationStateError && e.errorCode === 'CLOSED');

      // Rows iterateRows read ahead of the caller are handed out by the fetch that follows it.
      const mixed = await session.executeStatement(SQL);
      const few: object[] = [];
      for await (const row of mixed.iterateRows()) {
        few.push(row);
        if (few.length === 3) break;
      }
      assert.deepEqual(ids([...few, ...(await mixed.fetchAll())]), expected);

      const streamed: object[] = [];
      for await (const row of (await session.executeStatement(SQL)).toNodeStream({ mode: 'rows' })) streamed.push(row);
      assert.deepEqual(ids(streamed), expected);
      const streamedChunks: object[][] = [];
      for await (const chunk of (await session.executeStatement(SQL)).toNodeStream({
        iteratorOptions: { maxRows: 2000 },
      })) {
        streamedChunks.push(chunk);
      }
      assert.deepEqual(
        streamedChunks.map((c) => c.length),
        [2000, 500],
      );
      assert.throws(() => rowwise.toNodeStream({ mode: 'columns' as 'rows' }), /unsupported mode/);
    });
  });

  it('a statement without a result set gives no rows, no schema, and hasMoreRows false', async () => {
    await withSession(async (session) => {
      const operation = await session.executeStatement('CREATE TABLE main.default.drop_in_ddl (x INT)');
      assert.deepEqual(await operation.fetchAll(), []);
      assert.equal(await operation.hasMoreRows(), false);
      assert.equal(await operation.getSchema(), null);
    });
  });
});

describe('@databricks/sql drop-in: schema, metadata of results and status', () => {
  it('getSchema gives their TTableSchema, with TTypeId numbers and positions', async () => {
    await withSession(async (session) => {
      const operation = await session.executeStatement(
        "SELECT CAST(1 AS BIGINT) AS big, CAST(1.5 AS DECIMAL(10,2)) AS price, 'x' AS s, DATE '2024-01-01' AS day, TIMESTAMP '2024-01-01 00:00:00' AS ts, INTERVAL '1-2' YEAR TO MONTH AS ym, INTERVAL '1' DAY AS dt, make_array(1) AS arr, MAP('a', 1) AS m, NAMED_STRUCT('a', 1) AS st, X'00' AS bin, true AS b, CAST(1 AS INT) AS i, CAST(1 AS DOUBLE) AS d",
      );
      const schema = await operation.getSchema();
      assert.ok(schema);
      assert.deepEqual(
        schema.columns.map((c) => [c.columnName, c.typeDesc.types[0].primitiveEntry?.type, c.position]),
        [
          ['big', TTypeId.BIGINT_TYPE, 1],
          ['price', TTypeId.DECIMAL_TYPE, 2],
          ['s', TTypeId.STRING_TYPE, 3],
          ['day', TTypeId.DATE_TYPE, 4],
          ['ts', TTypeId.TIMESTAMP_TYPE, 5],
          ['ym', TTypeId.INTERVAL_YEAR_MONTH_TYPE, 6],
          ['dt', TTypeId.INTERVAL_DAY_TIME_TYPE, 7],
          ['arr', TTypeId.ARRAY_TYPE, 8],
          ['m', TTypeId.MAP_TYPE, 9],
          ['st', TTypeId.STRUCT_TYPE, 10],
          ['bin', TTypeId.BINARY_TYPE, 11],
          ['b', TTypeId.BOOLEAN_TYPE, 12],
          ['i', TTypeId.INT_TYPE, 13],
          ['d', TTypeId.DOUBLE_TYPE, 14],
        ],
      );
      assert.deepEqual(schema.columns[1].typeDesc.types[0].primitiveEntry?.typeQualifiers, {
        qualifiers: { precision: { i32Value: 10 }, scale: { i32Value: 2 } },
      });
      const metadata = await operation.getResultMetadata();
      assert.deepEqual(metadata.schema, schema);
      assert.equal(metadata.isStagingOperation, false);
      const status = await operation.status();
      assert.equal(status.status.statusCode, 0);
      assert.equal(status.operationState, 2, 'FINISHED_STATE');
      assert.equal(status.hasResultSet, true);
      await operation.finished();
      await operation.close();
      await assert.rejects(operation.getSchema(), (e) => e instanceof OperationStateError && e.errorCode === 'CLOSED');
    });
  });
});

describe('@databricks/sql drop-in: parameters', () => {
  it('binds named parameters, plain and typed', async () => {
    const rows = await withSession(async (session) => {
      const operation = await session.executeStatement(
        'SELECT :n AS n, :big AS big, :s AS s, :yes AS yes, :nothing AS nothing, :price AS price, :day AS day, :ts AS ts, :d AS d',
        {
          namedParameters: {
            n: 42,
            big: 9007199254740993n,
            s: "it's",
            yes: true,
            nothing: null,
            price: new DBSQLParameter({ type: DBSQLParameterType.DECIMAL, value: '12.50' }),
            day: new DBSQLParameter({ type: DBSQLParameterType.DATE, value: new Date(2024, 1, 29) }),
            ts: new Date(Date.UTC(2024, 1, 29, 1, 2, 3)),
            d: new DBSQLParameter({ type: DBSQLParameterType.DOUBLE, value: 0.5 }),
          },
        },
      );
      return operation.fetchAll();
    });
    assert.deepEqual(rows, [
      {
        n: 42,
        big: 9007199254740992,
        s: "it's",
        yes: true,
        nothing: null,
        price: 12.5,
        day: new Date(Date.UTC(2024, 1, 29)),
        ts: new Date(Date.UTC(2024, 1, 29, 1, 2, 3)),
        d: 0.5,
      },
    ]);
  });

  it('binds ordinal parameters', async () => {
    const rows = await withSession(async (session) =>
      (await session.executeStatement('SELECT ? AS a, ? AS b', { ordinalParameters: [1, 'two'] })).fetchAll(),
    );
    assert.deepEqual(rows, [{ a: 1, b: 'two' }]);
  });

  it('refuses named and ordinal parameters together with a ParameterError', async () => {
    await withSession(async (session) => {
      await assert.rejects(
        session.executeStatement('SELECT ?', { namedParameters: { a: 1 }, ordinalParameters: [1] }),
        (e) =>
          e instanceof ParameterError && !(e instanceof HiveDriverError) && /both ordinal and named/.test(e.message),
      );
    });
  });
});

describe('@databricks/sql drop-in: errors and cancellation', () => {
  it('a SQL error is an OperationStateError ERROR with its SQLSTATE and message', async () => {
    await withSession(async (session) => {
      await assert.rejects(session.executeStatement('SELEC 1'), (e) => {
        assert.ok(e instanceof OperationStateError && e instanceof HiveDriverError);
        assert.equal(e.errorCode, OperationStateErrorCode.Error);
        assert.equal(e.sqlState, '42601');
        assert.match(e.message, /SELEC/i);
        assert.equal(e.response?.operationState, 5, 'ERROR_STATE');
        return true;
      });
    });
  });

  it('a runAsync statement reports its failure from status() and raises it from fetchAll()', async () => {
    await withSession(async (session) => {
      const operation = await session.executeStatement('SELECT * FROM no_such_table', { runAsync: true });
      await assert.rejects(operation.fetchAll(), (e) => e instanceof OperationStateError && e.errorCode === 'ERROR');
      const status = await operation.status();
      assert.equal(status.operationState, 5);
      assert.match(status.errorMessage ?? '', /no_such_table/);
    });
  });

  it('a wrong token is an AuthenticationError, and the client emits it as "error"', async () => {
    const client = new DBSQLClient();
    const seen: unknown[] = [];
    client.on('error', (e) => seen.push(e));
    await client.connect({ ...dropInOptions(warehouse()), token: 'dapi-wrong' });
    await assert.rejects(
      client.openSession(),
      (e) => e instanceof AuthenticationError && e.name === 'AuthenticationError',
    );
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof AuthenticationError);
    await client.close();
  });

  it('cancel() stops a running statement; its fetch raises CANCELED', async () => {
    await withSession(async (session) => {
      const operation = await session.executeStatement('SELECT sleep(30) AS s', { runAsync: true });
      assert.equal((await operation.status()).operationState, 1, 'RUNNING_STATE while it runs');
      const fetching = operation.fetchAll();
      setTimeout(() => void operation.cancel(), 300);
      const started = Date.now();
      await assert.rejects(fetching, (e) => e instanceof OperationStateError && e.errorCode === 'CANCELED');
      assert.ok(Date.now() - started < 20_000, 'the statement did not run to its end');
      await assert.rejects(
        operation.fetchChunk(),
        (e) => e instanceof OperationStateError && e.errorCode === 'CANCELED',
      );
      assert.equal(await operation.hasMoreRows(), false);
    });
  });

  it('queryTimeout cancels the statement on the warehouse with a TIMEOUT', async () => {
    await withSession(async (session) => {
      await assert.rejects(
        session.executeStatement('SELECT sleep(30) AS s', { queryTimeout: 1 }),
        (e) => e instanceof OperationStateError && e.errorCode === OperationStateErrorCode.Timeout,
      );
    });
  });

  it('retries that run out are a RetryError carrying the last failure', async () => {
    await admin.fault(warehouse(), { route: 'statements.execute', kind: 'status', status: 429, count: 5 });
    try {
      await withSession(
        async (session) => {
          await assert.rejects(session.executeStatement('SELECT 1'), (e) => {
            assert.ok(e instanceof RetryError, String(e));
            assert.equal(e.errorCode, RetryErrorCode.AttemptsExceeded);
            assert.match(String((e.payload as Error).message), /429|Too Many/i);
            return true;
          });
        },
        { retryMaxAttempts: 2, retryDelayMin: 10, retryDelayMax: 50 },
      );
    } finally {
      await admin.clearFaults(warehouse());
    }
  });

  it('a closed session refuses new statements', async () => {
    const client = new DBSQLClient();
    await client.connect(dropInOptions(warehouse()));
    const session = await client.openSession();
    await session.close();
    await assert.rejects(session.executeStatement('SELECT 1'), (e) => e instanceof HiveDriverError);
    await client.close();
  });
});

describe('@databricks/sql drop-in: metadata operations', () => {
  it('getCatalogs, getSchemas, getTables and getColumns give rows with JDBC column names', async () => {
    await withSession(async (session) => {
      const catalogs = await (await session.getCatalogs()).fetchAll();
      assert.ok(catalogs.some((r) => (r as { TABLE_CAT: string }).TABLE_CAT === 'samples'));
      const schemas = await (await session.getSchemas({ catalogName: 'samples', schemaName: 'tp%' })).fetchAll();
      assert.deepEqual(schemas, [{ TABLE_SCHEM: 'tpch', TABLE_CATALOG: 'samples' }]);
      const tablesOp = await session.getTables({ catalogName: 'samples', schemaName: 'tpch', tableName: 'nation' });
      const tables = await tablesOp.fetchAll();
      assert.equal(tables.length, 1);
      assert.deepEqual(Object.keys(tables[0]), [
        'TABLE_CAT',
        'TABLE_SCHEM',
        'TABLE_NAME',
        'TABLE_TYPE',
        'REMARKS',
        'TYPE_CAT',
        'TYPE_SCHEM',
        'TYPE_NAME',
        'SELF_REFERENCING_COL_NAME',
        'REF_GENERATION',
      ]);
      assert.deepEqual((await tablesOp.getSchema())?.columns[0].columnName, 'TABLE_CAT');
      const columns = (await (
        await session.getColumns({ catalogName: 'samples', schemaName: 'tpch', tableName: 'nation', columnName: 'n_%' })
      ).fetchAll()) as Record<string, unknown>[];
      const key = columns.find((c) => c.COLUMN_NAME === 'n_nationkey');
      assert.ok(key, 'n_nationkey is listed');
      assert.equal(key.TABLE_NAME, 'nation');
      assert.equal(key.DATA_TYPE, -5, 'java.sql.Types.BIGINT');
      assert.equal(key.TYPE_NAME, 'BIGINT');
      assert.equal(key.ORDINAL_POSITION, 0, 'numbered from 0, as @databricks/sql gives it');
      assert.equal(key.NULLABLE, 1);
      assert.equal(columns.length, 4);
      assert.equal(Object.keys(key).length, 23, "JDBC's 23 getColumns columns");
    });
  });
});

describe('@databricks/sql drop-in: the package paths apps import', () => {
  const requireFromPackage = createRequire(join(PACKAGE_ROOT, 'package.json'));

  it('resolves the subpath and the deep paths to the same classes', () => {
    const dropIn = requireFromPackage('sluice/databricks-sql');
    const StatusError = requireFromPackage('sluice/databricks-sql/dist/errors/StatusError').default;
    const OSE = requireFromPackage('sluice/databricks-sql/dist/errors/OperationStateError').default;
    const types = requireFromPackage('sluice/databricks-sql/thrift/TCLIService_types');
    assert.equal(StatusError, dropIn.StatusError);
    assert.equal(OSE, dropIn.OperationStateError);
    assert.equal(types.TTypeId.DECIMAL_TYPE, 15);
    assert.equal(types.TStatusCode.ERROR_STATUS, 3);
    assert.equal(typeof requireFromPackage('sluice/databricks-sql/dist/contracts/IDBSQLSession'), 'object');
    const error = new StatusError({ statusCode: 3, errorMessage: 'boom', errorCode: 7 });
    assert.deepEqual([error.name, error.message, error.code], ['Status Error', 'boom', 7]);
  });

  it('gives ESM importers the same classes as CommonJS ones', async () => {
    const esm = await import(join(PACKAGE_ROOT, 'esm', 'databricks-sql.mjs'));
    const cjs = requireFromPackage('sluice/databricks-sql');
    assert.equal(esm.DBSQLClient, cjs.DBSQLClient);
    assert.equal(esm.OperationStateError, cjs.OperationStateError);
  });
});

describe('@databricks/sql drop-in: proxy and query tags', () => {
  let plain: LocalWarehouse;
  let proxy: TestProxy;

  before(async () => {
    // Plain HTTP, so the proxy forwards requests in the clear and the test reads their bodies.
    plain = await startLocalWarehouse({ args: ['--plain-http'] });
    proxy = await startProxy({ credentials: 'user:pa55word' });
  });

  after(async () => {
    await proxy?.close();
    await plain?.stop();
  });

  it('sends every call through the proxy, with the session and statement query tags', async () => {
    const client = new DBSQLClient();
    await client.connect({
      host: plain.info.url,
      path: plain.info.http_path,
      token: plain.info.token,
      proxy: {
        protocol: 'http',
        host: '127.0.0.1',
        port: proxy.port,
        auth: { username: 'user', password: 'pa55word' },
      },
    });
    const session = await client.openSession({ queryTags: { team: 'data', solo: null } });
    const tagged = await session.executeStatement('SELECT 1 AS one', { queryTags: { job: 'nightly' } });
    assert.deepEqual(await tagged.fetchAll(), [{ one: 1 }]);
    await (await session.executeStatement('SELECT 2 AS two')).fetchAll();
    await session.close();
    await client.close();
    const bodies = (path: string) =>
      proxy.log.forwarded
        .filter((r) => r.method === 'POST' && new URL(r.url).pathname === path)
        .map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const [opened] = bodies('/api/2.0/sql/sessions');
    assert.deepEqual(opened.session_confs, { QUERY_TAGS: 'team:data,solo:' });
    const statements = bodies('/api/2.0/sql/statements');
    assert.equal(statements.length, 2);
    assert.deepEqual(statements[0].query_tags, [{ key: 'job', value: 'nightly' }]);
    assert.equal(statements[1].query_tags, undefined);
    assert.equal(proxy.log.refused, 0, 'the proxy credentials were sent');
  });

  it('sends customHeaders and the ?o= of path as x-databricks-org-id on every API call, never on downloads', async () => {
    const viaProxy = {
      host: plain.info.url,
      token: plain.info.token,
      proxy: {
        protocol: 'http' as const,
        host: '127.0.0.1',
        port: proxy.port,
        auth: { username: 'user', password: 'pa55word' },
      },
    };
    const run = async (options: Record<string, unknown>) => {
      proxy.log.forwarded.length = 0;
      const warnings: string[] = [];
      const logger = { log: (level: string, message: string) => void (level === 'warn' && warnings.push(message)) };
      const client = new DBSQLClient({ logger: logger as never });
      await client.connect({ ...viaProxy, ...options } as never);
      const session = await client.openSession();
      assert.deepEqual(await (await session.executeStatement('SELECT 1 AS one')).fetchAll(), [{ one: 1 }]);
      await session.close();
      await client.close();
      assert.deepEqual(warnings, [], 'nothing is reported as ignored');
      const api = proxy.log.forwarded.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
      assert.ok(api.length >= 3, `session, statement and close: ${api.length}`);
      return api;
    };
    for (const r of await run({
      path: `${plain.info.http_path}?o=6051921418418893`,
      customHeaders: { 'X-Team': 'data' },
    })) {
      assert.equal(r.headers['x-databricks-org-id'], '6051921418418893', `${r.method} ${r.url}`);
      assert.equal(r.headers['x-team'], 'data', `${r.method} ${r.url}`);
      assert.ok(!r.url.includes('6051921418418893'), 'the org id is a header, not part of the URL');
    }
    // A header given in customHeaders wins over the path's.
    for (const r of await run({
      path: `${plain.info.http_path.slice(1)}?o=1`,
      customHeaders: { 'X-Databricks-Org-Id': '2' },
    })) {
      assert.equal(r.headers['x-databricks-org-id'], '2');
    }
    // A header the driver owns is refused when the session would send it.
    const client = new DBSQLClient();
    await client.connect({ ...viaProxy, path: plain.info.http_path, customHeaders: { Authorization: 'Bearer x' } });
    await assert.rejects(client.openSession(), /"Authorization" is set by the driver/);
    await client.close();
  });
});

describe('@databricks/sql drop-in: keys and functions', () => {
  it('getPrimaryKeys, getCrossReference and getFunctions give JDBC rows', async () => {
    await withSession(async (session) => {
      for (const sql of [
        'CREATE TABLE main.default.drop_in_parent (id BIGINT NOT NULL, name STRING, CONSTRAINT drop_in_pk PRIMARY KEY (id))',
        'CREATE TABLE main.default.drop_in_child (id BIGINT, parent_id BIGINT, CONSTRAINT drop_in_fk FOREIGN KEY (parent_id) REFERENCES main.default.drop_in_parent (id))',
      ]) {
        await (await session.executeStatement(sql)).close();
      }
      const keys = await (
        await session.getPrimaryKeys({ catalogName: 'main', schemaName: 'default', tableName: 'drop_in_parent' })
      ).fetchAll();
      assert.deepEqual(keys, [
        {
          TABLE_CAT: 'main',
          TABLE_SCHEM: 'default',
          TABLE_NAME: 'drop_in_parent',
          COLUMN_NAME: 'id',
          KEY_SEQ: 1,
          PK_NAME: 'drop_in_pk',
        },
      ]);
      const references = (await (
        await session.getCrossReference({
          parentCatalogName: 'main',
          parentSchemaName: 'default',
          parentTableName: 'drop_in_parent',
          foreignCatalogName: 'main',
          foreignSchemaName: 'default',
          foreignTableName: 'drop_in_child',
        })
      ).fetchAll()) as Record<string, unknown>[];
      assert.equal(references.length, 1);
      assert.deepEqual(
        [
          references[0].PKTABLE_NAME,
          references[0].PKCOLUMN_NAME,
          references[0].FKTABLE_NAME,
          references[0].FKCOLUMN_NAME,
        ],
        ['drop_in_parent', 'id', 'drop_in_child', 'parent_id'],
      );
      assert.equal(references[0].FK_NAME, 'drop_in_fk');
      assert.equal(Object.keys(references[0]).length, 14);
      // The local warehouse has no user functions (SHOW FUNCTIONS is empty): the layout is checked.
      const functionsOp = await session.getFunctions({ catalogName: 'main', functionName: 'abs' });
      assert.deepEqual(await functionsOp.fetchAll(), []);
      assert.deepEqual(
        (await functionsOp.getSchema())?.columns.map((c) => c.columnName),
        ['FUNCTION_CAT', 'FUNCTION_SCHEM', 'FUNCTION_NAME', 'REMARKS', 'FUNCTION_TYPE', 'SPECIFIC_NAME'],
      );
      const types = await (await session.getTableTypes()).fetchAll();
      assert.ok(types.some((t) => (t as { TABLE_TYPE: string }).TABLE_TYPE === 'TABLE'));
      const info = (await (await session.getTypeInfo()).fetchAll()) as Record<string, unknown>[];
      assert.equal(info.find((t) => t.TYPE_NAME === 'BIGINT')?.DATA_TYPE, -5);
    });
  });

  it('a request without catalogName uses the session catalog', async () => {
    await withSession(
      async (session) => {
        const columns = await (await session.getColumns({ schemaName: 'tpch', tableName: 'region' })).fetchAll();
        assert.deepEqual(
          columns.map((c) => (c as { COLUMN_NAME: string }).COLUMN_NAME),
          ['r_regionkey', 'r_name', 'r_comment'],
        );
      },
      {},
      { initialCatalog: 'samples', initialSchema: 'tpch' },
    );
  });
});

describe('@databricks/sql drop-in: secrets', () => {
  it('never shows the token in the client, its errors or a session', async () => {
    const canary = 'dapi-canary-0123456789abcdef';
    const client = new DBSQLClient();
    await client.connect({ ...dropInOptions(warehouse()), token: canary });
    const error = await client.openSession().then(
      () => assert.fail('a wrong token opened a session'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AuthenticationError);
    const shown = [inspect(client, { depth: 10 }), inspect(error, { depth: 10 }), String(error)].join('\n');
    assert.ok(!shown.includes(canary), 'the token was shown');
    await client.close();
  });
});
