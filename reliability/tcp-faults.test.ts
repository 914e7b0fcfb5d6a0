/**
 * TCP faults through Toxiproxy, on the API connection and on the download connections, on both
 * backends: latency, bandwidth limits, resets mid-answer, withheld answers (timeouts), answers
 * cut after N bytes, answers sliced into small segments. Each query returns exactly the right rows
 * (count and checksum against the warehouse) or fails with the expected typed error within a
 * bounded time, and no error carries the token or a link's signature.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ConnectOptions, type ErrorCode, OperationalError } from '#dist/index';
import { type LocalWarehouse, startLocalWarehouse } from '#dist/local-warehouse';
import { sleep } from '#dist/ts-backend/sleep';
import { admin, type Counters, requests } from '../__test__/helpers/admin';
import { BACKENDS, bounded, clientChecksum, exactOrTyped, warehouseChecksum } from './common';
import { type ProxyInfo, type Toxic, Toxiproxy } from './toxiproxy';

const N = 30_000;
/** N rows in chunks of 3000: ten downloads per query. */
const CHUNKS = 10;
const CANARY = `dapi-canary-${randomBytes(12).toString('hex')}`;

type Connection = 'api' | 'download';

/** One toxic of a scenario. */
interface Step {
  on: Connection;
  toxic: Toxic;
  /**
   * When it goes in: before connecting (default), once connected, once executed, or once the
   * warehouse has begun serving a download (so it finds downloads mid-body).
   */
  when?: 'afterConnect' | 'afterExecute' | 'duringDownloads';
  /** Removed this long after it went in, so it strikes a bounded number of requests; absent: it stays. */
  healAfterMs?: number;
}

interface Scenario {
  name: string;
  steps: Step[];
  options?: Partial<ConnectOptions>;
  /**
   * Error codes accepted when the fault cannot be healed (all of them raise OperationalError);
   * absent means exact rows are required.
   */
  fails?: ErrorCode[];
  /** The fault must have cost at least one repeated request on the warehouse's counters. */
  struck?: (c: Counters) => boolean;
  /** The shortest time the query can take with the fault in its path (proves the path). */
  atLeastMs?: number;
}

const toxic = (type: Toxic['type'], attributes: Record<string, number> = {}): Toxic => ({ type, attributes });
/** Downloads slow enough (KB/s per connection) that a fault added during them finds them mid-body. */
const slowDownloads: Step = { on: 'download', toxic: toxic('bandwidth', { rate: 128 }) };
const repeatedDownload = (c: Counters) => c.downloads > CHUNKS;
/** With every link refreshed before its download, each chunk costs one API call during the fetch. */
const refreshEveryLink: Partial<ConnectOptions> = { linkExpiryThresholdMs: 3_600_000, maxConcurrentDownloads: 1 };
const repeatedLinkFetch = (c: Counters) => requests(c, 'chunks') > CHUNKS;
/** Retries enough to outlast a fault healed after a few hundred milliseconds on a loaded machine. */
const patient: Partial<ConnectOptions> = { maxRetries: 8, maxDownloadAttempts: 8 };

const SCENARIOS: Scenario[] = [
  {
    name: 'API: latency on every answer',
    steps: [{ on: 'api', toxic: toxic('latency', { latency: 150, jitter: 30 }) }],
    // Open session, execute, close statement, close session: four answers, each delayed.
    atLeastMs: 4 * 120,
  },
  {
    name: 'API: bandwidth limit',
    steps: [{ on: 'api', toxic: toxic('bandwidth', { rate: 8 }) }],
    atLeastMs: 500,
  },
  {
    name: 'API: answers sliced into small TCP segments',
    steps: [{ on: 'api', toxic: toxic('slicer', { average_size: 24, size_variation: 16, delay: 200 }) }],
  },
  {
    name: 'API: every connection reset',
    steps: [{ on: 'api', toxic: toxic('reset_peer', { timeout: 0 }) }],
    options: { maxRetries: 3 },
    fails: ['Network'],
  },
  {
    name: 'API: connections reset until healed, then reconnected',
    steps: [{ on: 'api', toxic: toxic('reset_peer', { timeout: 0 }), healAfterMs: 300 }],
    options: patient,
    atLeastMs: 300,
  },
  {
    name: 'API: link fetches reset mid-answer, then healed',
    steps: [{ on: 'api', toxic: toxic('reset_peer', { timeout: 0 }), when: 'afterExecute', healAfterMs: 300 }],
    options: { ...refreshEveryLink, ...patient },
    struck: repeatedLinkFetch,
  },
  {
    name: 'API: link fetches cut after 100 bytes, then healed',
    steps: [{ on: 'api', toxic: toxic('limit_data', { bytes: 100 }), when: 'afterExecute', healAfterMs: 300 }],
    options: { ...refreshEveryLink, ...patient },
    struck: repeatedLinkFetch,
  },
  {
    name: 'API: every connection cut after 500 bytes',
    steps: [{ on: 'api', toxic: toxic('limit_data', { bytes: 500 }) }],
    options: { maxRetries: 3 },
    fails: ['Network'],
  },
  {
    name: 'API: the submission answer withheld',
    steps: [{ on: 'api', toxic: toxic('timeout', { timeout: 0 }), when: 'afterConnect' }],
    options: { requestTimeoutMs: 600, connectTimeoutMs: 600, maxRetries: 1 },
    fails: ['Timeout'],
  },
  {
    name: 'API: link fetches stalled past the read timeout, then healed',
    steps: [{ on: 'api', toxic: toxic('timeout', { timeout: 0 }), when: 'afterExecute', healAfterMs: 1200 }],
    options: { ...refreshEveryLink, requestTimeoutMs: 700, connectTimeoutMs: 700 },
    struck: repeatedLinkFetch,
  },
  {
    name: 'API: connections stalled until healed',
    steps: [{ on: 'api', toxic: toxic('timeout', { timeout: 0 }), healAfterMs: 1200 }],
    options: { connectTimeoutMs: 500, requestTimeoutMs: 500 },
    atLeastMs: 1200,
  },
  {
    name: 'downloads: latency',
    steps: [{ on: 'download', toxic: toxic('latency', { latency: 150, jitter: 30 }) }],
    atLeastMs: 120,
  },
  {
    // Each download must get its own share: queued behind the others on one connection, a
    // download would wait past the read timeout for its first byte.
    name: 'downloads: bandwidth limit, with a read timeout of one second',
    steps: [{ on: 'download', toxic: toxic('bandwidth', { rate: 64 }) }],
    options: { requestTimeoutMs: 1000 },
    atLeastMs: 300,
  },
  {
    name: 'downloads: sliced into small TCP segments',
    steps: [{ on: 'download', toxic: toxic('slicer', { average_size: 512, size_variation: 256, delay: 50 }) }],
  },
  {
    name: 'downloads: every connection reset',
    steps: [{ on: 'download', toxic: toxic('reset_peer', { timeout: 0 }) }],
    fails: ['Network'],
  },
  {
    name: 'downloads: reset mid-body, then healed',
    steps: [
      slowDownloads,
      { on: 'download', toxic: toxic('reset_peer', { timeout: 0 }), when: 'duringDownloads', healAfterMs: 300 },
    ],
    options: patient,
    struck: repeatedDownload,
  },
  {
    name: 'downloads: stalled mid-body past the read timeout, then healed',
    steps: [
      slowDownloads,
      { on: 'download', toxic: toxic('timeout', { timeout: 0 }), when: 'duringDownloads', healAfterMs: 1200 },
    ],
    options: { requestTimeoutMs: 700, connectTimeoutMs: 700 },
    struck: repeatedDownload,
  },
  {
    name: 'downloads: every connection stalled',
    steps: [{ on: 'download', toxic: toxic('timeout', { timeout: 0 }) }],
    options: { requestTimeoutMs: 500, connectTimeoutMs: 500, maxDownloadAttempts: 2 },
    fails: ['Timeout'],
  },
  {
    name: 'downloads: cut after 8000 bytes, then healed',
    steps: [
      slowDownloads,
      { on: 'download', toxic: toxic('limit_data', { bytes: 8000 }), when: 'duringDownloads', healAfterMs: 300 },
    ],
    options: patient,
    struck: repeatedDownload,
  },
  {
    name: 'downloads: every connection cut after 8000 bytes',
    steps: [{ on: 'download', toxic: toxic('limit_data', { bytes: 8000 }) }],
    fails: ['Network'],
  },
];

/** No error text may carry the token, a link's signature or its path. */
function assertNoSecrets(error: Error & { causes?: string[] }): void {
  const text = [error.message, error.stack ?? '', ...(error.causes ?? [])].join('\n');
  assert.ok(!text.includes(CANARY), 'the error carries the token');
  assert.ok(!text.includes('sig='), "the error carries a link's signature");
  assert.ok(!text.includes('/blob/'), "the error carries a link's path");
}

let toxiproxy: Toxiproxy;
let warehouse: LocalWarehouse;
const proxies = {} as Record<Connection, ProxyInfo>;

before(async () => {
  toxiproxy = await Toxiproxy.start();
  // Links must name the download proxy, so it exists (with no upstream yet) before the warehouse.
  proxies.download = await toxiproxy.createProxy('download', '127.0.0.1:1');
  warehouse = await startLocalWarehouse({
    args: [
      '--enable-admin',
      '--inline-limit',
      '0',
      '--chunk-rows',
      String(N / CHUNKS),
      '--token',
      CANARY,
      '--link-base-url',
      `https://127.0.0.1:${proxies.download.port}`,
    ],
  });
  const upstream = `127.0.0.1:${warehouse.info.port}`;
  await toxiproxy.setUpstream('download', upstream);
  proxies.api = await toxiproxy.createProxy('api', upstream);
});

after(async () => {
  await warehouse?.stop();
  await toxiproxy?.stop();
});

for (const backend of BACKENDS) {
  describe(`TCP faults (${backend} backend)`, () => {
    for (const scenario of SCENARIOS) {
      it(scenario.name, async () => {
        const w = warehouse;
        const expected = await warehouseChecksum(w.connectOptions({ backend }), N);
        await toxiproxy.reset();
        await admin.reset(w);
        const options = w.connectOptions({
          backend,
          host: `https://127.0.0.1:${proxies.api.port}`,
          minBackoffMs: 20,
          maxBackoffMs: 500,
          requestTimeoutMs: 3000,
          connectTimeoutMs: 3000,
          ...scenario.options,
        });
        const heals: Promise<void>[] = [];
        const inject = async (when: Step['when']) => {
          for (const step of scenario.steps.filter((s) => s.when === when)) {
            const { name } = proxies[step.on];
            const added = await toxiproxy.addToxic(name, step.toxic);
            const healAfterMs = step.healAfterMs;
            if (healAfterMs !== undefined) {
              heals.push(sleep(healAfterMs).then(() => toxiproxy.removeToxic(name, added)));
            }
          }
        };
        let finished = false;
        // Runs beside the query: waits until the warehouse serves a download, then injects.
        const duringDownloads = async () => {
          if (!scenario.steps.some((s) => s.when === 'duringDownloads')) return;
          while (!finished && (await admin.counters(w)).downloads === 0) await sleep(10);
          if (!finished) await inject('duringDownloads');
        };
        const background: Promise<void>[] = [];
        await inject(undefined);
        const started = Date.now();
        try {
          const outcome = await bounded(scenario.name, 30_000, () =>
            exactOrTyped(
              () =>
                clientChecksum(options, N, {
                  afterConnect: () => inject('afterConnect'),
                  afterExecute: async () => {
                    await inject('afterExecute');
                    background.push(duringDownloads());
                  },
                }),
              expected,
            ),
          );
          const elapsed = Date.now() - started;
          finished = true;
          if (!outcome.ok) assertNoSecrets(outcome.error);
          if (scenario.fails) {
            assert.equal(outcome.ok, false, 'the fault cannot be healed');
            if (!outcome.ok) {
              assert.ok(outcome.error instanceof OperationalError, `${outcome.error.name}: ${outcome.error.message}`);
              assert.ok(
                scenario.fails.includes(outcome.error.code),
                `expected ${scenario.fails.join(' or ')}, got ${outcome.error.code}: ${outcome.error.message}`,
              );
            }
          } else {
            assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
          }
          if (scenario.atLeastMs !== undefined) {
            assert.ok(elapsed >= scenario.atLeastMs, `took ${elapsed} ms: the fault was not in the path`);
          }
          if (scenario.struck) {
            assert.ok(scenario.struck(await admin.counters(w)), 'the fault never cost a repeated request');
          }
        } finally {
          finished = true;
          await Promise.all(background);
          await Promise.all(heals);
          await toxiproxy.reset();
        }
      });
    }
  });
}
