/**
 * cancel(), an abort and an execute timeout stop the statement on the warehouse whatever the
 * moment they come, and tell the truth: Cancelled, Aborted or Timeout only when the warehouse
 * did not complete the statement; a statement that completed first resolves normally.
 * The warehouse's `sleep()` makes an INSERT take 2 s, so the moment of the stop is known.
 * Every execute is submitted without waiting on the warehouse (the default `waitTimeoutSecs` 0),
 * so its id is known at once and a stop reaches the statement whatever the moment.
 * `cancel-waiting` is cancel() on a connection that asked the submission to wait on the
 * warehouse (waitTimeoutSecs 10, one round trip): a cancel() that comes meanwhile is sent when
 * the submission answers, and the statement has completed by then.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, type Cursor, connect, type ExecuteOptions, OperationalError } from '#dist/index';
import { admin, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

type Way = 'cancel' | 'cancel-waiting' | 'abort' | 'timeout';
const WAYS: readonly Way[] = ['cancel', 'cancel-waiting', 'abort', 'timeout'];
const CODE: Record<Way, string> = {
  cancel: 'Cancelled',
  'cancel-waiting': 'Cancelled',
  abort: 'Aborted',
  timeout: 'Timeout',
};
const table = (way: Way, suffix: string | number) => `t_${way.replace('-', '_')}_${suffix}`;

/** The execute options that stop an execute `ms` after it starts, `way`. */
function stopping(way: Way, cursor: Cursor, ms: number): ExecuteOptions {
  switch (way) {
    case 'cancel':
    case 'cancel-waiting':
      setTimeout(() => cursor.cancel(), ms);
      return {};
    case 'abort': {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('user left')), ms);
      return { signal: controller.signal };
    }
    case 'timeout':
      return { timeout: ms };
  }
}

async function rowsIn(connection: Connection, table: string): Promise<number> {
  const cursor = connection.cursor();
  await cursor.execute(`SELECT count(*) AS n FROM ${table}`);
  const [row] = await cursor.fetchall();
  await cursor.close();
  return Number((row as { n: bigint | number }).n);
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`${what} did not happen within 5 s`);
}

for (const backend of ['native', 'ts'] as const) {
  describe(`cancel, abort and timeout tell the truth (${backend} backend)`, () => {
    const warehouse = useWarehouse({ args: ['--enable-admin'] });

    /** One connection per way: default options, but cancel-waiting's waits on the warehouse. */
    async function connections(): Promise<Record<Way, Connection>> {
      const w = warehouse();
      const plain = await connect(w.connectOptions({ backend }));
      const waiting = await connect(w.connectOptions({ backend, waitTimeoutSecs: 10 }));
      return { cancel: plain, 'cancel-waiting': waiting, abort: plain, timeout: plain };
    }

    for (const ms of [50, 300]) {
      it(`stopped ${ms} ms into a 2 s INSERT: never commits, or is reported completed and did commit`, async () => {
        const w = warehouse();
        const on = await connections();
        for (const way of WAYS)
          await on[way].cursor().execute(`CREATE TABLE ${table(way, ms)} (how STRING, ok BOOLEAN)`);
        await admin.reset(w);
        const started = Date.now();
        const outcomes = await Promise.allSettled(
          WAYS.map((way) => {
            const cursor = on[way].cursor();
            const sql = `INSERT INTO ${table(way, ms)} SELECT '${way}', sleep(2)`;
            return cursor.execute(sql, undefined, stopping(way, cursor, ms));
          }),
        );
        const counters = await admin.counters(w);
        // Past the moment the statements would have committed, had they not been cancelled.
        await sleep(Math.max(0, started + 2500 - Date.now()));
        for (const [i, way] of WAYS.entries()) {
          const outcome = outcomes[i];
          const rows = await rowsIn(on.cancel, table(way, ms));
          if (way === 'cancel-waiting') {
            // Sent when the waiting submission answered: the statement had completed by then.
            assert.equal(outcome.status, 'fulfilled', `${way} at ${ms} ms`);
            assert.equal((outcome as PromiseFulfilledResult<Cursor>).value.rowcount, 1);
            assert.equal(rows, 1, `${way} reported completed but did not commit`);
            continue;
          }
          assert.equal(outcome.status, 'rejected', `${way} at ${ms} ms resolved`);
          const e = (outcome as PromiseRejectedResult).reason;
          assert.ok(e instanceof OperationalError, String(e));
          assert.equal(e.code, CODE[way], `${way}: ${e.message}`);
          assert.equal(rows, 0, `${way} reported ${e.code} but committed`);
        }
        assert.equal(requests(counters, 'statements.cancel'), 3, 'one cancel request per statement to stop');
        await on.cancel.close();
        await on['cancel-waiting'].close();
      });
    }

    it('stopped 3 s into a 2 s INSERT: the statement completed first, so execute resolves and no cancel is sent', async () => {
      const w = warehouse();
      const on = await connections();
      for (const way of WAYS)
        await on[way].cursor().execute(`CREATE TABLE ${table(way, 'late')} (how STRING, ok BOOLEAN)`);
      await admin.reset(w);
      const started = Date.now();
      const cursors = await Promise.all(
        WAYS.map((way) => {
          const cursor = on[way].cursor();
          const sql = `INSERT INTO ${table(way, 'late')} SELECT '${way}', sleep(2)`;
          return cursor.execute(sql, undefined, stopping(way, cursor, 3000));
        }),
      );
      for (const cursor of cursors) {
        // Databricks' one-row count result (README): rowcount is its num_affected_rows.
        assert.equal(cursor.rowcount, 1);
        assert.deepEqual(
          cursor.description?.map((d) => d[0]),
          ['num_affected_rows', 'num_inserted_rows'],
        );
        assert.deepEqual(await cursor.fetchall(), [{ num_affected_rows: 1n, num_inserted_rows: 1n }]);
      }
      // Let every stop fire: none may reach the warehouse, nor undo the change.
      await sleep(Math.max(0, started + 3200 - Date.now()));
      assert.equal(requests(await admin.counters(w), 'statements.cancel'), 0);
      for (const way of WAYS) assert.equal(await rowsIn(on.cancel, table(way, 'late')), 1, `${way} did not commit`);
      await on.cancel.close();
      await on['cancel-waiting'].close();
    });

    it('a cancel before the submission answered is remembered: a statement that completed meanwhile resolves', async () => {
      const w = warehouse();
      // The submission waits on the warehouse until the statement ends: its id comes only then.
      const connection = await connect(w.connectOptions({ backend, waitTimeoutSecs: 5 }));
      await connection.cursor().execute('CREATE TABLE t_sync (how STRING, ok BOOLEAN)');
      await admin.reset(w);
      const cursor = connection.cursor();
      const pending = cursor.execute("INSERT INTO t_sync SELECT 'sync', sleep(1)");
      setTimeout(() => cursor.cancel(), 50);
      await pending;
      assert.equal(cursor.rowcount, 1);
      assert.equal(await rowsIn(connection, 't_sync'), 1);
      assert.equal(requests(await admin.counters(w), 'statements.cancel'), 0, 'nothing was left to cancel');
      await connection.close();
    });

    for (const way of ['cancel', 'abort', 'timeout'] as const) {
      it(`SELECT sleep(5) stops running on the warehouse within 1 s of the ${way}`, async () => {
        const w = warehouse();
        const connection = await connect(w.connectOptions({ backend }));
        const cursor = connection.cursor();
        const controller = new AbortController();
        const options: ExecuteOptions =
          way === 'abort' ? { signal: controller.signal } : way === 'timeout' ? { timeout: 500 } : {};
        const begun = Date.now();
        const pending = cursor.execute('SELECT sleep(5)', undefined, options);
        await eventually('the query running', async () => (await admin.counters(w)).queries_running >= 1);
        let stopped = begun + 500;
        if (way !== 'timeout') {
          stopped = Date.now();
          if (way === 'abort') controller.abort();
          else cursor.cancel();
        }
        await assert.rejects(pending, (e: unknown) => e instanceof OperationalError && e.code === CODE[way]);
        for (;;) {
          if ((await admin.counters(w)).queries_running === 0) break;
          assert.ok(Date.now() - stopped < 1000, 'the query still ran on the warehouse 1 s after the stop');
          await sleep(20);
        }
        await connection.close();
      });
    }
  });
}
