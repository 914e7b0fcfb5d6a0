/**
 * The pure-TypeScript backend over real HTTPS against spawned local warehouses: known values,
 * multi-chunk external links (with and without LZ4), typed errors, cancel, timeout, close, and
 * the self-heal paths (link refresh, session reopen, retries, OAuth refresh) driven through the
 * warehouse's admin routes.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, InterfaceError, OperationalError, ProgrammingError } from '#dist/index';
import type { LocalWarehouse } from '#dist/local-warehouse';
import { tsBackend } from '#dist/ts-backend/index';
import { adminRequest as admin, type Counters, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

const KNOWN = `SELECT
  CAST(1 AS INT) AS i,
  CAST(9007199254740993 AS BIGINT) AS big,
  CAST(2.5 AS DOUBLE) AS d,
  'héllo, 世界' AS s,
  true AS b,
  CAST(NULL AS STRING) AS missing,
  CAST('12345.67' AS DECIMAL(10,2)) AS price,
  DATE '2024-02-29' AS day`;

/**
 * A statement that runs for seconds: long enough to cancel, short enough that the warehouse is
 * free again soon if its cancellation does not stop the computation at once.
 */
const SLOW = 'SELECT sum(a.id * b.id) AS s FROM range(10000) a CROSS JOIN range(10000) b';

const counters = (w: LocalWarehouse) => admin(w, 'GET', '/admin/counters') as Promise<Counters>;

describe('ts backend: queries over HTTPS', () => {
  const wh = useWarehouse({ args: ['--enable-admin'] });

  it('returns every value of a known row', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    assert.equal(connection.backendName, 'ts');
    const cursor = connection.cursor();
    await cursor.execute(KNOWN);
    assert.deepEqual(
      cursor.description?.map((d) => [d[0], d[1]]),
      [
        ['i', 'INT'],
        ['big', 'BIGINT'],
        ['d', 'DOUBLE'],
        ['s', 'STRING'],
        ['b', 'BOOLEAN'],
        ['missing', 'STRING'],
        ['price', 'DECIMAL'],
        ['day', 'DATE'],
      ],
    );
    assert.deepEqual(await cursor.fetchall(), [
      {
        i: 1,
        big: 9007199254740993n,
        d: 2.5,
        s: 'héllo, 世界',
        b: true,
        missing: null,
        price: '12345.67',
        day: new Date(Date.UTC(2024, 1, 29)),
      },
    ]);
    assert.equal(cursor.rowcount, 1);
    await connection.close();
  });

  it('binds named and positional parameters', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    const cursor = connection.cursor<{ a: bigint; b: string }>();
    await cursor.execute('SELECT :a AS a, :b AS b', { a: 41n, b: 'x' });
    assert.deepEqual(await cursor.fetchall(), [{ a: 41n, b: 'x' }]);
    await cursor.execute('SELECT ? AS a, ? AS b', [7n, 'y']);
    assert.deepEqual(await cursor.fetchall(), [{ a: 7n, b: 'y' }]);
    await connection.close();
  });

  it('returns an empty result with its schema', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    const cursor = connection.cursor();
    await cursor.execute('SELECT id FROM range(10) WHERE id > 100');
    assert.deepEqual(await cursor.fetchall(), []);
    await cursor.execute('SELECT id FROM range(10) WHERE id > 100');
    const table = await cursor.fetchArrow();
    assert.equal(table.numRows, 0);
    assert.deepEqual(
      table.schema.fields.map((f) => f.name),
      ['id'],
    );
    await connection.close();
  });

  it('gives a wrong token a typed Unauthenticated error without the token in the message', async () => {
    await assert.rejects(
      connect({ ...wh().connectOptions({ token: 'dapi-wrong-token' }), backend: 'ts' }),
      (e: unknown) => {
        assert.ok(e instanceof OperationalError, `got ${String(e)}`);
        assert.equal(e.code, 'Unauthenticated');
        assert.equal(e.httpStatus, 401);
        assert.ok(!e.message.includes('dapi-wrong-token'));
        return true;
      },
    );
  });

  it('raises SQL errors as ProgrammingError with SQLSTATE 42601 and the statement id', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    const cursor = connection.cursor();
    await assert.rejects(cursor.execute('SELEC 1'), (e: unknown) => {
      assert.ok(e instanceof ProgrammingError, `got ${String(e)}`);
      assert.equal(e.code, 'SqlError');
      assert.equal(e.sqlState, '42601');
      assert.ok(e.statementId, 'the statement id is reported');
      return true;
    });
    await connection.close();
  });

  it('rejects a bad CA with a typed error', async () => {
    await assert.rejects(connect({ ...wh().connectOptions(), caPem: 'not a pem', backend: 'ts' }), ProgrammingError);
  });

  it('cancels a running statement at once and tells the warehouse', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', waitTimeoutSecs: 0 });
    const before = await counters(wh());
    const cursor = connection.cursor();
    const running = cursor.execute(SLOW);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    cursor.cancel();
    await assert.rejects(running, (e: unknown) => {
      assert.ok(e instanceof OperationalError, `got ${String(e)}`);
      assert.equal(e.code, 'Cancelled');
      return true;
    });
    assert.ok(Date.now() - started < 1000, 'cancel returns at once');
    // The cancel request is sent in the background.
    for (let i = 0; i < 50; i++) {
      const now = await counters(wh());
      if (requests(now, 'statements.cancel', 200) > requests(before, 'statements.cancel', 200)) break;
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(i < 49, 'the warehouse saw the cancel');
    }
    await connection.close();
  });

  it('raises Timeout when the client-side limit passes, and cancels on the warehouse', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', waitTimeoutSecs: 0 });
    const cursor = connection.cursor();
    await assert.rejects(cursor.execute(SLOW, undefined, { timeout: 300 }), (e: unknown) => {
      assert.ok(e instanceof OperationalError, `got ${String(e)}`);
      assert.equal(e.code, 'Timeout');
      return true;
    });
    await connection.close();
  });

  it('aborts through an AbortSignal', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', waitTimeoutSecs: 0 });
    const cursor = connection.cursor();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(cursor.execute(SLOW, undefined, { signal: controller.signal }), OperationalError);
    await connection.close();
  });

  it('closes statements, cursors and connections idempotently', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    const cursor = connection.cursor();
    await cursor.execute('SELECT CAST(1 AS INT) AS one');
    await cursor.close();
    await cursor.close();
    await connection.close();
    await connection.close();
    await assert.rejects(cursor.execute('SELECT 1'), InterfaceError);
    assert.throws(() => connection.cursor(), InterfaceError);

    const { host, httpPath, token, caPem } = wh().connectOptions();
    const backend = await tsBackend.connect({ host, httpPath, token, caPem });
    const statement = backend.statement();
    await statement.execute('SELECT CAST(1 AS INT) AS one', {});
    await statement.close();
    await statement.close();
    await assert.rejects(statement.nextChunk(), InterfaceError);
    await backend.close();
    await backend.close();
  });

  it('reopens a session the warehouse forgot, once', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    const before = await counters(wh());
    await admin(wh(), 'POST', '/admin/expire-sessions');
    const cursor = connection.cursor<{ one: number }>();
    await cursor.execute('SELECT CAST(1 AS INT) AS one');
    assert.deepEqual(await cursor.fetchall(), [{ one: 1 }]);
    const after = await counters(wh());
    assert.equal(after.sessions_opened - before.sessions_opened, 1);
    await connection.close();
  });

  it('retries a submission on 503 with Retry-After but not without it', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', minBackoffMs: 100 });
    const cursor = connection.cursor<{ one: number }>();
    await admin(wh(), 'POST', '/admin/faults', {
      route: 'statements.execute',
      kind: 'status',
      status: 503,
      retry_after: 1,
      count: 1,
    });
    await cursor.execute('SELECT CAST(1 AS INT) AS one');
    assert.deepEqual(await cursor.fetchall(), [{ one: 1 }]);
    await admin(wh(), 'POST', '/admin/faults', {
      route: 'statements.execute',
      kind: 'status',
      status: 503,
      count: 1,
    });
    await assert.rejects(cursor.execute('SELECT CAST(1 AS INT) AS one'), (e: unknown) => {
      assert.ok(e instanceof OperationalError, `got ${String(e)}`);
      assert.equal(e.code, 'Unavailable');
      assert.equal(e.httpStatus, 503);
      return true;
    });
    await admin(wh(), 'DELETE', '/admin/faults');
    await connection.close();
  });
});

describe('ts backend: multi-chunk external links', () => {
  const ROWS = 10_500;
  const wh = useWarehouse({ args: ['--enable-admin', '--chunk-rows', '1000', '--inline-limit', '0'] });

  it('runs 32 downloads at once without Node warning of a listener leak', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', maxConcurrentDownloads: 32 });
    const cursor = await connection.cursor().execute(`SELECT id FROM range(${ROWS * 10})`);
    assert.equal((await cursor.fetchall()).length, ROWS * 10);
    await connection.close();
    // Warnings are emitted on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.deepEqual(warnings, []);
  });

  for (const lz4 of [true, false]) {
    it(`delivers every chunk in order (lz4 ${lz4})`, async () => {
      const before = await counters(wh());
      const connection = await connect({
        ...wh().connectOptions(),
        backend: 'ts',
        lz4,
        maxConcurrentDownloads: 4,
      });
      const cursor = connection.cursor<{ id: bigint }>();
      await cursor.execute(`SELECT id FROM range(${ROWS}) ORDER BY id`);
      assert.equal(cursor.rowcount, ROWS);
      const ids = (await cursor.fetchall()).map((r) => r.id);
      assert.equal(ids.length, ROWS);
      ids.forEach((id, i) => {
        if (id !== BigInt(i)) assert.fail(`row ${i} holds ${id}`);
      });
      const after = await counters(wh());
      assert.ok(after.downloads - before.downloads >= 11, 'every chunk was downloaded from a link');
      assert.equal(after.downloads_with_authorization, 0, 'downloads never carry Authorization');
      await connection.close();
    });
  }

  it('serves 16 concurrent cursors on one connection, each in order', async () => {
    const connection = await connect({
      ...wh().connectOptions(),
      backend: 'ts',
      maxConcurrentDownloads: 2,
      memoryBudgetBytes: 64 * 1024,
    });
    await Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        const cursor = connection.cursor<{ id: bigint }>();
        await cursor.execute(`SELECT id + ${k} AS id FROM range(${3000 + k * 100}) ORDER BY id`);
        const ids = (await cursor.fetchall()).map((r) => r.id);
        assert.equal(ids.length, 3000 + k * 100);
        ids.forEach((id, i) => {
          if (id !== BigInt(i + k)) assert.fail(`cursor ${k}: row ${i} holds ${id}`);
        });
        await cursor.close();
      }),
    );
    await connection.close();
  });

  it('hands each chunk over as a whole Arrow IPC stream', async () => {
    const { host, httpPath, token, caPem } = wh().connectOptions();
    const backend = await tsBackend.connect({ host, httpPath, token, caPem, memoryBudgetBytes: 1 });
    const statement = backend.statement();
    const info = await statement.execute('SELECT id FROM range(2500)', {});
    assert.equal(info.totalRowCount, 2500);
    let chunks = 0;
    for (let chunk = await statement.nextChunk(); chunk !== null; chunk = await statement.nextChunk()) {
      chunks += 1;
      const { ipc } = chunk;
      assert.deepEqual([...ipc.subarray(0, 4)], [0xff, 0xff, 0xff, 0xff], 'starts with a continuation marker');
      assert.deepEqual([...ipc.subarray(ipc.length - 8)], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 'ends with EOS');
    }
    assert.equal(chunks, 3);
    assert.equal(await statement.nextChunk(), null);
    await statement.close();
    await backend.close();
  });

  it('refreshes refused links and retries failed chunk fetches', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', memoryBudgetBytes: 1 });
    const cursor = connection.cursor<{ id: bigint }>();
    await cursor.execute(`SELECT id FROM range(${ROWS})`);
    const first = await cursor.fetchmany(1000);
    assert.equal(first.length, 1000);
    const before = await counters(wh());
    await admin(wh(), 'POST', '/admin/expire-links');
    await admin(wh(), 'POST', '/admin/faults', { route: 'chunks', kind: 'status', status: 500, count: 1 });
    await admin(wh(), 'POST', '/admin/faults', { route: 'download', kind: 'drop', count: 1 });
    const rest = await cursor.fetchall();
    assert.equal(first.length + rest.length, ROWS);
    assert.equal(new Set([...first, ...rest].map((r) => r.id)).size, ROWS, 'no chunk duplicated or skipped');
    const after = await counters(wh());
    assert.ok(requests(after, 'download', 403) > requests(before, 'download', 403), 'an expired link was refused');
    assert.ok(requests(after, 'chunks', 500) > requests(before, 'chunks', 500), 'a link fetch failed');
    assert.ok(after.chunk_link_fetches > before.chunk_link_fetches, 'links were refreshed');
    await admin(wh(), 'DELETE', '/admin/faults');
    await connection.close();
  });

  it('refreshes links that are about to expire before using them', async () => {
    const before = await counters(wh());
    // Links live 15 minutes here; a 16-minute threshold makes every one "about to expire".
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts', linkExpiryThresholdMs: 16 * 60_000 });
    const cursor = connection.cursor();
    await cursor.execute('SELECT id FROM range(2500)');
    assert.equal((await cursor.fetchall()).length, 2500);
    const after = await counters(wh());
    assert.equal(after.chunk_link_fetches - before.chunk_link_fetches, 3, 'one fresh link per chunk');
    await connection.close();
  });

  it('cancels while chunks are being fetched', async () => {
    const connection = await connect({ ...wh().connectOptions(), backend: 'ts' });
    await admin(wh(), 'POST', '/admin/throttle', { bytes_per_sec: 2000 });
    try {
      const cursor = connection.cursor();
      await cursor.execute(`SELECT id FROM range(${ROWS})`);
      const fetching = cursor.fetchall();
      setTimeout(() => cursor.cancel(), 200);
      await assert.rejects(fetching, (e: unknown) => {
        assert.ok(e instanceof OperationalError, `got ${String(e)}`);
        assert.equal(e.code, 'Cancelled');
        return true;
      });
    } finally {
      await admin(wh(), 'POST', '/admin/throttle', {});
      await connection.close();
    }
  });
});

describe('ts backend: transport failures', () => {
  it('retries a refused connection, then reports a Network error', async () => {
    const started = Date.now();
    await assert.rejects(
      connect({
        host: 'https://127.0.0.1:1',
        httpPath: '/sql/1.0/warehouses/w',
        token: 't',
        backend: 'ts',
        maxRetries: 2,
        minBackoffMs: 10,
        maxBackoffMs: 20,
      }),
      (e: unknown) => {
        assert.ok(e instanceof OperationalError, `got ${String(e)}`);
        assert.equal(e.code, 'Network');
        assert.match(e.message, /after 2 retries/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 5000);
  });
});

describe('ts backend: OAuth M2M', () => {
  const wh = useWarehouse({
    args: ['--enable-admin', '--oauth-client-id', 'sluice-test', '--oauth-client-secret', 's3cret'],
  });

  it('fetches a token, and refreshes it exactly once after a rejection', async () => {
    const { token: _token, ...options } = wh().connectOptions();
    const connection = await connect({
      ...options,
      oauthClientId: 'sluice-test',
      oauthClientSecret: 's3cret',
      backend: 'ts',
    });
    const cursor = connection.cursor<{ one: number }>();
    await cursor.execute('SELECT CAST(1 AS INT) AS one');
    const before = await counters(wh());
    await admin(wh(), 'POST', '/admin/revoke-tokens', {});
    await cursor.execute('SELECT CAST(1 AS INT) AS one');
    assert.deepEqual(await cursor.fetchall(), [{ one: 1 }]);
    const after = await counters(wh());
    assert.equal(after.token_grants - before.token_grants, 1, 'one refresh');
    await connection.close();
  });

  it('reports a wrong client secret as Unauthenticated', async () => {
    const { token: _token, ...options } = wh().connectOptions();
    await assert.rejects(
      connect({ ...options, oauthClientId: 'sluice-test', oauthClientSecret: 'wrong', backend: 'ts' }),
      (e: unknown) => {
        assert.ok(e instanceof OperationalError, `got ${String(e)}`);
        assert.equal(e.code, 'Unauthenticated');
        assert.ok(!e.message.includes('wrong'));
        return true;
      },
    );
  });
});
