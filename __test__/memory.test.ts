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
import { connect } from '#dist/index';
import { loadNative } from '#dist/native';
import { nativeBackend } from '#dist/native-backend';
import { backendOptions, useWarehouse } from './helpers/warehouse';

const ROWS = 10_000_000;
const EVERY = 1_000_000;
const MiB = 1024 * 1024;
const externalCount = () => loadNative().adjustExternalMemory(0);

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

  it('the native backend leaves the chunks a caller keeps out of the external memory count until told, then adds them all', async () => {
    // The first in-process test to allocate chunks: no earlier chunk can be freed between the counts.
    const conn = await nativeBackend.connect(backendOptions(warehouse(), { lz4: false }));
    const statement = conn.statement();
    try {
      await statement.execute('SELECT id FROM range(3000000)', {});
      const countAtEnd = statement.deferMemoryAccounting?.();
      assert.ok(countAtEnd, 'the native backend can defer the count');
      const before = externalCount();
      const chunks: Uint8Array[] = [];
      for (let chunk = await statement.nextChunk(); chunk !== null; chunk = await statement.nextChunk()) {
        chunks.push(chunk.ipc);
      }
      const bytes = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      const during = externalCount();
      countAtEnd();
      const after = externalCount();
      assert.ok(bytes > 20 * MiB, `3M BIGINT rows are ${bytes} bytes of Arrow`);
      assert.ok(during - before < bytes / 4, `the count grew by ${during - before} while ${bytes} were deferred`);
      // Less 1 MiB: adding that much may start a collection that frees small garbage.
      assert.ok(after - during >= bytes - MiB, `the count grew by ${after - during} at the end, not by ${bytes}`);
    } finally {
      await statement.close();
      await conn.close();
    }
  });

  it('fetchArrow takes the chunks it keeps out of the external memory count and adds them back once, at the end', async () => {
    // Every adjustment is recorded: the count itself also falls whenever a collection frees
    // earlier garbage, so it cannot show this exactly.
    const binding = loadNative() as { adjustExternalMemory(delta: number): number };
    const original = binding.adjustExternalMemory;
    const deltas: number[] = [];
    binding.adjustExternalMemory = (delta) => {
      deltas.push(delta);
      return original(delta);
    };
    const conn = await connect(warehouse().connectOptions({ backend: 'native', lz4: false }));
    try {
      const cursor = conn.cursor();
      await cursor.execute('SELECT id FROM range(3000000)');
      const table = await cursor.fetchArrow();
      assert.equal(table.numRows, 3_000_000);
      await cursor.close();
    } finally {
      binding.adjustExternalMemory = original;
      await conn.close();
    }
    const taken = deltas.filter((d) => d < 0);
    const added = deltas.filter((d) => d > 0);
    assert.ok(taken.length > 0, 'chunks were taken out of the count');
    assert.deepEqual(added, [-taken.reduce((sum, d) => sum + d, 0)], `deltas: ${deltas.join(', ')}`);
    assert.equal(deltas.at(-1), added[0], 'the chunks are added back after the last one is taken');
    // 8 bytes a row in the id column alone.
    assert.ok(added[0] >= 3_000_000 * 8, `${added[0]} bytes added back`);
  });
});
