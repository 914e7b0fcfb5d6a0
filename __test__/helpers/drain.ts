/**
 * Child process of memory.test.ts (run with --expose-gc): drains a long result with `for await`
 * and samples the ArrayBuffer memory still reachable after a full GC as the rows go by. Connect
 * options come as JSON in SLUICE_DRAIN_OPTIONS; the samples go to stdout as JSON.
 */

import { type ConnectOptions, connect } from '#dist/index';

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc');
  const options = JSON.parse(process.env.SLUICE_DRAIN_OPTIONS ?? '{}') as ConnectOptions;
  const total = Number(process.env.SLUICE_DRAIN_ROWS);
  const every = Number(process.env.SLUICE_DRAIN_EVERY);
  const connection = await connect({ ...options, rowMode: 'array' });
  const cursor = connection.cursor();
  const t0 = performance.now();
  await cursor.execute(`SELECT id FROM range(${total})`);
  const executed = performance.now() - t0;
  const samples: { rows: number; arrayBuffers: number; external: number }[] = [];
  let rows = 0;
  for await (const _row of cursor) {
    rows++;
    if (rows % every === 0) {
      gc();
      const { arrayBuffers, external } = process.memoryUsage();
      samples.push({ rows, arrayBuffers, external });
    }
  }
  await connection.close();
  process.stdout.write(
    JSON.stringify({ rows, samples, executedMs: executed, drainedMs: performance.now() - t0 - executed }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
