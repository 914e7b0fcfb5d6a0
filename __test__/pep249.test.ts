/**
 * PEP 249 conformance, run once per backend: module globals, connection and cursor lifecycle,
 * description, rowcount, fetch semantics and arraysize, executemany, parameters, and every
 * exception class reachable from real failures.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeError } from '#dist/errors';
import * as sluice from '#dist/index';
import { admin, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

const {
  connect,
  DatabaseError,
  DataError,
  IntegrityError,
  InterfaceError,
  InternalError,
  NotSupportedError,
  OperationalError,
  ProgrammingError,
  typed,
} = sluice;

const typeCodes = (cursor: sluice.Cursor) => (cursor.description ?? []).map((d) => d[1]);

for (const backend of ['native', 'ts'] as const) {
  describe(`PEP 249 (${backend} backend)`, () => {
    const warehouse = useWarehouse({ args: ['--enable-admin'] });
    const open = () => connect(warehouse().connectOptions({ backend }));

    it('module globals and the exception hierarchy', () => {
      assert.equal(sluice.apilevel, '2.0');
      assert.equal(sluice.threadsafety, 1);
      assert.equal(sluice.paramstyle, 'named');
      for (const cls of [sluice.InterfaceError, sluice.DatabaseError]) assert.ok(cls.prototype instanceof sluice.Error);
      for (const cls of [
        sluice.DataError,
        sluice.OperationalError,
        sluice.IntegrityError,
        sluice.InternalError,
        sluice.ProgrammingError,
        sluice.NotSupportedError,
      ]) {
        assert.ok(cls.prototype instanceof sluice.DatabaseError, cls.name);
      }
      // The SQLSTATE class of a SQL error picks the subclass; one without a subclass stays DatabaseError.
      for (const [sqlState, cls] of [
        ['22012', sluice.DataError],
        ['23502', sluice.IntegrityError],
        ['42P01', sluice.ProgrammingError],
        ['0A000', sluice.NotSupportedError],
        ['XX000', sluice.InternalError],
        ['40001', sluice.DatabaseError],
        [undefined, sluice.DatabaseError],
      ] as const) {
        const e = makeError('m', { code: 'SqlError', sqlState });
        assert.equal(Object.getPrototypeOf(e), cls.prototype, String(sqlState));
      }
    });

    it('description is null before a query and seven-item sequences after', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      assert.equal(cursor.description, null);
      assert.equal(cursor.rowcount, -1);
      await cursor.execute("SELECT CAST(1.5 AS DECIMAL(7,3)) AS price, 'x' AS label");
      assert.deepEqual(cursor.description, [
        ['price', 'DECIMAL', null, null, 7, 3, null],
        ['label', 'STRING', null, null, null, null, null],
      ]);
      await cursor.execute(
        "SELECT CAST(1 AS TINYINT) a, CAST(1 AS SMALLINT) b, 1 c, CAST(1 AS BIGINT) d, CAST(1 AS FLOAT) e, CAST(1 AS DOUBLE) f, true g, DATE '2024-01-01' h, TIMESTAMP '2024-01-01 00:00:00' i, TIMESTAMP_NTZ '2024-01-01 00:00:00' j, X'00' k, make_array(1) l, map('a', 1) m, named_struct('x', 1) n, INTERVAL '1' MONTH o, NULL p",
      );
      assert.deepEqual(
        (cursor.description as unknown as unknown[][]).map(([name, type, ...rest]) => [
          name,
          type,
          rest.every((v) => v === null),
        ]),
        [
          ['a', 'TINYINT'],
          ['b', 'SMALLINT'],
          ['c', 'INT'],
          ['d', 'BIGINT'],
          ['e', 'FLOAT'],
          ['f', 'DOUBLE'],
          ['g', 'BOOLEAN'],
          ['h', 'DATE'],
          ['i', 'TIMESTAMP'],
          ['j', 'TIMESTAMP_NTZ'],
          ['k', 'BINARY'],
          ['l', 'ARRAY'],
          ['m', 'MAP'],
          ['n', 'STRUCT'],
          ['o', 'INTERVAL'],
          ['p', 'VOID'],
        ].map(([name, type]) => [name, type, true]),
      );
      // Type objects match the type codes description reports.
      const codes = typeCodes(cursor);
      const matched = (t: sluice.TypeObject) => codes.filter((c) => t.equals(c));
      assert.deepEqual(matched(sluice.NUMBER), ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE']);
      assert.deepEqual(matched(sluice.DATETIME), ['DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ']);
      assert.deepEqual(matched(sluice.BINARY), ['BINARY']);
      assert.deepEqual(matched(sluice.ROWID), []);
      await cursor.execute("SELECT CAST(1.5 AS DECIMAL(7,3)) AS price, 'x' AS label");
      const [price, label] = typeCodes(cursor);
      assert.ok(sluice.NUMBER.equals(price) && !sluice.STRING.equals(price));
      assert.ok(sluice.STRING.equals(label) && !sluice.NUMBER.equals(label));
      // setinputsizes and setoutputsize may do nothing (PEP 249), and results stay the same.
      cursor.setinputsizes([10, 20]);
      cursor.setoutputsize(100, 0);
      await cursor.execute('SELECT :n AS n', { n: 7 });
      assert.deepEqual(await cursor.fetchall(), [{ n: 7 }]);
      await connection.close();
    });

    it('rowcount: rows of a query, affected rows of DML, -1 without a result set', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      const table = `main.default.pep249_${backend}`;
      await cursor.execute(`CREATE TABLE ${table} (id BIGINT, name STRING)`);
      assert.equal(cursor.rowcount, -1);
      assert.equal(cursor.description, null);
      await cursor.execute(`INSERT INTO ${table} VALUES (1, 'a'), (2, 'b'), (3, NULL)`);
      assert.equal(cursor.rowcount, 3);
      await cursor.execute(`UPDATE ${table} SET name = 'z' WHERE id >= 2`);
      assert.equal(cursor.rowcount, 2);
      await cursor.execute(`/* tidy up */ -- names\n  delete FROM ${table} WHERE id = 0`);
      assert.equal(cursor.rowcount, 0);
      await cursor.execute('SELECT CAST(7 AS BIGINT) AS num_affected_rows');
      assert.equal(cursor.rowcount, 1, 'a query of a column named like the DML count counts its rows');
      await cursor.execute(`SELECT * FROM ${table} ORDER BY id`);
      assert.equal(cursor.rowcount, 3);
      assert.deepEqual(await cursor.fetchall(), [
        { id: 1n, name: 'a' },
        { id: 2n, name: 'z' },
        { id: 3n, name: 'z' },
      ]);
      await cursor.execute(`DROP TABLE ${table}`);
      await connection.close();
    });

    it('fetchone, fetchmany with arraysize, fetchall, and fetching after exhaustion', async () => {
      const connection = await open();
      const cursor = connection.cursor<{ id: bigint }>();
      await cursor.execute('SELECT id FROM range(7) ORDER BY id');
      assert.equal(cursor.arraysize, 1);
      assert.deepEqual(await cursor.fetchmany(), [{ id: 0n }]);
      cursor.arraysize = 4;
      assert.deepEqual(
        (await cursor.fetchmany()).map((r) => r.id),
        [1n, 2n, 3n, 4n],
      );
      assert.deepEqual(
        (await cursor.fetchmany(10)).map((r) => r.id),
        [5n, 6n],
      );
      assert.deepEqual(await cursor.fetchmany(), []);
      assert.equal(await cursor.fetchone(), null);
      assert.deepEqual(await cursor.fetchall(), []);
      await assert.rejects(cursor.fetchmany(-1), ProgrammingError);
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        assert.throws(() => {
          cursor.arraysize = bad;
        }, ProgrammingError);
      }
      assert.throws(
        () => {
          cursor.arraysize = '3' as unknown as number;
        },
        { name: 'ProgrammingError', message: 'arraysize must be a positive integer, got "3"' },
      );
      assert.equal(cursor.arraysize, 4);
      await connection.close();
    });

    it('fetching without a result set is a ProgrammingError: before execute and after DDL', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      await assert.rejects(
        cursor.fetchone(),
        (e) => e instanceof ProgrammingError && /call execute\(\) first/.test(e.message),
      );
      await cursor.execute(`CREATE TABLE main.default.ddl_${backend} (id INT)`);
      for (const fetch of [
        () => cursor.fetchone(),
        () => cursor.fetchmany(2),
        () => cursor.fetchall(),
        () => cursor.fetchArrow(),
      ]) {
        await assert.rejects(fetch(), (e) => e instanceof ProgrammingError && /produced no result set/.test(e.message));
      }
      await cursor.execute(`DROP TABLE main.default.ddl_${backend}`);
      await connection.close();
    });

    it('Arrow access: arrowBatches in order, a DML result as Arrow, and only before rows are fetched', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      await cursor.execute('SELECT id FROM range(2500) ORDER BY id');
      const ids: bigint[] = [];
      for await (const batch of cursor.arrowBatches()) ids.push(...(batch.getChildAt(0)?.toArray() ?? []));
      assert.deepEqual(
        ids,
        Array.from({ length: 2500 }, (_, i) => BigInt(i)),
      );
      const table = `main.default.arrow_dml_${backend}`;
      await cursor.execute(`CREATE TABLE ${table} (id INT)`);
      await cursor.execute(`INSERT INTO ${table} VALUES (1), (2)`);
      assert.equal(cursor.rowcount, 2);
      const counts = await cursor.fetchArrow();
      assert.equal(counts.getChild('num_affected_rows')?.get(0), 2n, 'the count read for rowcount is still there');
      await cursor.execute(`INSERT INTO ${table} VALUES (3)`);
      assert.deepEqual(await cursor.fetchall(), [{ num_affected_rows: 1n, num_inserted_rows: 1n }]);
      await cursor.execute('SELECT id FROM range(10)');
      await cursor.fetchone();
      await assert.rejects(
        cursor.fetchArrow(),
        (e) => e instanceof ProgrammingError && /Arrow access must come first/.test(e.message),
      );
      await cursor.execute(`DROP TABLE ${table}`);
      await connection.close();
    });

    it("an empty result's table has the result's schema, each column with its own type", async () => {
      const connection = await open();
      const cursor = connection.cursor();
      // Repeated names: a schema read through an apache-arrow Table would give both columns the
      // second one's type (apache/arrow-js#288).
      await cursor.execute("SELECT id AS x, 'a' AS x FROM range(3) WHERE id < 0");
      const table = await cursor.fetchArrow();
      assert.equal(table.numRows, 0);
      assert.deepEqual(
        table.schema.fields.map((f) => `${f.name}: ${f.type}`),
        ['x: Int64', 'x: Utf8'],
      );
      await connection.close();
    });

    it('a new execute replaces the previous result; for await iterates rows', async () => {
      const connection = await open();
      const cursor = connection.cursor<{ id: bigint }>();
      await cursor.execute('SELECT id FROM range(100)');
      await cursor.fetchone();
      await cursor.execute('SELECT id FROM range(3) ORDER BY id');
      const seen: bigint[] = [];
      for await (const row of cursor) seen.push(row.id);
      assert.deepEqual(seen, [0n, 1n, 2n]);
      await connection.close();
    });

    it("a new execute does not wait for the previous result's close; close() waits for every one", async () => {
      const w = warehouse();
      const connection = await open();
      const cursor = connection.cursor();
      await cursor.execute('SELECT 1 AS a');
      await admin.reset(w);
      // The warehouse holds the close of the first result for 3 s.
      await admin.fault(w, { route: 'statements.close', kind: 'delay', delay_ms: 3000, count: 1 });
      try {
        await cursor.execute('SELECT 2 AS b');
        assert.deepEqual(await cursor.fetchall(), [{ b: 2 }]);
        // The close has not been answered yet: the execute went ahead of it.
        assert.equal(requests(await admin.counters(w), 'statements.close'), 0);
        await cursor.close();
        // Both results were closed on the warehouse by the time close() resolved.
        assert.equal(requests(await admin.counters(w), 'statements.close', 200), 2);
      } finally {
        await admin.clearFaults(w);
        await connection.close();
      }
    });

    it('rows taken one at a time and a few at a time equal fetchall, nested columns included', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      const sql = `SELECT id, make_array(id, id + 1) AS arr, map(CAST(id AS STRING), make_array(id)) AS m,
        named_struct('a', id, 'b', make_array(CAST(id AS STRING))) AS st FROM range(5000) ORDER BY id`;
      await cursor.execute(sql);
      const all = await cursor.fetchall();
      assert.equal(all.length, 5000);
      await cursor.execute(sql);
      const mixed: unknown[] = [];
      for (let k = 0; mixed.length < 3000; k++)
        mixed.push(...(k % 2 ? await cursor.fetchmany(7) : [await cursor.fetchone()]));
      for await (const row of cursor) mixed.push(row);
      assert.deepEqual(mixed, all);
      await connection.close();
    });

    it('executemany runs once per parameter set and sums rowcount', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      const table = `main.default.many_${backend}`;
      await cursor.execute(`CREATE TABLE ${table} (id INT, name STRING)`);
      await cursor.executemany(`INSERT INTO ${table} SELECT :id, :name`, [
        { id: 1, name: 'one' },
        { id: 2, name: null },
        { id: 3, name: "it's" },
      ]);
      assert.equal(cursor.rowcount, 3);
      await cursor.execute(`SELECT id, name FROM ${table} ORDER BY id`);
      assert.deepEqual(await cursor.fetchall(), [
        { id: 1, name: 'one' },
        { id: 2, name: null },
        { id: 3, name: "it's" },
      ]);
      await cursor.execute(`DROP TABLE ${table}`);
      await connection.close();
    });

    it('parameters: positional, named, typed, every JS value kind, hostile text as data', async () => {
      const connection = await open();
      const cursor = connection.cursor<unknown[]>();
      const hostile = "'; DROP TABLE x; --\u0000";
      await cursor.execute('SELECT ?, ?, ?, ?, ?, ?, ?, ?', [
        'text',
        42,
        2 ** 40,
        2.5,
        9007199254740993n,
        true,
        null,
        hostile,
      ]);
      const connectionArrays = await connect(warehouse().connectOptions({ backend, rowMode: 'array' }));
      const arrays = connectionArrays.cursor<unknown[]>();
      await arrays.execute('SELECT ?, ?, ?, ?, ?, ?, ?, ?', [
        'text',
        42,
        2 ** 40,
        2.5,
        9007199254740993n,
        true,
        null,
        hostile,
      ]);
      assert.deepEqual(await arrays.fetchone(), [
        'text',
        42,
        1099511627776n,
        2.5,
        9007199254740993n,
        true,
        null,
        hostile,
      ]);
      await arrays.execute('SELECT :d AS d, :b AS b, :p AS p', {
        d: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)),
        b: new Uint8Array([0, 255, 16]),
        p: typed('12.50', 'DECIMAL(10,2)'),
      });
      assert.deepEqual(await arrays.fetchone(), [
        new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)),
        new Uint8Array([0, 255, 16]),
        '12.50',
      ]);
      await assert.rejects(arrays.execute('SELECT ?', [{ not: 'bindable' } as never]), ProgrammingError);
      await assert.rejects(arrays.execute('SELECT ?', [2n ** 70n]), ProgrammingError);
      await connectionArrays.close();
      await connection.close();
    });

    it('every exception class is reachable from a real failure', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      await assert.rejects(cursor.execute('SELEC 1'), (e) => e instanceof ProgrammingError && e.sqlState === '42601');
      await assert.rejects(
        cursor.execute('SELECT * FROM no_such_table'),
        (e) => e instanceof ProgrammingError && e.sqlState === '42P01',
      );
      await assert.rejects(
        cursor.execute('SELECT 1 / 0'),
        (e) => e instanceof DataError && e instanceof DatabaseError && e.sqlState === '22012',
      );
      await assert.rejects(cursor.execute(''), ProgrammingError);
      await assert.rejects(connection.rollback(), (e) => e instanceof NotSupportedError && e.code === 'NotSupported');
      await assert.rejects(
        cursor.execute('SELECT CAST(1 AS GEOGRAPHY)'),
        (e) => e instanceof NotSupportedError && e.sqlState === '0A000',
      );
      const table = `main.default.not_null_${backend}`;
      await cursor.execute(`CREATE TABLE ${table} (id INT NOT NULL)`);
      await assert.rejects(
        cursor.execute(`INSERT INTO ${table} VALUES (NULL)`),
        (e) =>
          e instanceof IntegrityError &&
          e.sqlState === '23502' &&
          e.errorClass === 'DELTA_NOT_NULL_CONSTRAINT_VIOLATED',
      );
      await cursor.execute(`DROP TABLE ${table}`);
      // A 200 answer whose body is not a statement: the driver's internal error, not a crash.
      await admin.fault(warehouse(), { route: 'statements.execute', kind: 'status', status: 200, count: 1 });
      await assert.rejects(
        cursor.execute('SELECT 1'),
        (e) => e instanceof InternalError && e.code === 'Internal' && e instanceof DatabaseError,
      );
      await assert.rejects(cursor.executemany('SELECT 1', undefined as never), ProgrammingError);
      await assert.rejects(
        connect({ ...warehouse().connectOptions({ backend }), token: 'dapi-wrong' }),
        (e) => e instanceof OperationalError && e.code === 'Unauthenticated',
      );
      assert.throws(() => sluice.typed(1, 'NOT; A TYPE'), ProgrammingError);
      await cursor.execute('SELECT id FROM range(5)');
      await connection.close();
      await assert.rejects(cursor.execute('SELECT 1'), InterfaceError);
      await assert.rejects(cursor.executemany('SELECT 1', []), InterfaceError);
      await assert.rejects(cursor.fetchone(), InterfaceError);
      await assert.rejects(cursor.fetchmany(2), InterfaceError);
      await assert.rejects(cursor.fetchall(), InterfaceError);
      await assert.rejects(cursor.fetchArrow(), InterfaceError);
      await assert.rejects(cursor.arrowBatches().next(), InterfaceError);
      await assert.rejects(cursor[Symbol.asyncIterator]().next(), InterfaceError);
      assert.doesNotThrow(() => cursor.cancel(), 'cancel() after close is a no-op, safe from timers');
      assert.throws(() => cursor.setinputsizes([1]), InterfaceError);
      assert.throws(() => cursor.setoutputsize(1), InterfaceError);
      await assert.rejects(connection.rollback(), InterfaceError);
      await assert.rejects(connection.commit(), InterfaceError);
      await assert.rejects(connection.catalogs(), InterfaceError);
      assert.throws(() => connection.cursor(), InterfaceError);
    });

    it('bad parameters, SQL text, execute and fetch options are ProgrammingErrors before anything is sent', async () => {
      const connection = await open();
      const cursor = connection.cursor<unknown[]>();
      const refused = async (call: () => Promise<unknown>, message: RegExp) =>
        assert.rejects(
          call,
          (e) => e instanceof ProgrammingError && e.code === 'InvalidArgument' && message.test(e.message),
        );
      // A hole in the array binds NULL, like undefined (the native binding threw a TypeError on it).
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      await cursor.execute('SELECT ? AS a, ? AS b', [, 1]);
      assert.deepEqual(await cursor.fetchall(), [{ a: null, b: 1 }]);
      // A lone surrogate: one backend sent U+FFFD, the other was refused with a misleading 400.
      await refused(
        () => cursor.execute('SELECT ?', ['\ud800']),
        /parameter 1: the string holds a lone UTF-16 surrogate/,
      );
      await refused(() => cursor.execute("SELECT '\udc00'"), /sql holds a lone UTF-16 surrogate/);
      // A Map's entries are not properties: they were dropped without a word.
      for (const params of [new Map([['a', 1]]), new Set([1]), new Date()]) {
        await refused(() => cursor.execute('SELECT 1', params as never), /a plain object \(for :name markers\)/);
      }
      const sql = 'SELECT 1';
      for (const [options, message] of [
        [{ timeout: Number.NaN }, /"timeout" must be an integer from 0 to 2147483647, got NaN/],
        [{ timeout: -1 }, /"timeout" must be an integer/],
        [{ timeout: 2 ** 32 }, /"timeout" must be an integer/],
        [{ timeout: '100' }, /"timeout" must be an integer from 0 to 2147483647, got "100"/],
        [{ rowLimit: Number.NaN }, /"rowLimit" must be an integer/],
        [{ rowLimit: 1.5 }, /"rowLimit" must be an integer/],
        [{ signal: {} }, /"signal" must be an AbortSignal/],
        [{ timeot: 10 }, /unknown execute option "timeot"/],
        [null, /execute options must be an object/],
      ] as const) {
        await refused(() => cursor.execute(sql, undefined, options as never), message);
        await refused(() => cursor.executemany(sql, [], options as never), message);
      }
      await cursor.execute('SELECT id FROM range(3)');
      for (const [options, message] of [
        [null, /fetch options must be an object/],
        [{ signal: 'x' }, /fetch option "signal" must be an AbortSignal/],
        [{ sigal: new AbortController().signal }, /unknown fetch option "sigal"/],
      ] as const) {
        await refused(() => cursor.fetchone(options as never), message);
        await refused(() => cursor.fetchmany(1, options as never), message);
        await refused(() => cursor.fetchall(options as never), message);
        await refused(() => cursor.arrowBatches(options as never).next(), message);
      }
      assert.equal((await cursor.fetchall()).length, 3, 'a refused call takes no rows');
      await connection.close();
    });

    it('a statement larger than the warehouse accepts is a typed error, and nothing crashes after it', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      // The warehouse answers 413 before reading the body and closes: the rest of the upload
      // fails with EPIPE after the answer, which crashed the process from the ts backend.
      await assert.rejects(
        cursor.execute(`SELECT 1 /* ${'x'.repeat(20 * 1024 * 1024)} */`),
        // Too large a request is the caller's to change, not a fault of the warehouse.
        (e) => e instanceof ProgrammingError && e.code === 'InvalidArgument' && e.httpStatus === 413 && !e.retryable,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await cursor.execute('SELECT 1 AS one');
      assert.deepEqual(await cursor.fetchall(), [{ one: 1 }]);
      await connection.close();
    });

    /** A pending call whose result the cursor let go of (closed, or another execute). */
    const released = (e: unknown) => e instanceof OperationalError && e.code === 'Cancelled';

    it('an execute overlapping another, or a close() in the same tick, leaves no statement unseen', async () => {
      const w = warehouse();
      const connection = await open();
      const cursor = connection.cursor();
      await admin.reset(w);
      // Both start before either claimed the cursor: the later one wins, the earlier is closed.
      const first = assert.rejects(cursor.execute('SELECT sleep(1) AS s, 42 AS x'), released);
      const second = cursor.execute('SELECT id FROM range(3) ORDER BY id');
      await first;
      await second;
      assert.deepEqual(cursor.description?.[0][0], 'id');
      assert.deepEqual(await cursor.fetchall(), [{ id: 0n }, { id: 1n }, { id: 2n }]);
      const closing = connection.cursor();
      const pending = assert.rejects(closing.execute('SELECT id FROM range(10)'), released);
      await closing.close();
      await pending;
      await connection.close();
      const counters = await admin.counters(w);
      assert.equal(requests(counters, 'statements.close'), counters.statements_executed);
    });

    for (const [name, fetch] of [
      ['fetchall', (cursor: sluice.Cursor) => cursor.fetchall()],
      ['fetchone', (cursor: sluice.Cursor) => cursor.fetchone()],
      ['fetchArrow', (cursor: sluice.Cursor) => cursor.fetchArrow()],
    ] as const) {
      it(`a ${name} pending when its result is replaced rejects, never a short result`, async () => {
        const connection = await open();
        const cursor = connection.cursor();
        await cursor.execute('SELECT id FROM range(2500)');
        const pending = assert.rejects(fetch(cursor), released);
        await cursor.execute('SELECT id FROM range(7)');
        await pending;
        assert.equal((await cursor.fetchall()).length, 7);
        await connection.close();
      });
    }

    describe('on a result of many chunks', () => {
      const small = useWarehouse({ args: ['--chunk-rows', '100', '--inline-limit', '0'] });

      it('overlapping fetches get every row once, in call order', async () => {
        const connection = await connect(small().connectOptions({ backend }));
        const cursor = connection.cursor<{ id: bigint }>();
        const ids = Array.from({ length: 3000 }, (_, i) => BigInt(i));
        // Rounds, since the native binding settled overlapping calls out of order only at times.
        for (let round = 0; round < 10; round++) {
          await cursor.execute('SELECT id FROM range(3000) ORDER BY id');
          const rows = await Promise.all(ids.map(() => cursor.fetchone()));
          assert.deepEqual(
            rows.map((r) => r?.id),
            ids,
          );
          assert.equal(await cursor.fetchone(), null);
          await cursor.execute('SELECT id FROM range(3000) ORDER BY id');
          const pages = await Promise.all(Array.from({ length: 31 }, () => cursor.fetchmany(100)));
          assert.deepEqual(
            pages.flat().map((r) => r.id),
            ids,
          );
        }
        await connection.close();
      });
    });

    it('a fetch after a failed fetch raises the failure again, never a short result', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend, maxDownloadAttempts: 1 }));
      const cursor = connection.cursor();
      // Over the inline limit: both chunks are downloaded, and both downloads fail.
      await admin.fault(w, { route: 'download', kind: 'status', status: 500, count: 2 });
      try {
        await cursor.execute('SELECT id FROM range(200000)');
        const failed = (e: unknown) => e instanceof OperationalError && e.code === 'Unavailable';
        await assert.rejects(cursor.fetchall(), failed);
        await assert.rejects(cursor.fetchall(), failed);
        await assert.rejects(cursor.fetchmany(10), failed);
      } finally {
        await admin.clearFaults(w);
      }
      await cursor.execute('SELECT id FROM range(5)');
      assert.equal((await cursor.fetchall()).length, 5);
      await connection.close();
    });

    it('metadata in flight when the connection closes rejects with InterfaceError', async () => {
      const w = warehouse();
      const connection = await open();
      await admin.fault(w, { route: 'statements.execute', kind: 'delay', delay_ms: 1000, count: 1 });
      try {
        const pending = assert.rejects(connection.catalogs(), InterfaceError);
        // Closed while the submission waits on the warehouse.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await connection.close();
        await pending;
      } finally {
        await admin.clearFaults(w);
      }
    });

    it('close is idempotent on cursors and connections; closing a connection closes its cursors', async () => {
      const connection = await open();
      const a = connection.cursor();
      const b = connection.cursor();
      await a.execute('SELECT 1');
      await a.close();
      await a.close();
      assert.equal(a.isClosed, true);
      await connection.close();
      await connection.close();
      assert.equal(b.isClosed, true);
      await assert.rejects(b.fetchone(), InterfaceError);
    });

    it('Symbol.asyncDispose closes cursors and connections', async () => {
      const connection = await open();
      const cursor = connection.cursor();
      await cursor.execute('SELECT 1');
      await cursor[Symbol.asyncDispose]();
      assert.equal(cursor.isClosed, true);
      await connection[Symbol.asyncDispose]();
      assert.equal(connection.isClosed, true);
      assert.throws(() => connection.cursor(), InterfaceError);
    });

    it('options are validated up front with messages naming the key', async () => {
      const base = warehouse().connectOptions({ backend });
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, hots: 'x' }, /unknown option "hots"/],
        [{ ...base, maxRetries: 'many' }, /"maxRetries" must be a number/],
        [{ ...base, host: '' }, /"host" is required/],
        [{ ...base, token: undefined }, /a credential is required/],
        [{ ...base, backend: 'java' }, /"backend" must be one of/],
        [{ ...base, oauthClientId: 'id' }, /give one credential/],
        [{ ...base, constructor: 'x' }, /unknown option "constructor"/],
        [{ ...base, toString: 'x' }, /unknown option "toString"/],
        [{ ...base, catalog: 7 }, /"catalog" must be a string, got number/],
        [{ ...base, sessionConfs: { TIMEZONE: 1 } }, /"sessionConfs" must be an object of string values/],
        [{ ...base, maxRetries: -1 }, /"maxRetries" must be a non-negative integer/],
        [{ ...base, requestTimeoutMs: 1.5 }, /"requestTimeoutMs" must be a non-negative integer/],
        [{ ...base, httpPath: undefined }, /"httpPath" is required/],
        [{ ...base, httpPath: '/sql/protocolv1/o/1/cluster' }, /option "httpPath": httpPath must look like/],
        [{ ...base, host: 'ftp://example.com' }, /option "host": host must use https:/],
        [{ ...base, host: 'example.com/path' }, /option "host": host must be a bare host name/],
        [{ ...base, token: '   ' }, /"token" must not be empty/],
        [{ ...base, token: undefined, oauthClientId: '', oauthClientSecret: 's' }, /"oauthClientId" must not be empty/],
        [{ ...base, token: undefined, oauthClientSecret: 's' }, /OAuth needs both/],
        [{ ...base, waitTimeoutSecs: 3 }, /"waitTimeoutSecs" must be 0 or between 5 and 50, got 3/],
        [{ ...base, waitTimeoutSecs: 51 }, /"waitTimeoutSecs" must be 0 or between 5 and 50/],
        [{ ...base, maxConcurrentDownloads: 0 }, /"maxConcurrentDownloads" must be at least 1/],
        [{ ...base, memoryBudgetBytes: 0 }, /"memoryBudgetBytes" must be at least 1/],
        [{ ...base, caPem: 'not a certificate' }, /"caPem" is not PEM/],
        [{ ...base, caPath: '/tmp/ca.pem' }, /give either "caPem" or "caPath", not both/],
        [{ ...base, dateAs: 'iso' }, /"dateAs" must be one of date, string, got "iso"/],
        // Past Node's longest timer or the kernel's 32 bits, a value wrapped around or fired at once.
        [{ ...base, requestTimeoutMs: 2 ** 32 }, /"requestTimeoutMs" must be at most 2147483647, got 4294967296/],
        [{ ...base, maxConcurrentDownloads: 2 ** 32 }, /"maxConcurrentDownloads" must be at most 2147483647/],
        [{ ...base, pollMaxMs: 2 ** 31 }, /"pollMaxMs" must be at most 2147483647/],
        [{ ...base, requestTimeoutMs: 0 }, /"requestTimeoutMs" must be at least 1/],
        [{ ...base, connectTimeoutMs: 0 }, /"connectTimeoutMs" must be at least 1/],
        [{ ...base, userAgent: 'app\r\nX-Injected: 1' }, /"userAgent" must be printable ASCII/],
        [{ ...base, token: 'dapi\n123' }, /"token" must be printable ASCII/],
        [
          { ...base, caPem: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n' },
          /"caPem" holds a certificate that does not parse/,
        ],
        [
          { ...base, sessionConfs: new Map([['TIMEZONE', 'UTC']]) },
          /"sessionConfs" must be an object of string values/,
        ],
        [{ ...base, host: '127.0.0.1:0' }, /option "host": host must not have port 0/],
      ];
      const notPem = join(mkdtempSync(join(tmpdir(), 'sluice-')), 'ca.pem');
      writeFileSync(notPem, 'not a certificate');
      await assert.rejects(
        connect({ ...base, caPem: undefined, caPath: notPem }),
        (e) => e instanceof sluice.OptionsError && /the CA file ".*" is not PEM/.test(e.message),
      );
      await assert.rejects(connect(null as never), /options must be an object/);
      await assert.rejects(connect([] as never), /options must be an object/);
      for (const [options, message] of cases) {
        await assert.rejects(connect(options as never), (e: unknown) => {
          assert.ok(e instanceof sluice.OptionsError, String(e));
          assert.ok(e instanceof ProgrammingError && e instanceof sluice.Error && e.code === 'InvalidArgument');
          assert.match((e as Error).message, message);
          return true;
        });
      }
      // The largest accepted value works as a limit far away, not as a wrapped zero.
      const connection = await connect({ ...base, requestTimeoutMs: 2 ** 31 - 1, retryBudgetMs: 2 ** 31 - 1 });
      const cursor = await connection.cursor().execute('SELECT 1 AS one');
      assert.deepEqual(await cursor.fetchall(), [{ one: 1 }]);
      await connection.close();
    });
  });
}
