/**
 * A long result drained row by row keeps memory bounded: the ArrayBuffer memory still reachable
 * after a full GC does not grow with the rows read (the whole result stayed reachable on the ts
 * backend, about 8 MiB per million BIGINT rows). Runs in a child process for --expose-gc.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useWarehouse } from './helpers/warehouse';

const ROWS = 10_000_000;
const EVERY = 2_000_000;
const MiB = 1024 * 1024;
/** Downloaded, not yet consumed results are held up to this: small, so growth stands out. */
const BUDGET = 4 * MiB;

for (const backend of ['native', 'ts'] as const) {
  describe(`memory on a long result (${backend} backend)`, () => {
    const warehouse = useWarehouse();

    it(`draining ${ROWS / 1e6}M rows retains no more ArrayBuffer memory at the end than near the start`, async (t) => {
      const options = warehouse().connectOptions({ backend, memoryBudgetBytes: BUDGET });
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--expose-gc', join(__dirname, 'helpers', 'drain.js')],
        {
          env: {
            ...process.env,
            SLUICE_DRAIN_OPTIONS: JSON.stringify(options),
            SLUICE_DRAIN_ROWS: String(ROWS),
            SLUICE_DRAIN_EVERY: String(EVERY),
          },
          maxBuffer: 1024 * 1024,
        },
      );
      const { rows, samples } = JSON.parse(stdout) as {
        rows: number;
        samples: { rows: number; arrayBuffers: number }[];
      };
      assert.equal(rows, ROWS);
      t.diagnostic(samples.map((s) => `${s.rows / 1e6}M rows: ${(s.arrayBuffers / MiB).toFixed(1)} MiB`).join(', '));
      const first = samples[0].arrayBuffers;
      const last = samples[samples.length - 1].arrayBuffers;
      // A chunk in hand and the budget's worth of prefetched ones may differ between samples;
      // a result kept reachable would add about 64 MiB over the 8M rows between them.
      assert.ok(last - first < 16 * MiB, `retained ArrayBuffers grew from ${first} to ${last} bytes`);
    });
  });
}
