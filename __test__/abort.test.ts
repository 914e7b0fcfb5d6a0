/**
 * AbortSignal and timeouts: aborting before, during execute and during fetch rejects with an
 * abort error and releases the statement on the warehouse; a timeout cancels it there.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, OperationalError } from '../src/index';
import { admin, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

function isAbort(e: unknown): boolean {
  assert.ok(e instanceof OperationalError, String(e));
  assert.equal(e.code, 'Aborted');
  return true;
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what} did not happen within 5 s`);
}

for (const backend of ['native', 'ts'] as const) {
  describe(`AbortSignal and timeouts (${backend} backend)`, () => {
    const warehouse = useWarehouse({ args: ['--enable-admin', '--chunk-rows', '1000', '--inline-limit', '0'] });

    it('an already aborted signal rejects without sending the statement', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend }));
      await admin.reset(w);
      const controller = new AbortController();
      controller.abort(new Error('changed my mind'));
      await assert.rejects(connection.cursor().execute('SELECT 1', undefined, { signal: controller.signal }), isAbort);
      assert.equal((await admin.counters(w)).statements_executed, 0);
      await connection.close();
    });

    it('aborting during execute cancels the statement on the warehouse', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend, waitTimeoutSecs: 0 }));
      await admin.reset(w);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(
        connection.cursor().execute('SELECT sleep(30)', undefined, { signal: controller.signal }),
        isAbort,
      );
      await eventually(
        'a cancel on the warehouse',
        async () => requests(await admin.counters(w), 'statements.cancel') >= 1,
      );
      await connection.close();
    });

    it('aborting during a fetch rejects it and closes the statement', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend }));
      const cursor = connection.cursor();
      await admin.reset(w);
      // Throttled before execute: the native backend prefetches as soon as the result is ready,
      // and unthrottled it could hold the whole result before the abort fires.
      await admin.throttle(w, 50_000);
      try {
        await cursor.execute('SELECT id FROM range(200000)');
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        await assert.rejects(cursor.fetchall({ signal: controller.signal }), isAbort);
        await eventually('the statement closed on the warehouse', async () => {
          return requests(await admin.counters(w), 'statements.close') >= 1;
        });
      } finally {
        await admin.throttle(w, null);
      }
      await connection.close();
    });

    it('a timeout rejects with Timeout and cancels on the warehouse', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend, waitTimeoutSecs: 0 }));
      await admin.reset(w);
      await assert.rejects(
        connection.cursor().execute('SELECT sleep(30)', undefined, { timeout: 300 }),
        (e: unknown) => {
          assert.ok(e instanceof OperationalError, String(e));
          assert.equal(e.code, 'Timeout');
          return true;
        },
      );
      await eventually(
        'a cancel on the warehouse',
        async () => requests(await admin.counters(w), 'statements.cancel') >= 1,
      );
      await connection.close();
    });
  });
}
