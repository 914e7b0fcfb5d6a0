/**
 * One query through every layer: TypeScript -> N-API -> Rust kernel -> HTTPS -> local warehouse
 * -> DataFusion -> Arrow -> JS rows, with every value asserted.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, DatabaseError, InterfaceError, OperationalError, ProgrammingError } from '#dist/index';
import { useWarehouse } from './helpers/warehouse';

const KNOWN = `SELECT
  CAST(1 AS INT) AS i,
  CAST(9007199254740993 AS BIGINT) AS big,
  CAST(-9223372036854775808 AS BIGINT) AS min_big,
  CAST(2.5 AS DOUBLE) AS d,
  'héllo, 世界' AS s,
  true AS b,
  CAST(NULL AS STRING) AS missing,
  CAST('12345.67' AS DECIMAL(10,2)) AS price,
  DATE '2024-02-29' AS day`;

describe('end to end over HTTPS with the generated CA', () => {
  const warehouse = useWarehouse();

  it('returns every value of a known row, with description', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await cursor.execute(KNOWN);
    assert.deepEqual(
      cursor.description?.map((d) => [d[0], d[1]]),
      [
        ['i', 'INT'],
        ['big', 'BIGINT'],
        ['min_big', 'BIGINT'],
        ['d', 'DOUBLE'],
        ['s', 'STRING'],
        ['b', 'BOOLEAN'],
        ['missing', 'STRING'],
        ['price', 'DECIMAL'],
        ['day', 'DATE'],
      ],
    );
    assert.deepEqual(cursor.description?.[7].slice(4, 6), [10, 2]);
    const rows = await cursor.fetchall();
    assert.deepEqual(rows, [
      {
        i: 1,
        big: 9007199254740993n,
        min_big: -9223372036854775808n,
        d: 2.5,
        s: 'héllo, 世界',
        b: true,
        missing: null,
        price: '12345.67',
        day: new Date(Date.UTC(2024, 1, 29)),
      },
    ]);
    assert.equal(cursor.rowcount, 1);
    assert.equal(await cursor.fetchone(), null, 'a drained cursor returns null');
    await cursor.close();
    await cursor.close();
    await connection.close();
    await connection.close();
  });

  it('streams range() in order with fetchone, fetchmany and fetchall', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor<{ id: bigint }>();
    await cursor.execute('SELECT id FROM range(10) ORDER BY id');
    assert.deepEqual(await cursor.fetchone(), { id: 0n });
    cursor.arraysize = 3;
    assert.deepEqual(await cursor.fetchmany(), [{ id: 1n }, { id: 2n }, { id: 3n }]);
    assert.deepEqual(
      (await cursor.fetchall()).map((r) => r.id),
      [4n, 5n, 6n, 7n, 8n, 9n],
    );
    assert.deepEqual(await cursor.fetchmany(5), []);
    await connection.close();
  });

  it('row objects keep every column, even one named __proto__', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor<Record<string, unknown>>();
    await cursor.execute('SELECT 1 AS `__proto__`, 2 AS constructor, 3 AS x');
    const [row] = await cursor.fetchall();
    assert.equal(Object.getPrototypeOf(row), Object.prototype, 'the prototype is untouched');
    assert.deepEqual(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 1);
    assert.equal(row.constructor, 2);
    assert.equal(row.x, 3);
    await connection.close();
  });

  it('gives a wrong token a typed Unauthenticated error, not a crash or a hang', async () => {
    await assert.rejects(connect(warehouse().connectOptions({ token: 'dapi-wrong-token' })), (e: unknown) => {
      assert.ok(e instanceof OperationalError, `got ${String(e)}`);
      assert.equal(e.code, 'Unauthenticated');
      assert.equal(e.httpStatus, 401);
      assert.ok(!e.message.includes('dapi-wrong-token'), 'the token must not appear in the message');
      return true;
    });
  });

  it('raises SQL errors with SQLSTATE and the statement id', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await assert.rejects(cursor.execute('SELEC 1'), (e: unknown) => {
      assert.ok(e instanceof ProgrammingError && e instanceof DatabaseError, `got ${String(e)}`);
      assert.equal(e.code, 'SqlError');
      assert.equal(e.sqlState, '42601');
      assert.ok(e.statementId, 'the statement id is reported');
      return true;
    });
    await connection.close();
  });

  it('refuses use after close with InterfaceError', async () => {
    const connection = await connect(warehouse().connectOptions());
    const cursor = connection.cursor();
    await connection.close();
    await assert.rejects(cursor.execute('SELECT 1'), InterfaceError);
    assert.throws(() => connection.cursor(), InterfaceError);
  });
});
