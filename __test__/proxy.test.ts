/**
 * The `proxy` option and HTTPS_PROXY / NO_PROXY, on both backends, through a small local proxy
 * that counts what passes: API calls and pre-signed downloads go through it, its credentials are
 * sent to it and to nothing else a user can see. Query tags are read off the wire the same way,
 * through the proxy in front of a plain-HTTP warehouse.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { connect, OperationalError, ProgrammingError } from '#dist/index';
import { type LocalWarehouse, startLocalWarehouse } from '#dist/local-warehouse';
import { startProxy, type TestProxy } from './helpers/proxy';

const PASSWORD = 'CANARY-proxy-pass-5d2e';
/** Links name a port nothing listens on: they work only through the proxy, which routes them. */
const LINK_HOST = 'localhost:9';
const ROWS = 3000;

function views(value: unknown): string {
  const out = [inspect(value, { depth: 12, showHidden: true })];
  if (value instanceof Error) out.push(value.message, value.stack ?? '', String(value), JSON.stringify(value));
  return out.join('\n');
}

/** Runs `work` with the environment changed, restoring it after. */
async function withEnv<T>(vars: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return await work();
  } finally {
    set(saved);
  }
}

const ENV_CLEAR = { HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

describe('proxy', () => {
  let warehouse: LocalWarehouse;
  let proxy: TestProxy;
  let apiHost: string;

  before(async () => {
    warehouse = await startLocalWarehouse({
      args: ['--inline-limit', '0', '--chunk-rows', '1000', '--link-base-url', `https://${LINK_HOST}`],
    });
    apiHost = `127.0.0.1:${warehouse.info.port}`;
    proxy = await startProxy({
      credentials: `sluice:${PASSWORD}`,
      route: (target) => (target === LINK_HOST ? apiHost : target),
    });
  });

  after(async () => {
    await proxy?.close();
    await warehouse?.stop();
  });

  async function sum(options: Parameters<typeof connect>[0]): Promise<number> {
    const connection = await connect(options);
    try {
      const cursor = connection.cursor<{ id: bigint }>();
      await cursor.execute(`SELECT id FROM range(${ROWS})`);
      const rows = await cursor.fetchall();
      assert.equal(rows.length, ROWS);
      return rows.reduce((a, r) => a + Number(r.id), 0);
    } finally {
      await connection.close();
    }
  }

  const expected = (ROWS * (ROWS - 1)) / 2;

  for (const backend of ['native', 'ts'] as const) {
    it(`API calls and downloads go through the proxy given as a URL or as parts (${backend})`, async () => {
      await withEnv(ENV_CLEAR, async () => {
        const base = warehouse.connectOptions({ backend, host: `https://${apiHost}` });
        for (const given of [
          `http://sluice:${PASSWORD}@127.0.0.1:${proxy.port}`,
          {
            protocol: 'http' as const,
            host: '127.0.0.1',
            port: proxy.port,
            auth: { username: 'sluice', password: PASSWORD },
          },
        ]) {
          proxy.log.tunnels.length = 0;
          assert.equal(await sum({ ...base, proxy: given }), expected);
          assert.ok(proxy.log.tunnels.includes(apiHost), `API calls tunnelled: ${proxy.log.tunnels}`);
          assert.ok(proxy.log.tunnels.includes(LINK_HOST), `downloads tunnelled: ${proxy.log.tunnels}`);
        }
      });
    });

    it(`HTTPS_PROXY is read from the environment and NO_PROXY exempts hosts (${backend})`, async () => {
      const base = warehouse.connectOptions({ backend, host: `https://${apiHost}` });
      const url = `http://sluice:${PASSWORD}@127.0.0.1:${proxy.port}`;
      await withEnv({ ...ENV_CLEAR, HTTPS_PROXY: url }, async () => {
        proxy.log.tunnels.length = 0;
        assert.equal(await sum(base), expected);
        assert.ok(proxy.log.tunnels.includes(apiHost) && proxy.log.tunnels.includes(LINK_HOST), `${proxy.log.tunnels}`);
      });
      await withEnv({ ...ENV_CLEAR, https_proxy: url, NO_PROXY: 'example.com, 127.0.0.0/8' }, async () => {
        proxy.log.tunnels.length = 0;
        assert.equal(await sum(base), expected);
        assert.deepEqual([...new Set(proxy.log.tunnels)], [LINK_HOST], 'only the links went through the proxy');
      });
      // The option wins over the environment, whose proxy would refuse every tunnel.
      await withEnv({ ...ENV_CLEAR, HTTPS_PROXY: 'http://127.0.0.1:9' }, async () => {
        assert.equal(await sum({ ...base, proxy: url }), expected);
      });
    });

    it(`a refused or unreachable proxy fails clearly, its password nowhere to be seen (${backend})`, async () => {
      await withEnv(ENV_CLEAR, async () => {
        const base = warehouse.connectOptions({ backend, host: `https://${apiHost}`, maxRetries: 0 });
        const refusedBefore = proxy.log.refused;
        const wrong = await connect({
          ...base,
          proxy: { host: '127.0.0.1', port: proxy.port, auth: { username: 'sluice', password: `${PASSWORD}-wrong` } },
        }).then(
          () => assert.fail('a proxy refusing the credentials must fail the connect'),
          (e: unknown) => e,
        );
        assert.ok(wrong instanceof OperationalError, views(wrong));
        assert.ok(proxy.log.refused > refusedBefore, 'the proxy saw and refused the credentials');
        const dead = await connect({ ...base, proxy: `http://sluice:${PASSWORD}@127.0.0.1:9` }).then(
          () => assert.fail('a dead proxy must fail the connect'),
          (e: unknown) => e,
        );
        assert.ok(dead instanceof OperationalError, views(dead));
        const bad = await connect({ ...base, proxy: `ftp://sluice:${PASSWORD}@proxy` }).then(
          () => assert.fail('an ftp proxy is refused'),
          (e: unknown) => e,
        );
        assert.ok(bad instanceof ProgrammingError, views(bad));
        const connection = await connect({ ...base, proxy: `http://sluice:${PASSWORD}@127.0.0.1:${proxy.port}` });
        const shown = [views(wrong), views(dead), views(bad), views(connection), views(connection.cursor())].join('\n');
        await connection.close();
        assert.ok(!shown.includes(PASSWORD), 'the proxy password reached an error or an object');
        assert.ok(!shown.includes(Buffer.from(`sluice:${PASSWORD}`).toString('base64')), 'its Basic header too');
      });
    });
  }
});

describe('query tags', () => {
  let warehouse: LocalWarehouse;
  let proxy: TestProxy;

  before(async () => {
    warehouse = await startLocalWarehouse({ args: ['--plain-http'] });
    proxy = await startProxy();
  });

  after(async () => {
    await proxy?.close();
    await warehouse?.stop();
  });

  for (const backend of ['native', 'ts'] as const) {
    it(`are sent as the QUERY_TAGS session conf and the statement's query_tags (${backend})`, async () => {
      proxy.log.forwarded.length = 0;
      const connection = await connect(
        warehouse.connectOptions({
          backend,
          proxy: `http://127.0.0.1:${proxy.port}`,
          queryTags: { team: 'data', 'odd,key': 'a:b\\c' },
        }),
      );
      const cursor = connection.cursor();
      await cursor.execute('SELECT 1 AS one', undefined, { queryTags: { job: 'nightly', step: '' } });
      await cursor.execute('SELECT 2 AS two');
      await connection.close();
      const bodies = (path: string) =>
        proxy.log.forwarded
          .filter((r) => r.method === 'POST' && new URL(r.url).pathname === path)
          .map((r) => JSON.parse(r.body) as Record<string, unknown>);
      const [session] = bodies('/api/2.0/sql/sessions');
      assert.deepEqual(session.session_confs, { QUERY_TAGS: 'team:data,odd\\,key:a\\:b\\\\c' });
      const statements = bodies('/api/2.0/sql/statements');
      assert.equal(statements.length, 2);
      assert.deepEqual(statements[0].query_tags, [
        { key: 'job', value: 'nightly' },
        { key: 'step', value: '' },
      ]);
      assert.equal(statements[1].query_tags, undefined, 'tags belong to the one statement');
    });
  }

  it('bad tags are ProgrammingErrors before anything is sent', async () => {
    const base = warehouse.connectOptions();
    await assert.rejects(connect({ ...base, queryTags: { '': 'x' } }), ProgrammingError);
    await assert.rejects(connect({ ...base, queryTags: { a: 1 as unknown as string } }), ProgrammingError);
    await assert.rejects(
      connect({ ...base, queryTags: { a: 'b' }, sessionConfs: { query_tags: 'c:d' } }),
      /either as "queryTags" or as sessionConfs.QUERY_TAGS/,
    );
    const connection = await connect(base);
    const cursor = connection.cursor();
    await assert.rejects(cursor.execute('SELECT 1', undefined, { queryTags: ['a'] as never }), ProgrammingError);
    await assert.rejects(
      cursor.execute('SELECT 1', undefined, { queryTags: { a: null } as never }),
      /"queryTags" must be an object of string values/,
    );
    await connection.close();
  });
});
