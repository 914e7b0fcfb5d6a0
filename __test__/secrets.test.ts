/**
 * Planted canaries: a personal token, an OAuth client secret, an extra header's value and the
 * warehouse's signed links must never appear in anything a user can see: error messages, stacks,
 * JSON, util.inspect of errors, connections and cursors, on either backend, whatever fails.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { connect } from '#dist/index';
import { admin } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

const PAT = 'dapi-CANARY-pat-9a1f';
const CLIENT_SECRET = 'CANARY-client-secret-3c7e';
/** The value of an extra header (the `headers` option), which may be a secret too. */
const HEADER_SECRET = 'CANARY-header-secret-b41d';

function views(value: unknown): string[] {
  const out = [inspect(value, { depth: 12, showHidden: true })];
  if (value instanceof Error) out.push(value.message, value.stack ?? '', String(value), JSON.stringify(value));
  return out;
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (e) {
    return e;
  }
  assert.fail('the scenario was expected to fail');
}

for (const backend of ['native', 'ts'] as const) {
  describe(`no secret reaches what users see (${backend} backend)`, () => {
    const warehouse = useWarehouse({
      args: [
        '--enable-admin',
        '--token',
        PAT,
        '--oauth-client-id',
        'canary-client',
        '--oauth-client-secret',
        CLIENT_SECRET,
        '--inline-limit',
        '0',
        '--chunk-rows',
        '100',
      ],
    });

    it('errors, stacks and objects of a dozen failures', async () => {
      const w = warehouse();
      const base = w.connectOptions({
        backend,
        maxRetries: 1,
        minBackoffMs: 10,
        maxDownloadAttempts: 2,
        headers: { 'x-secret-routing': HEADER_SECRET },
      });
      const seen: string[] = [];
      const record = (v: unknown) => seen.push(...views(v));

      const connection = await connect(base);
      const cursor = connection.cursor();
      await cursor.execute('SELECT id FROM range(1000)');
      record(connection);
      record(cursor);
      await cursor.fetchall();

      record(await failure(() => connect({ ...base, token: `${PAT}-wrong` })));
      record(
        await failure(() =>
          connect({
            ...base,
            token: undefined,
            oauthClientId: 'canary-client',
            oauthClientSecret: `${CLIENT_SECRET}-x`,
          }),
        ),
      );
      record(await failure(() => connect({ ...base, host: 'https://127.0.0.1:1' })));
      for (const fault of [
        { route: 'download', kind: 'cut', cut_after_bytes: 10, count: 100 },
        { route: 'download', kind: 'drop', count: 100 },
        { route: 'download', kind: 'status', status: 403, count: 100 },
      ]) {
        await admin.fault(w, fault);
        record(
          await failure(async () => {
            await cursor.execute('SELECT id FROM range(1000)');
            await cursor.fetchall();
          }),
        );
        await admin.clearFaults(w);
      }
      record(await failure(() => cursor.execute('SELEC oops')));
      record(await failure(() => cursor.execute('SELECT sleep(5)', undefined, { timeout: 100 })));
      const oauth = await connect({
        ...base,
        token: undefined,
        oauthClientId: 'canary-client',
        oauthClientSecret: CLIENT_SECRET,
      });
      record(oauth);
      await oauth.close();
      await admin.revokeTokens(w, [PAT]);
      record(await failure(() => cursor.execute('SELECT 1')));
      record(connection);
      await connection.close();

      assert.ok(seen.length >= 40, `${seen.length} texts scanned`);
      for (const text of seen) {
        for (const secret of [PAT, CLIENT_SECRET, HEADER_SECRET, 'sig=', '/blob/']) {
          assert.ok(!text.includes(secret), `"${secret}" leaked into:\n${text.slice(0, 2000)}`);
        }
      }
    });
  });
}
