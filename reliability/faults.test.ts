/**
 * Every protocol fault the warehouse can inject, on both backends: the query returns exactly the
 * right rows (count and checksum against the warehouse) or fails with the expected typed error,
 * within a bounded time. Never a hang, a short result, or a foreign error.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectOptions } from '#dist/index';
import { admin } from '../__test__/helpers/admin';
import { useWarehouse } from '../__test__/helpers/warehouse';
import { BACKENDS, bounded, clientChecksum, exactOrTyped, warehouseChecksum } from './common';

const N = 30_000;

type Warehouse = Parameters<typeof admin.fault>[0];

interface Scenario {
  name: string;
  /** Injects the fault. */
  inject: (w: Warehouse) => Promise<unknown>;
  /** When: before connecting (default), once connected, or once executed (before the fetch). */
  when?: 'afterConnect' | 'afterExecute';
  /** Extra connect options for this scenario. */
  options?: Partial<ConnectOptions>;
  /** The error code expected when the fault cannot be healed; absent means it must heal. */
  fails?: string;
}

const status = (route: string, code: number, count: number, retry_after?: number) => ({
  route,
  kind: 'status',
  status: code,
  count,
  ...(retry_after === undefined ? {} : { retry_after }),
});

const SCENARIOS: Scenario[] = [
  { name: '429 storm on submission', inject: (w) => admin.fault(w, status('statements.execute', 429, 3)) },
  {
    name: '503 with Retry-After on submission',
    inject: (w) => admin.fault(w, status('statements.execute', 503, 2, 1)),
  },
  {
    name: '503 without Retry-After on submission is not repeated',
    inject: (w) => admin.fault(w, status('statements.execute', 503, 1)),
    fails: 'Unavailable',
  },
  {
    name: '503 storm while polling',
    inject: (w) => admin.fault(w, status('statements.get', 503, 3)),
    options: { waitTimeoutSecs: 0 },
  },
  {
    name: '500 on chunk-link fetches after links expire',
    inject: async (w) => {
      await admin.fault(w, status('chunks', 500, 2));
      await admin.expireLinks(w);
    },
    when: 'afterExecute',
  },
  {
    name: '500 on every chunk-link fetch after links expire',
    inject: async (w) => {
      await admin.fault(w, status('chunks', 500, 1000));
      await admin.expireLinks(w);
    },
    when: 'afterExecute',
    fails: 'Unavailable',
  },
  {
    name: 'cut downloads',
    inject: (w) => admin.fault(w, { route: 'download', kind: 'cut', cut_after_bytes: 64, count: 3 }),
  },
  { name: 'dropped downloads', inject: (w) => admin.fault(w, { route: 'download', kind: 'drop', count: 3 }) },
  {
    name: 'every download refused',
    inject: (w) => admin.fault(w, status('download', 403, 1000)),
    fails: 'DataLoss',
  },
  { name: 'links expired on the server before the fetch', inject: (w) => admin.expireLinks(w), when: 'afterExecute' },
  {
    name: 'OAuth tokens revoked after connecting',
    inject: (w) => admin.revokeTokens(w),
    when: 'afterConnect',
    options: { token: undefined, oauthClientId: 'rel', oauthClientSecret: 'rel-secret' },
  },
  {
    name: 'OAuth tokens revoked before the fetch',
    inject: (w) => admin.revokeTokens(w),
    when: 'afterExecute',
    options: { token: undefined, oauthClientId: 'rel', oauthClientSecret: 'rel-secret' },
  },
  { name: 'session expired after connecting', inject: (w) => admin.expireSessions(w), when: 'afterConnect' },
  {
    name: 'slow statement answers',
    inject: (w) => admin.fault(w, { route: 'statements.execute', kind: 'delay', delay_ms: 1500, count: 1 }),
  },
  { name: 'throttled downloads', inject: (w) => admin.throttle(w, 2_000_000) },
];

for (const backend of BACKENDS) {
  describe(`protocol faults (${backend} backend)`, () => {
    const warehouse = useWarehouse({
      args: [
        '--enable-admin',
        '--inline-limit',
        '0',
        '--chunk-rows',
        '3000',
        '--oauth-client-id',
        'rel',
        '--oauth-client-secret',
        'rel-secret',
      ],
    });

    for (const scenario of SCENARIOS) {
      it(scenario.name, async () => {
        const w = warehouse();
        const options = w.connectOptions({ backend, minBackoffMs: 20, maxBackoffMs: 1500, ...scenario.options });
        const expected = await warehouseChecksum(w.connectOptions({ backend }), N);
        await admin.clearFaults(w);
        await admin.throttle(w, null);
        const inject = () => scenario.inject(w);
        if (!scenario.when) await inject();
        try {
          const outcome = await bounded(scenario.name, 60_000, () =>
            exactOrTyped(() => clientChecksum(options, N, scenario.when ? { [scenario.when]: inject } : {}), expected),
          );
          if (scenario.fails) {
            assert.equal(outcome.ok, false, 'the fault cannot be healed');
            if (!outcome.ok) assert.equal(outcome.error.code, scenario.fails, outcome.error.message);
          } else {
            assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
          }
        } finally {
          await admin.clearFaults(w);
          await admin.throttle(w, null);
        }
      });
    }
  });
}
