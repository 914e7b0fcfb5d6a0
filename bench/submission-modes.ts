/**
 * SELECT 1 latency (execute to first row, as the bench's select-1-latency) with the submission
 * not waiting on the warehouse (the default, `waitTimeoutSecs` 0: its id is known at once, so
 * a stop reaches the statement whatever the moment; then polled back to back while young)
 * against a submission that waits on the warehouse (`waitTimeoutSecs` 10: one round trip). It
 * chose the default (crates/kernel/src/statement.rs, `submit`). Both backends, one warehouse,
 * modes interleaved in rounds so drift hits them alike; prints medians.
 *
 * `node .build-test/bench/submission-modes.js [queries per mode, default 300]`; the warehouse
 * binary is $SLUICE_WAREHOUSE_BIN or the newest cargo build.
 */

import { type ConnectOptions, connect } from '#dist/index';
import { startLocalWarehouse } from '#dist/local-warehouse';

const MODES: Record<string, Partial<ConnectOptions>> = {
  'waits on the warehouse (waitTimeoutSecs 10)': { waitTimeoutSecs: 10 },
  'asynchronous (default, waitTimeoutSecs 0)': {},
};
const ROUND = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const perMode = Number(process.argv[2] ?? 300);
  const warehouse = await startLocalWarehouse({ startTimeoutMs: 300_000 });
  try {
    for (const backend of ['native', 'ts'] as const) {
      const connections = await Promise.all(
        Object.values(MODES).map((mode) => connect(warehouse.connectOptions({ backend, ...mode }))),
      );
      const cursors = connections.map((connection) => connection.cursor());
      const latencies: number[][] = cursors.map(() => []);
      for (let done = -ROUND; done < perMode; done += ROUND) {
        for (const [i, cursor] of cursors.entries()) {
          for (let q = 0; q < ROUND; q++) {
            const started = performance.now();
            await cursor.execute('SELECT 1');
            await cursor.fetchone();
            // The first round warms connections and caches.
            if (done >= 0) latencies[i].push(performance.now() - started);
          }
        }
      }
      const medians = latencies.map(median);
      Object.keys(MODES).forEach((name, i) => {
        console.log(`${backend} ${name}: median ${medians[i].toFixed(3)} ms over ${latencies[i].length} queries`);
      });
      console.log(`${backend} ratio asynchronous / waiting: ${(medians[1] / medians[0]).toFixed(3)}`);
      for (const connection of connections) await connection.close();
    }
  } finally {
    await warehouse.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
