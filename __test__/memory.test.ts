/**
 * A long result drained row by row keeps memory bounded: the external memory (ArrayBuffers and
 * the native addon's buffers) still reachable after a full GC does not grow with the rows read.
 * The whole result stayed reachable on the ts backend: about 8 MiB more per million BIGINT rows.
 * Runs in child processes for --expose-gc, both backends at once to keep it short; without LZ4,
 * which the debug-built warehouse spends most of the time on.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useWarehouse } from './helpers/warehouse';

const ROWS = 10_000_000;
const EVERY = 1_000_000;
const MiB = 1024 * 1024;

interface Drained {
  rows: number;
  samples: { rows: number; arrayBuffers: number; external: number }[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('memory on a long result', () => {
  const warehouse = useWarehouse();

  it(`draining ${ROWS / 1e6}M rows with for await retains no more memory at the end than near the start, on both backends`, async (t) => {
    const drained = await Promise.all(
      (['native', 'ts'] as const).map(async (backend) => {
        // Downloaded, not yet consumed results are held up to the budget: small, so growth stands out.
        const options = warehouse().connectOptions({ backend, memoryBudgetBytes: 4 * MiB, lz4: false });
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
          },
        );
        return { backend, ...(JSON.parse(stdout) as Drained) };
      }),
    );
    for (const { backend, rows, samples } of drained) {
      assert.equal(rows, ROWS);
      t.diagnostic(
        `${backend}: ${samples.map((s) => `${s.rows / 1e6}M ${(s.external / MiB).toFixed(1)} MiB`).join(', ')}`,
      );
      // Medians of three samples: a chunk in hand and the prefetched ones vary between samples.
      const start = median(samples.slice(0, 3).map((s) => s.external));
      const end = median(samples.slice(-3).map((s) => s.external));
      // A result kept reachable would add about 56 MiB between the two.
      assert.ok(end - start < 24 * MiB, `${backend}: retained memory grew from ${start} to ${end} bytes`);
    }
  });
});
