/**
 * Credentials from JavaScript: OAuth M2M and a caller-supplied token provider, refreshed once per
 * expiry and single-flight under 16 concurrent cursors; revoked and bad credentials fail typed.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, OperationalError } from '../src/index';
import { admin, fetchOAuthToken, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

const CLIENT = 'sluice-js-client';
const SECRET = 'js-client-secret';

/** Runs `SELECT id FROM range(3)` on 16 cursors in a loop for `ms`, checking every result. */
async function hammer(options: Parameters<typeof connect>[0], ms: number): Promise<number> {
  const connection = await connect(options);
  const until = Date.now() + ms;
  let queries = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      const cursor = connection.cursor<{ id: bigint }>();
      while (Date.now() < until) {
        await cursor.execute('SELECT id FROM range(3)');
        assert.deepEqual(
          (await cursor.fetchall()).map((r) => r.id),
          [0n, 1n, 2n],
        );
        queries++;
      }
    }),
  );
  await connection.close();
  return queries;
}

describe('credentials from JavaScript', () => {
  const warehouse = useWarehouse({
    args: ['--enable-admin', '--oauth-client-id', CLIENT, '--oauth-client-secret', SECRET, '--token-ttl', '2'],
  });

  it('OAuth M2M: 16 concurrent cursors across expiries, one grant per token lifetime', async () => {
    const w = warehouse();
    await admin.reset(w);
    const started = Date.now();
    const queries = await hammer(
      w.connectOptions({ token: undefined, oauthClientId: CLIENT, oauthClientSecret: SECRET }),
      5000,
    );
    const seconds = (Date.now() - started) / 1000;
    const c = await admin.counters(w);
    // A 2 s token with a whole-second exp lives 1-2 s and is replaced at 80 % of that.
    assert.ok(c.token_grants >= Math.floor(seconds / 1.6), `${c.token_grants} grants in ${seconds} s`);
    assert.ok(c.token_grants <= Math.ceil(seconds / 0.8) + 1, `${c.token_grants} grants in ${seconds} s`);
    assert.ok(queries > 50, `${queries} queries`);
    assert.equal(requests(c, 'statements.execute', 403), 0);
  });

  it('a JS token provider is called once per token lifetime, safely under concurrency', async () => {
    const w = warehouse();
    const calls: number[] = [];
    const provider = async () => {
      calls.push(Date.now());
      return fetchOAuthToken(w, CLIENT, SECRET);
    };
    await hammer(w.connectOptions({ token: undefined, tokenProvider: provider }), 5000);
    assert.ok(calls.length >= 3, `${calls.length} calls`);
    for (let i = 1; i < calls.length; i++) {
      assert.ok(calls[i] - calls[i - 1] >= 700, `two provider calls ${calls[i] - calls[i - 1]} ms apart`);
    }
  });

  it('a JS token provider heals a revocation with one call for 16 concurrent requests', async () => {
    const w = warehouse();
    let calls = 0;
    const provider = async () => {
      calls++;
      return fetchOAuthToken(w, CLIENT, SECRET);
    };
    const connection = await connect(w.connectOptions({ token: undefined, tokenProvider: provider }));
    assert.equal(calls, 1);
    await admin.revokeTokens(w);
    const results = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const cursor = connection.cursor<{ n: bigint }>();
        await cursor.execute(`SELECT ${i} AS n`);
        return cursor.fetchone();
      }),
    );
    assert.deepEqual(
      results.map((r) => r?.n),
      Array.from({ length: 16 }, (_, i) => BigInt(i)),
    );
    assert.equal(calls, 2);
    await connection.close();
  });

  it('a revoked token without a refreshable source fails after exactly one request', async () => {
    const w = warehouse();
    const token = await fetchOAuthToken(w, CLIENT, SECRET);
    const connection = await connect(w.connectOptions({ token }));
    await admin.revokeTokens(w, [token]);
    await admin.reset(w);
    const cursor = connection.cursor();
    await assert.rejects(cursor.execute('SELECT 1'), (e: unknown) => {
      assert.ok(e instanceof OperationalError);
      assert.equal(e.code, 'Unauthenticated');
      assert.equal(e.httpStatus, 403);
      return true;
    });
    assert.equal(requests(await admin.counters(w), 'statements.execute'), 1);
  });

  it('a provider that keeps returning a bad token gets exactly two attempts', async () => {
    const w = warehouse();
    let calls = 0;
    await admin.reset(w);
    await assert.rejects(
      connect(
        w.connectOptions({
          token: undefined,
          tokenProvider: () => {
            calls++;
            return `dapi-never-valid-${calls}`;
          },
        }),
      ),
      (e: unknown) => e instanceof OperationalError && e.code === 'Unauthenticated',
    );
    assert.equal(calls, 2);
    assert.equal(requests(await admin.counters(w), 'sessions.create'), 2);
  });

  it('a provider that throws or returns a non-string fails with a clear Unauthenticated error', async () => {
    const w = warehouse();
    const failing = [
      () => {
        throw new Error('identity provider unreachable');
      },
      () => 42 as unknown as string,
    ];
    for (const tokenProvider of failing) {
      await assert.rejects(connect(w.connectOptions({ token: undefined, tokenProvider })), (e: unknown) => {
        assert.ok(e instanceof OperationalError, String(e));
        assert.equal(e.code, 'Unauthenticated');
        assert.match(e.message, /token provider/);
        return true;
      });
    }
  });
});
