/**
 * The `headers` option on both backends, read off the wire: a plain-HTTP warehouse behind the
 * counting proxy of the proxy tests (the warehouse keeps no received headers, the proxy logs each
 * forwarded request with its headers). The headers reach every API request and no pre-signed
 * download; bad names, values and the driver's own headers are refused up front; values (may be
 * secrets) appear in no error or Debug output.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { connect, ProgrammingError } from '#dist/index';
import { type LocalWarehouse, startLocalWarehouse } from '#dist/local-warehouse';
import { startProxy, type TestProxy } from './helpers/proxy';

const CANARY = 'CANARY-header-value-7f3a';
const ROWS = 3000;

describe('headers', () => {
  let warehouse: LocalWarehouse;
  let proxy: TestProxy;

  before(async () => {
    // Results as external links only, so every query downloads through the proxy too.
    warehouse = await startLocalWarehouse({ args: ['--plain-http', '--inline-limit', '0', '--chunk-rows', '1000'] });
    proxy = await startProxy();
  });

  after(async () => {
    await proxy?.close();
    await warehouse?.stop();
  });

  for (const backend of ['native', 'ts'] as const) {
    it(`are sent on every API request and on no download (${backend})`, async () => {
      proxy.log.forwarded.length = 0;
      const connection = await connect(
        warehouse.connectOptions({
          backend,
          proxy: `http://127.0.0.1:${proxy.port}`,
          headers: { 'X-Databricks-Org-Id': '1234567890', 'x-secret-routing': CANARY },
        }),
      );
      const cursor = connection.cursor<{ id: bigint }>();
      await cursor.execute(`SELECT id FROM range(${ROWS})`);
      assert.equal((await cursor.fetchall()).length, ROWS);
      await connection.close();
      const api = proxy.log.forwarded.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
      const downloads = proxy.log.forwarded.filter((r) => !new URL(r.url).pathname.startsWith('/api/'));
      assert.ok(api.length >= 3, `session, statement and close went through the proxy: ${api.length}`);
      assert.ok(downloads.length >= 3, `the chunks were downloaded through the proxy: ${downloads.length}`);
      for (const r of api) {
        assert.equal(r.headers['x-databricks-org-id'], '1234567890', `${r.method} ${r.url}`);
        assert.equal(r.headers['x-secret-routing'], CANARY, `${r.method} ${r.url}`);
        assert.match(String(r.headers.authorization), /^Bearer /, 'the driver still authenticates');
      }
      for (const r of downloads) {
        assert.equal(r.headers['x-databricks-org-id'], undefined, `no extra header on ${r.url}`);
        assert.equal(r.headers['x-secret-routing'], undefined, `no extra header on ${r.url}`);
        assert.equal(r.headers.authorization, undefined);
      }
      assert.ok(!inspect(connection, { depth: 12, showHidden: true }).includes(CANARY), 'not shown by inspect');
    });

    it(`bad headers are ProgrammingErrors naming the key, never quoting the value (${backend})`, async () => {
      const base = warehouse.connectOptions({ backend });
      const refused = async (headers: Record<string, string>, message: RegExp) => {
        const error = await connect({ ...base, headers }).then(
          () => assert.fail(`${JSON.stringify(Object.keys(headers))} must be refused`),
          (e: unknown) => e,
        );
        assert.ok(error instanceof ProgrammingError, String(error));
        assert.match(error.message, /option "headers"/);
        assert.match(error.message, message);
        const shown = `${inspect(error, { depth: 12, showHidden: true })}\n${error.stack}\n${JSON.stringify(error)}`;
        assert.ok(!shown.includes(CANARY), shown);
      };
      for (const owned of ['Authorization', 'host', 'Content-Type', 'content-length', 'User-Agent']) {
        await refused({ [owned]: CANARY }, new RegExp(`"${owned}" is set by the driver`));
      }
      await refused({ 'bad name': CANARY }, /"bad name" is not a valid HTTP header name/);
      await refused({ 'x-a:b': CANARY }, /not a valid HTTP header name/);
      await refused({ 'x-ok': `${CANARY}\r\nx-injected: 1` }, /the value of "x-ok" must be printable ASCII/);
      await refused({ 'x-ok': `${CANARY}\u00e9` }, /the value of "x-ok" must be printable ASCII/);
      await assert.rejects(
        connect({ ...base, headers: { a: 1 } as never }),
        /"headers" must be an object of string values/,
      );
      await assert.rejects(connect({ ...base, headers: ['a'] as never }), ProgrammingError);
    });
  }
});
