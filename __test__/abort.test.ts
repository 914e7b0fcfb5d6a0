/**
 * AbortSignal and timeouts: aborting before, during execute and during fetch rejects with an
 * abort error and releases the statement on the warehouse; a timeout cancels it there.
 */

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cursor, connect, OperationalError } from '#dist/index';
import { admin, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

function isAbort(e: unknown): boolean {
  assert.ok(e instanceof OperationalError, String(e));
  assert.equal(e.code, 'Aborted');
  return true;
}

/** An abort error whose cause is the signal's reason. */
const abortedBy = (reason: unknown) => (e: unknown) => isAbort(e) && (e as Error).cause === reason;

/** Waits until the warehouse's download count stays still for 300 ms, and returns it. */
async function downloadsSettled(w: Parameters<typeof admin.counters>[0]): Promise<number> {
  let last = (await admin.counters(w)).downloads;
  for (let i = 0; i < 50; i++) {
    await sleep(300);
    const now = (await admin.counters(w)).downloads;
    if (now === last) return now;
    last = now;
  }
  assert.fail('downloads went on for 15 s after the abort');
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

    it('one signal shared by parallel executes: one listener on it, every statement cancelled on abort', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend, waitTimeoutSecs: 0 }));
      await admin.reset(w);
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const controller = new AbortController();
      const { signal } = controller;
      const outcomes = Promise.allSettled(
        Array.from({ length: 20 }, () => connection.cursor().execute('SELECT sleep(30)', undefined, { signal })),
      );
      await eventually('20 statements running', async () => (await admin.counters(w)).statements_executed >= 20);
      // Node warns of a possible leak past ten listeners on one signal: the calls share one.
      assert.equal(getEventListeners(signal, 'abort').length, 1);
      controller.abort();
      for (const outcome of await outcomes) {
        assert.equal(outcome.status, 'rejected');
        isAbort((outcome as PromiseRejectedResult).reason);
      }
      await eventually(
        'a cancel of every statement',
        async () => requests(await admin.counters(w), 'statements.cancel') >= 20,
      );
      await sleep(10);
      process.off('warning', onWarning);
      assert.deepEqual(
        warnings.map((warning) => warning.name),
        [],
      );
      assert.equal(getEventListeners(signal, 'abort').length, 0);
      await connection.close();
    });

    for (const [name, fetch] of [
      ['fetchall', (cursor: Cursor, signal: AbortSignal) => cursor.fetchall({ signal })],
      ['fetchArrow', (cursor: Cursor, signal: AbortSignal) => cursor.fetchArrow({ signal })],
    ] as const) {
      it(`aborting during ${name} rejects it, closes the statement and stops the downloads`, async () => {
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
          const reason = new Error('user left');
          setTimeout(() => controller.abort(reason), 300);
          await assert.rejects(fetch(cursor, controller.signal), abortedBy(reason));
          await eventually('the statement closed on the warehouse', async () => {
            return requests(await admin.counters(w), 'statements.close') >= 1;
          });
          const settled = await downloadsSettled(w);
          assert.ok(settled < 200, `downloads stopped early (${settled} of 200 chunks)`);
        } finally {
          await admin.throttle(w, null);
        }
        await connection.close();
      });
    }

    it("a fetch inherits the execute's signal, and an already aborted one rejects", async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend }));
      const cursor = connection.cursor();
      const controller = new AbortController();
      await cursor.execute('SELECT id FROM range(5000)', undefined, { signal: controller.signal });
      const reason = new Error('done here');
      controller.abort(reason);
      await assert.rejects(cursor.fetchone(), abortedBy(reason));
      await eventually('the statement closed on the warehouse', async () => {
        return requests(await admin.counters(w), 'statements.close') >= 1;
      });
      await cursor.execute('SELECT id FROM range(5000)');
      await assert.rejects(cursor.fetchArrow({ signal: AbortSignal.abort() }), isAbort);
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
