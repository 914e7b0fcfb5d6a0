/**
 * The floor under SELECT 1: the submission sluice sends with `waitTimeoutSecs` 10 (waiting on
 * the warehouse, Arrow, LZ4, inline or links), made by a bare keep-alive HTTPS loop that reads
 * the JSON answer and nothing else, against sluice's execute + fetchone on each backend set the
 * same way. The difference of the medians is the client's own cost per query, in microseconds.
 *
 * `node .build-test/bench/floor.js [queries, default 400]`; the warehouse binary is
 * $SLUICE_WAREHOUSE_BIN or the newest cargo build.
 */

import { Agent, request } from 'node:https';
import { connect } from '#dist/index';
import { startLocalWarehouse } from '#dist/local-warehouse';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One keep-alive HTTPS client of the warehouse: POST/DELETE with a JSON body, the parsed answer back. */
function client(url: string, token: string, ca: string | undefined) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
  return (method: string, path: string, body?: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${url}${path}`,
        { method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString();
            resolve(text === '' ? {} : (JSON.parse(text) as Record<string, unknown>));
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 400);
  const warehouse = await startLocalWarehouse({ startTimeoutMs: 300_000 });
  try {
    const options = warehouse.connectOptions();
    const warehouseId = options.httpPath.split('/').pop() as string;
    const call = client(warehouse.info.url, options.token as string, options.caPem);
    const session = (await call('POST', '/api/2.0/sql/sessions', { warehouse_id: warehouseId })) as {
      session_id: string;
    };
    const floor: number[] = [];
    for (let i = -20; i < n; i++) {
      const started = performance.now();
      const answer = (await call('POST', '/api/2.0/sql/statements', {
        statement: 'SELECT 1',
        warehouse_id: warehouseId,
        session_id: session.session_id,
        disposition: 'INLINE_OR_EXTERNAL_LINKS',
        format: 'ARROW_STREAM',
        wait_timeout: '10s',
        on_wait_timeout: 'CONTINUE',
        result_compression: 'LZ4_FRAME',
      })) as { statement_id: string; status: { state: string } };
      if (i >= 0) floor.push(performance.now() - started);
      if (answer.status.state !== 'SUCCEEDED') throw new Error(`SELECT 1 answered ${answer.status.state}`);
      // Not timed, as a driver may close beside the next query.
      await call('DELETE', `/api/2.0/sql/statements/${answer.statement_id}`);
    }
    const floorMs = median(floor);
    console.log(`raw keep-alive HTTPS loop: median ${(floorMs * 1000).toFixed(0)} µs over ${n} queries`);
    for (const backend of ['native', 'ts'] as const) {
      // The same exchange as the loop: a submission that waits on the warehouse (the default
      // does not, and polls: one more round trip, measured by bench/submission-modes.ts).
      const connection = await connect(warehouse.connectOptions({ backend, waitTimeoutSecs: 10 }));
      const cursor = connection.cursor();
      const times: number[] = [];
      for (let i = -20; i < n; i++) {
        const started = performance.now();
        await cursor.execute('SELECT 1');
        await cursor.fetchone();
        if (i >= 0) times.push(performance.now() - started);
      }
      await connection.close();
      const ms = median(times);
      console.log(
        `sluice ${backend}: median ${(ms * 1000).toFixed(0)} µs, ${((ms - floorMs) * 1000).toFixed(0)} µs over the floor`,
      );
    }
  } finally {
    await warehouse.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
