/**
 * The self-heal contract and retry rules through both backends' interface, counted on the local
 * warehouse (the same scenarios as the kernel's crates/kernel/tests/warehouse/{auth,retries}.rs): refresh once and
 * retry exactly once, single-flight across concurrent requests, a static token never refreshes,
 * sessions reopen once, a submission is repeated only when that is safe.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import type { Backend, BackendConnection, BackendOptions } from '#dist/backend';
import type { SluiceError } from '#dist/errors';
import type { LocalWarehouse } from '#dist/local-warehouse';
import { nativeBackend } from '#dist/native-backend';
import { tsBackend } from '#dist/ts-backend/index';
import { adminRequest as admin, type Counters, requests } from './helpers/admin';
import { backendOptions as options, useWarehouse } from './helpers/warehouse';

const counters = (w: LocalWarehouse) => admin(w, 'GET', '/admin/counters') as Promise<Counters>;
const resetCounters = (w: LocalWarehouse) => admin(w, 'POST', '/admin/reset-counters');
const fault = (w: LocalWarehouse, f: Record<string, unknown>) => admin(w, 'POST', '/admin/faults', f);
const requestsOn = (c: Counters, route: string) => Object.values(c.requests[route] ?? {}).reduce((a, b) => a + b, 0);

function providerOptions(w: LocalWarehouse, provider: () => Promise<string>): BackendOptions {
  const { token: _token, ...o } = options(w);
  return { ...o, tokenProvider: provider } as BackendOptions;
}

function oauthOptions(w: LocalWarehouse, secret = 's3cret'): BackendOptions {
  const { token: _token, ...o } = options(w);
  return { ...o, oauthClientId: 'sluice-test', oauthClientSecret: secret };
}

/** Runs `sql` on a new statement and returns the first column as numbers. */
async function column(conn: BackendConnection, sql: string, timeoutMs?: number): Promise<number[]> {
  const statement = conn.statement();
  try {
    await statement.execute(sql, { timeoutMs });
    const out: number[] = [];
    for (let chunk = await statement.nextChunk(); chunk !== null; chunk = await statement.nextChunk()) {
      const table = tableFromIPC(chunk.ipc);
      for (const v of table.getChildAt(0) ?? []) out.push(Number(v));
    }
    return out;
  } finally {
    await statement.close();
  }
}

async function rejection(p: Promise<unknown>): Promise<SluiceError> {
  try {
    await p;
  } catch (e) {
    return e as SluiceError;
  }
  assert.fail('expected a rejection');
}

const BACKENDS: [string, Backend][] = [
  ['native', nativeBackend],
  ['ts', tsBackend],
];

for (const [name, backend] of BACKENDS) {
  describe(`${name} backend self-heal: OAuth`, () => {
    const wh = useWarehouse({
      args: [
        '--enable-admin',
        '--oauth-client-id',
        'sluice-test',
        '--oauth-client-secret',
        's3cret',
        '--token-ttl',
        '2',
      ],
    });

    it('fetches tokens once per lifetime for 16 concurrent cursors', async () => {
      const conn = await backend.connect(oauthOptions(wh()));
      await resetCounters(wh());
      const started = Date.now();
      const runFor = 4500;
      let queries = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (Date.now() - started < runFor) {
            assert.deepEqual(await column(conn, 'SELECT id FROM range(3)'), [0, 1, 2]);
            queries += 1;
          }
        }),
      );
      const elapsed = (Date.now() - started) / 1000;
      const c = await counters(wh());
      // A 2 s token with a whole-second exp lives 1 to 2 s and is refreshed at 80 % of that.
      assert.ok(c.token_grants <= Math.ceil(elapsed / 0.8) + 1, `${c.token_grants} grants in ${elapsed} s`);
      assert.ok(c.token_grants >= Math.floor(elapsed / 1.6), `${c.token_grants} grants in ${elapsed} s`);
      assert.ok(queries > 50, `only ${queries} queries ran`);
      assert.equal(requests(c, 'statements.execute', 403), 0, 'proactive refresh never lets a token expire');
      await conn.close();
    });
  });

  describe(`${name} backend self-heal: OAuth revocation`, () => {
    const wh = useWarehouse({
      args: ['--enable-admin', '--oauth-client-id', 'sluice-test', '--oauth-client-secret', 's3cret'],
    });

    it('heals a revocation with one refresh for 16 concurrent requests', async () => {
      const conn = await backend.connect(oauthOptions(wh()));
      await resetCounters(wh());
      await admin(wh(), 'POST', '/admin/revoke-tokens', {});
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => column(conn, `SELECT id + ${i} FROM range(1)`)),
      );
      results.forEach((r, i) => {
        assert.deepEqual(r, [i]);
      });
      const c = await counters(wh());
      assert.equal(c.token_grants, 1, 'one refresh for all rejected requests');
      assert.ok(requests(c, 'statements.execute', 403) >= 1);
      await conn.close();
    });

    it('never refreshes or retries for SQL errors', async () => {
      const conn = await backend.connect(oauthOptions(wh()));
      for (const [sql, state] of [
        ['SELEC 1', '42601'],
        ['SELECT * FROM no_such_table', '42P01'],
      ]) {
        await resetCounters(wh());
        const e = await rejection(column(conn, sql));
        assert.equal(e.code, 'SqlError');
        assert.equal(e.sqlState, state);
        const c = await counters(wh());
        assert.equal(requestsOn(c, 'statements.execute'), 1, sql);
        assert.equal(c.token_grants, 0, sql);
      }
      await conn.close();
    });

    it('reports a wrong client secret as Unauthenticated', async () => {
      const e = await rejection(backend.connect(oauthOptions(wh(), 'wrong')));
      assert.equal(e.code, 'Unauthenticated');
      assert.ok(!e.message.includes('wrong'));
    });
  });

  describe(`${name} backend self-heal: personal tokens and sessions`, () => {
    const wh = useWarehouse({ args: ['--enable-admin', '--session-idle-timeout', '1'] });

    it('reopens an idle-expired session once for 8 concurrent statements', async () => {
      const conn = await backend.connect(options(wh()));
      assert.deepEqual(await column(conn, 'SELECT 1'), [1]);
      await resetCounters(wh());
      await new Promise((r) => setTimeout(r, 1600));
      const results = await Promise.all(Array.from({ length: 8 }, () => column(conn, 'SELECT 2')));
      for (const r of results) assert.deepEqual(r, [2]);
      assert.equal((await counters(wh())).sessions_opened, 1, 'one new session for all');
      await conn.close();
    });

    it('fails a revoked personal token after exactly one request', async () => {
      const conn = await backend.connect(options(wh()));
      await admin(wh(), 'POST', '/admin/revoke-tokens', { tokens: [wh().info.token] });
      await resetCounters(wh());
      const e = await rejection(column(conn, 'SELECT 1'));
      assert.equal(e.code, 'Unauthenticated');
      assert.equal(e.httpStatus, 403);
      assert.equal(requestsOn(await counters(wh()), 'statements.execute'), 1);
      await conn.close();
    });
  });

  describe(`${name} backend self-heal: token provider`, () => {
    const wh = useWarehouse({ args: ['--enable-admin', '--token', 'dapi-first', '--token', 'dapi-second'] });

    it('heals a revocation with one provider call for 16 concurrent requests', async () => {
      const handed: string[] = [];
      const provider = async () => {
        const token = handed.length === 0 ? 'dapi-first' : 'dapi-second';
        handed.push(token);
        return token;
      };
      const conn = await backend.connect(providerOptions(wh(), provider));
      assert.deepEqual(await column(conn, 'SELECT 1'), [1]);
      await admin(wh(), 'POST', '/admin/revoke-tokens', { tokens: ['dapi-first'] });
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => column(conn, `SELECT ${i}`)));
      results.forEach((r, i) => {
        assert.deepEqual(r, [i]);
      });
      assert.deepEqual(handed, ['dapi-first', 'dapi-second']);
      await conn.close();
    });

    it('gives a provider of bad tokens exactly two attempts', async () => {
      let calls = 0;
      await resetCounters(wh());
      const e = await rejection(
        backend.connect(
          providerOptions(wh(), async () => {
            calls += 1;
            return `dapi-not-accepted-${calls}`;
          }),
        ),
      );
      assert.equal(e.code, 'Unauthenticated');
      assert.equal(calls, 2);
      assert.equal(requestsOn(await counters(wh()), 'sessions.create'), 2);
    });

    it('reports a provider that throws as Unauthenticated', async () => {
      const e = await rejection(
        backend.connect(
          providerOptions(wh(), async () => {
            throw new Error('vault unreachable');
          }),
        ),
      );
      assert.equal(e.code, 'Unauthenticated');
      assert.match(e.message, /the token provider failed: vault unreachable/);
    });
  });

  describe(`${name} backend retries`, () => {
    const wh = useWarehouse({ args: ['--enable-admin'] });

    async function attempts(f: Record<string, unknown>, extra: Partial<BackendOptions> = {}, sql = 'SELECT 7') {
      const conn = await backend.connect(options(wh(), extra));
      await resetCounters(wh());
      await fault(wh(), f);
      let outcome: number[] | SluiceError;
      try {
        outcome = await column(conn, sql, 20_000);
      } catch (e) {
        outcome = e as SluiceError;
      }
      const c = await counters(wh());
      await admin(wh(), 'DELETE', '/admin/faults');
      await conn.close();
      return { c, outcome };
    }

    it('repeats a submission after 429, with and without Retry-After', async () => {
      for (const retry_after of [undefined, 1]) {
        const { c, outcome } = await attempts(
          { route: 'statements.execute', kind: 'status', status: 429, retry_after, count: 2 },
          { minBackoffMs: 50 },
        );
        assert.deepEqual(outcome, [7]);
        assert.equal(requestsOn(c, 'statements.execute'), 3);
      }
    });

    it('repeats a submission after 503 only with Retry-After', async () => {
      let r = await attempts({ route: 'statements.execute', kind: 'status', status: 503, retry_after: 1, count: 1 });
      assert.deepEqual(r.outcome, [7]);
      assert.equal(requestsOn(r.c, 'statements.execute'), 2);
      r = await attempts({ route: 'statements.execute', kind: 'status', status: 503, count: 1 });
      const e = r.outcome as SluiceError;
      assert.equal(e.code, 'Unavailable');
      assert.equal(e.httpStatus, 503);
      assert.equal(e.retryable, true);
      assert.equal(requestsOn(r.c, 'statements.execute'), 1);
    });

    it('never repeats a submission after a 500 or a dropped connection', async () => {
      let r = await attempts({ route: 'statements.execute', kind: 'status', status: 500, count: 1 });
      assert.equal((r.outcome as SluiceError).code, 'Unavailable');
      assert.equal(requestsOn(r.c, 'statements.execute'), 1);
      r = await attempts({ route: 'statements.execute', kind: 'drop', count: 1 });
      assert.equal((r.outcome as SluiceError).code, 'Network');
      assert.equal(requestsOn(r.c, 'statements.execute'), 1, 'the request reached the server');
    });

    it('retries idempotent calls on transient failures', async () => {
      for (const [status, retry_after] of [
        [503, undefined],
        [500, undefined],
        [429, 1],
      ]) {
        const { c, outcome } = await attempts(
          { route: 'statements.get', kind: 'status', status, retry_after, count: 2 },
          { waitTimeoutSecs: 0, minBackoffMs: 50, maxBackoffMs: 200 },
          'SELECT 5',
        );
        assert.deepEqual(outcome, [5]);
        assert.equal(requests(c, 'statements.get', status as number), 2);
        assert.ok(requests(c, 'statements.get', 200) >= 1);
      }
    });

    it('retries opening a session, and a dropped close of a session', async () => {
      await resetCounters(wh());
      await fault(wh(), { route: 'sessions.create', kind: 'status', status: 503, count: 2 });
      const conn = await backend.connect(options(wh(), { minBackoffMs: 50 }));
      assert.equal(requestsOn(await counters(wh()), 'sessions.create'), 3);
      await resetCounters(wh());
      await fault(wh(), { route: 'sessions.delete', kind: 'drop', count: 1 });
      await conn.close();
      assert.equal(requestsOn(await counters(wh()), 'sessions.delete'), 2);
    });

    it('stops at the retry limit and says how many retries it made', async () => {
      const { c, outcome } = await attempts(
        { route: 'statements.execute', kind: 'status', status: 429, count: 10 },
        { maxRetries: 2, minBackoffMs: 20 },
      );
      const e = outcome as SluiceError;
      assert.equal(e.code, 'ResourceExhausted');
      assert.match(e.message, /after 2 retries/);
      assert.equal(requestsOn(c, 'statements.execute'), 3);
    });

    it('honours Retry-After', async () => {
      const started = Date.now();
      const { outcome } = await attempts(
        { route: 'statements.execute', kind: 'status', status: 429, retry_after: 1, count: 1 },
        { maxBackoffMs: 5000, minBackoffMs: 10 },
      );
      assert.deepEqual(outcome, [7]);
      assert.ok(Date.now() - started >= 1000);
    });
  });
}
