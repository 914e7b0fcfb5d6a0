/**
 * Every failure is fast, named and sticky: errors no retry can fix fail at once, native error
 * messages name their cause, a failed result stays failed, an empty executemany leaves no
 * previous result behind, and -0, NaN and Infinity bind as DOUBLE and come back as such.
 */

import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { type ConnectOptions, connect, OperationalError, ProgrammingError, SluiceError } from '#dist/index';
import { admin, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

async function failure(p: Promise<unknown>): Promise<SluiceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SluiceError, String(e));
    return e;
  }
  assert.fail('expected a rejection');
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** A message that says it gave up after retries: the failure was retried. */
const RETRIED = /after \d+ retries/;

for (const backend of ['native', 'ts'] as const) {
  describe(`failures are fast, named and sticky (${backend} backend)`, () => {
    const warehouse = useWarehouse({ args: ['--enable-admin', '--chunk-rows', '1000', '--inline-limit', '0'] });

    it('an untrusted certificate fails at once, and says so', async () => {
      const { caPem: _trusted, ...options } = warehouse().connectOptions({ backend });
      const e = await failure(connect(options as ConnectOptions));
      assert.ok(e instanceof OperationalError, String(e));
      assert.equal(e.code, 'Network');
      assert.match(e.message, /certificate/i);
      assert.doesNotMatch(e.message, RETRIED);
      assert.equal(e.retryable, false);
    });

    it('a host name that does not exist fails at once, and says so', async () => {
      const e = await failure(connect({ ...warehouse().connectOptions({ backend }), host: 'https://nosuch.invalid' }));
      assert.equal(e.code, 'Network');
      assert.match(e.message, /does not exist|ENOTFOUND/);
      assert.doesNotMatch(e.message, RETRIED);
      assert.equal(e.retryable, false);
    });

    it('a refused connection is named, and retried by the documented rules', async () => {
      const port = await closedPort();
      const options = { ...warehouse().connectOptions({ backend }), host: `https://127.0.0.1:${port}` };
      const e = await failure(connect({ ...options, maxRetries: 1, minBackoffMs: 1, maxBackoffMs: 1 }));
      assert.equal(e.code, 'Network');
      assert.match(e.message, /refused|ECONNREFUSED/);
      assert.match(e.message, /after 1 retries/);
    });

    it('a connection reset by the server is named', async () => {
      // A hand-made server: the warehouse cannot reset a connection (its faults close them).
      const server = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const e = await failure(
          connect({ ...warehouse().connectOptions({ backend }), host: `http://127.0.0.1:${port}`, maxRetries: 0 }),
        );
        assert.equal(e.code, 'Network');
        assert.match(e.message, /reset|ECONNRESET/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a request with no answer in time is named a timeout', async () => {
      const w = warehouse();
      const connection = await connect(w.connectOptions({ backend, requestTimeoutMs: 300, maxRetries: 0 }));
      await admin.fault(w, { route: 'statements.execute', kind: 'delay', delay_ms: 2000, count: 1 });
      try {
        const e = await failure(connection.cursor().execute('SELECT 1'));
        assert.equal(e.code, 'Timeout');
        assert.match(e.message, /timed out|no answer within/);
      } finally {
        await admin.clearFaults(w);
      }
      await connection.close();
    });

    for (const [route, status] of [
      ['statements.execute', 400],
      ['statements.get', 404],
    ] as const) {
      it(`HTTP ${status} on ${route} is not retried`, async () => {
        const w = warehouse();
        // Submitted without waiting, so the statement is polled.
        const connection = await connect(w.connectOptions({ backend, waitTimeoutSecs: 0 }));
        await admin.reset(w);
        await admin.fault(w, { route, kind: 'status', status, count: 10 });
        try {
          const e = await failure(connection.cursor().execute('SELECT 1'));
          assert.equal(e.httpStatus, status);
          assert.equal(requests(await admin.counters(w), route), 1);
        } finally {
          await admin.clearFaults(w);
        }
        await connection.close();
      });
    }

    it('a result that failed mid-way stays failed, even with rows buffered', async () => {
      const w = warehouse();
      // One download at a time, each once: the first chunk arrives, the second fails.
      const connection = await connect(w.connectOptions({ backend, memoryBudgetBytes: 1, maxDownloadAttempts: 1 }));
      const cursor = connection.cursor();
      await admin.fault(w, { route: 'download', kind: 'delay', delay_ms: 0, count: 1 });
      await admin.fault(w, { route: 'download', kind: 'status', status: 500, count: 10 });
      try {
        await cursor.execute('SELECT id FROM range(3000)');
        const first = await failure(cursor.fetchmany(1500));
        assert.equal(first.code, 'Unavailable');
        for (const fetch of [() => cursor.fetchone(), () => cursor.fetchmany(1), () => cursor.fetchall()]) {
          assert.equal(await failure(fetch()), first);
        }
      } finally {
        await admin.clearFaults(w);
      }
      await connection.close();
    });

    it('an empty executemany replaces the previous result', async () => {
      const connection = await connect(warehouse().connectOptions({ backend }));
      const cursor = connection.cursor();
      await cursor.execute('CREATE TABLE t_many (x INT)');
      await cursor.execute('SELECT 1 AS one');
      await cursor.executemany('INSERT INTO t_many VALUES (?)', []);
      assert.equal(cursor.description, null);
      assert.equal(cursor.rowcount, 0);
      await assert.rejects(cursor.fetchall(), ProgrammingError);
      await connection.close();
    });

    it('-0, NaN and Infinity bind as DOUBLE and come back as such', async () => {
      const connection = await connect(warehouse().connectOptions({ backend }));
      const cursor = connection.cursor();
      await cursor.execute('SELECT ? AS z, ? AS n, ? AS p, ? AS m', [-0, NaN, Infinity, -Infinity]);
      assert.deepEqual(
        cursor.description?.map((d) => d[1]),
        ['DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE'],
      );
      const [row] = await cursor.fetchall();
      assert.ok(Object.is(row.z, -0), `-0 came back as ${String(row.z)}`);
      assert.ok(Number.isNaN(row.n));
      assert.equal(row.p, Infinity);
      assert.equal(row.m, -Infinity);
      await connection.close();
    });
  });
}
