/**
 * Credentials given to connect(): a JavaScript token provider is called once per token lifetime
 * under 16 concurrent cursors, and what it returns is checked. The refresh-once contract itself,
 * for every credential kind, is in selfheal.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, OperationalError } from '#dist/index';
import { fetchOAuthToken } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

const CLIENT = 'sluice-js-client';
const SECRET = 'js-client-secret';

for (const backend of ['native', 'ts'] as const) {
  describe(`connect() credentials (${backend} backend)`, () => {
    const warehouse = useWarehouse({
      args: ['--oauth-client-id', CLIENT, '--oauth-client-secret', SECRET, '--token-ttl', '2'],
    });

    it('a token provider is called once per token lifetime by 16 concurrent cursors', async () => {
      const w = warehouse();
      const calls: number[] = [];
      const tokenProvider = async () => {
        calls.push(Date.now());
        return fetchOAuthToken(w, CLIENT, SECRET);
      };
      const connection = await connect(w.connectOptions({ backend, token: undefined, tokenProvider }));
      const until = Date.now() + 5000;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          const cursor = connection.cursor<{ id: bigint }>();
          while (Date.now() < until) {
            await cursor.execute('SELECT id FROM range(3)');
            assert.deepEqual(
              (await cursor.fetchall()).map((r) => r.id),
              [0n, 1n, 2n],
            );
          }
        }),
      );
      await connection.close();
      // 2 s tokens with a whole-second exp live 1 to 2 s and are replaced at 80 % of that: calls
      // are at least 0.8 s apart; two calls for one expiry would be milliseconds apart.
      assert.ok(calls.length >= 3, `${calls.length} calls`);
      for (let i = 1; i < calls.length; i++) {
        assert.ok(calls[i] - calls[i - 1] >= 700, `two provider calls ${calls[i] - calls[i - 1]} ms apart`);
      }
    });

    it('a provider that throws, hangs, or returns a non-string or non-header text fails with a clear Unauthenticated error', async () => {
      const w = warehouse();
      const failing = [
        () => {
          throw new Error('identity provider unreachable');
        },
        () => 42 as unknown as string,
        () => '',
        // Not header text: the ts backend threw Node's TypeError, the native one retried for 35 s.
        () => 'abc\r\nX-Injected: 1',
      ];
      for (const tokenProvider of failing) {
        await assert.rejects(connect(w.connectOptions({ backend, token: undefined, tokenProvider })), (e: unknown) => {
          assert.ok(e instanceof OperationalError, String(e));
          assert.equal(e.code, 'Unauthenticated');
          assert.match(e.message, /token provider|tokenProvider/);
          return true;
        });
      }
      // A provider that never settles is given up on after requestTimeoutMs instead of hanging.
      const never = () => new Promise<string>(() => undefined);
      await assert.rejects(
        connect(w.connectOptions({ backend, token: undefined, tokenProvider: never, requestTimeoutMs: 300 })),
        (e: unknown) =>
          e instanceof OperationalError &&
          e.code === 'Unauthenticated' &&
          /did not return a token within 300 ms/.test(e.message),
      );
    });
  });
}
