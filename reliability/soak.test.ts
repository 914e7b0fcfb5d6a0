/**
 * Soak: mixed concurrent queries for a bounded time while OAuth tokens and links expire and
 * seeded random faults are injected. Zero wrong results; every failure a typed driver error;
 * RSS flat (the slope is reported); no growth in open handles. Length and seed come from
 * SLUICE_SOAK_SECONDS (default 30) and SLUICE_SOAK_SEED (default 1).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, SluiceError } from '#dist/index';
import { admin } from '../__test__/helpers/admin';
import { useWarehouse } from '../__test__/helpers/warehouse';
import { BACKENDS, query, seeded } from './common';

const SECONDS = Number(process.env.SLUICE_SOAK_SECONDS ?? 30);
const SEED = Number(process.env.SLUICE_SOAK_SEED ?? 1);
/** Failures a healthy driver may surface under these faults (each is typed and retryable). */
const TOLERATED = new Set(['Unavailable', 'ResourceExhausted', 'Network', 'DataLoss']);

type Warehouse = Parameters<typeof admin.fault>[0];
const FAULTS: ((w: Warehouse) => Promise<unknown>)[] = [
  (w) => admin.fault(w, { route: 'statements.execute', kind: 'status', status: 429, count: 1 }),
  (w) => admin.fault(w, { route: 'statements.execute', kind: 'status', status: 503, retry_after: 1, count: 1 }),
  (w) => admin.fault(w, { route: 'statements.get', kind: 'status', status: 503, count: 1 }),
  (w) => admin.fault(w, { route: 'chunks', kind: 'status', status: 500, count: 1 }),
  (w) => admin.fault(w, { route: 'download', kind: 'cut', cut_after_bytes: 100, count: 1 }),
  (w) => admin.fault(w, { route: 'download', kind: 'drop', count: 1 }),
  (w) => admin.fault(w, { route: 'statements.get', kind: 'delay', delay_ms: 300, count: 2 }),
  (w) => admin.expireLinks(w),
  (w) => admin.revokeTokens(w),
  (w) => admin.expireSessions(w),
];

/** Least-squares slope of (seconds, MiB) samples, in MiB per minute. */
function slopePerMinute(samples: [number, number][]): number {
  const n = samples.length;
  const mx = samples.reduce((a, [x]) => a + x, 0) / n;
  const my = samples.reduce((a, [, y]) => a + y, 0) / n;
  const num = samples.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = samples.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

for (const backend of BACKENDS) {
  describe(`soak (${backend} backend, ${SECONDS} s, seed ${SEED})`, () => {
    const warehouse = useWarehouse({
      args: [
        '--enable-admin',
        '--inline-limit',
        '0',
        '--chunk-rows',
        '2000',
        '--token-ttl',
        '3',
        '--link-ttl',
        '3',
        '--oauth-client-id',
        'soak',
        '--oauth-client-secret',
        'soak-secret',
      ],
    });

    it('no wrong result, typed failures only, flat memory, no leaked handles', async () => {
      const w = warehouse();
      const random = seeded(SEED);
      const handlesBefore = process.getActiveResourcesInfo().length;
      const connection = await connect(
        w.connectOptions({
          backend,
          token: undefined,
          oauthClientId: 'soak',
          oauthClientSecret: 'soak-secret',
          minBackoffMs: 20,
          maxBackoffMs: 1500,
          linkExpiryThresholdMs: 500,
        }),
      );
      const started = Date.now();
      const until = started + SECONDS * 1000;
      const stats = { queries: 0, rows: 0, wrong: 0, failures: new Map<string, number>() };
      const rss: [number, number][] = [];
      const sampler = setInterval(
        () => rss.push([(Date.now() - started) / 1000, process.memoryUsage().rss / 2 ** 20]),
        250,
      );
      const injector = (async () => {
        while (Date.now() < until) {
          await FAULTS[Math.floor(random() * FAULTS.length)](w);
          await sleep(300 + random() * 400);
        }
      })();
      const workers = Array.from({ length: 8 }, async () => {
        const cursor = connection.cursor<{ id: bigint; t: bigint }>();
        while (Date.now() < until) {
          const n = 1000 + Math.floor(random() * 19_000);
          try {
            await cursor.execute(query(n));
            const rows = await cursor.fetchall();
            let sum = 0n;
            for (const r of rows) sum += r.id + r.t;
            const expected = (4n * BigInt(n) * BigInt(n - 1)) / 2n;
            if (rows.length !== n || sum !== expected) stats.wrong++;
            stats.queries++;
            stats.rows += rows.length;
          } catch (e) {
            assert.ok(e instanceof SluiceError, `a foreign error escaped: ${String(e)}`);
            assert.ok(TOLERATED.has(e.code), `unexpected ${e.code}: ${e.message}`);
            stats.failures.set(e.code, (stats.failures.get(e.code) ?? 0) + 1);
          }
        }
      });
      await Promise.all([injector, ...workers]);
      clearInterval(sampler);
      await admin.clearFaults(w);
      await connection.close();
      await sleep(200);
      const handlesAfter = process.getActiveResourcesInfo().length;
      const secondHalf = rss.filter(([t]) => t >= SECONDS / 2);
      const slope = slopePerMinute(secondHalf);
      console.log(
        `soak ${backend}: ${stats.queries} queries, ${stats.rows} rows, ${stats.wrong} wrong, ` +
          `failures ${JSON.stringify(Object.fromEntries(stats.failures))}, RSS ${secondHalf.at(-1)?.[1].toFixed(0)} MiB, ` +
          `slope ${slope.toFixed(1)} MiB/min over the second half, handles ${handlesBefore} -> ${handlesAfter}`,
      );
      assert.equal(stats.wrong, 0, 'no wrong result');
      assert.ok(stats.queries > 20, `${stats.queries} queries ran`);
      const failed = [...stats.failures.values()].reduce((a, b) => a + b, 0);
      assert.ok(failed <= stats.queries / 10, `${failed} failures for ${stats.queries} queries`);
      assert.ok(handlesAfter <= handlesBefore + 2, `open handles grew from ${handlesBefore} to ${handlesAfter}`);
      // Over a few seconds the slope is noise (GC and allocator timing swing it by 100s of MiB/min);
      // it is bounded only on runs long enough to mean something, and reported always.
      if (SECONDS >= 60) assert.ok(slope < 30, `RSS grows ${slope.toFixed(1)} MiB/min`);
    });
  });
}
