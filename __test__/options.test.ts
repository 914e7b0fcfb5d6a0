/**
 * Connection settings in one place: every ConnectOptions key either stays in the facade or
 * reaches the binding under the same name (checked by the compiler and against index.d.ts), the
 * defaults come from one table, and the proxy and query-tag forms are read one way.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BackendOptions } from '#dist/backend';
import { CONNECT_DEFAULTS, type ConnectOptions, queryTagsText, resolveSettings } from '#dist/options';
import { PACKAGE_ROOT } from '#dist/package-root';
import { bypassesProxy, parseProxy, proxyFromEnv } from '#dist/proxy';
import { resolveConfig } from '#dist/ts-backend/config';

type NativeOptions = import('../index').ConnectOptions;
/** Settings the backends receive that the binding has no field for: must stay empty. */
type Dropped = Exclude<keyof BackendOptions, keyof NativeOptions | 'tokenProvider'>;
const noneDropped: [Dropped] extends [never] ? true : Dropped = true;

/** Every key of ConnectOptions, set: the compiler refuses this object when a key is added. */
const EVERY_KEY: Required<ConnectOptions> = {
  host: 'https://example.com',
  httpPath: '/sql/1.0/warehouses/w',
  token: 't',
  tokenProvider: () => 't',
  oauthClientId: 'id',
  oauthClientSecret: 'secret',
  oauthScope: 'scope',
  catalog: 'c',
  schema: 's',
  sessionConfs: { TIMEZONE: 'UTC' },
  caPem: 'pem',
  caPath: '/ca.pem',
  connectTimeoutMs: 1,
  requestTimeoutMs: 2,
  maxRetries: 3,
  minBackoffMs: 4,
  maxBackoffMs: 5,
  retryBudgetMs: 6,
  pollInitialMs: 7,
  pollMaxMs: 8,
  waitTimeoutSecs: 9,
  lz4: false,
  maxConcurrentDownloads: 10,
  memoryBudgetBytes: 11,
  linkExpiryThresholdMs: 12,
  maxDownloadAttempts: 13,
  userAgent: 'ua',
  proxy: 'http://proxy:3128',
  queryTags: { team: 'data' },
  headers: { 'x-databricks-org-id': '1' },
  backend: 'ts',
  rowMode: 'array',
  decimalAs: 'number',
  dateAs: 'string',
  timestampAs: 'bigint',
};

/** The keys of an interface of index.d.ts, with whether each is optional. */
function declared(name: string): Map<string, boolean> {
  const dts = readFileSync(join(PACKAGE_ROOT, 'index.d.ts'), 'utf8');
  const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1];
  assert.ok(body, `index.d.ts declares ${name}`);
  const keys = new Map<string, boolean>();
  for (const m of body.matchAll(/^ {2}(\w+)(\??):/gm)) keys.set(m[1], m[2] === '?');
  return keys;
}

describe('connection settings', () => {
  it('every setting the backends receive reaches the binding, and every one it requires is sent', () => {
    assert.equal(noneDropped, true);
    const native = declared('ConnectOptions');
    const sent = resolveSettings(EVERY_KEY, {});
    for (const key of Object.keys(sent)) assert.ok(native.has(key), `"${key}" has no field in the binding`);
    const minimal = resolveSettings({ host: 'h', httpPath: '/sql/1.0/warehouses/w', token: 't' }, {});
    for (const [key, optional] of native) {
      if (!optional) assert.ok(key in minimal, `the binding requires "${key}", which the facade does not send`);
    }
    const proxy = declared('ProxySettings');
    for (const key of Object.keys(parseProxy('http://u:p@proxy:1'))) assert.ok(proxy.has(key), key);
    for (const key of Object.keys(proxyFromEnv({ HTTPS_PROXY: 'http://proxy:1', NO_PROXY: 'x' }) ?? {})) {
      assert.ok(proxy.has(key), key);
    }
  });

  it('every setting reaches the ts backend too', () => {
    const { tokenProvider: _t, token: _token, oauthClientSecret: _s, ...rest } = EVERY_KEY;
    // Values no other setting has, so each can be found in the configuration by value.
    const numbers = Object.fromEntries(
      Object.entries(rest)
        .filter(([, v]) => typeof v === 'number')
        .map(([k], i) => [k, 1000 + i]),
    );
    const settings = resolveSettings({ ...rest, ...numbers, oauthClientSecret: 'secret' }, {});
    const found = new Set<unknown>();
    const walk = (v: unknown) => {
      found.add(v);
      if (typeof v === 'object' && v !== null) for (const inner of Object.values(v)) walk(inner);
    };
    walk(resolveConfig(settings));
    const derived = ['host', 'httpPath']; // read as baseUrl and warehouseId
    for (const [key, value] of Object.entries(settings)) {
      if (!derived.includes(key)) assert.ok(found.has(value), `"${key}" does not reach the ts backend's configuration`);
    }
  });

  it('the defaults come from one table; a given value is kept', () => {
    const minimal = resolveSettings({ host: 'h', httpPath: '/sql/1.0/warehouses/w', token: 't' }, {});
    for (const [key, value] of Object.entries(CONNECT_DEFAULTS))
      assert.equal(minimal[key as keyof typeof minimal], value);
    const given = resolveSettings({ ...EVERY_KEY, requestTimeoutMs: undefined }, {});
    assert.equal(given.connectTimeoutMs, 1);
    assert.equal(given.requestTimeoutMs, CONNECT_DEFAULTS.requestTimeoutMs, 'undefined means the default');
    assert.equal(given.lz4, false);
    for (const facadeOnly of ['backend', 'rowMode', 'decimalAs', 'dateAs', 'timestampAs', 'caPath', 'tokenProvider']) {
      assert.ok(!(facadeOnly in given), `${facadeOnly} stays in the facade`);
    }
    // The ts backend fills what a direct caller leaves out from the same table.
    const c = resolveConfig({ host: 'h', httpPath: '/sql/1.0/warehouses/w', token: 't' });
    assert.equal(c.requestTimeoutMs, CONNECT_DEFAULTS.requestTimeoutMs);
    assert.equal(c.results.memoryBudgetBytes, CONNECT_DEFAULTS.memoryBudgetBytes);
  });

  it('the README quotes the defaults of the table', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    for (const [key, value] of Object.entries(CONNECT_DEFAULTS)) {
      if (typeof value !== 'number' || key === 'memoryBudgetBytes' || key === 'waitTimeoutSecs') continue;
      assert.ok(readme.includes(`\`${key}\` (${value})`), `README: \`${key}\` (${value})`);
    }
    assert.ok(readme.includes(`\`memoryBudgetBytes\` (${CONNECT_DEFAULTS.memoryBudgetBytes / 2 ** 20} MiB)`));
  });

  it('reads a proxy from a URL, from parts and from the environment, credentials apart', () => {
    assert.deepEqual(parseProxy('http://us%40er:p%3Ass@proxy.corp:3128'), {
      url: 'http://proxy.corp:3128',
      username: 'us@er',
      password: 'p:ss',
    });
    assert.deepEqual(parseProxy('proxy.corp:8080'), { url: 'http://proxy.corp:8080' });
    assert.deepEqual(parseProxy({ protocol: 'https', host: 'p', port: 443, auth: { username: 'u', password: 'x' } }), {
      url: 'https://p:443',
      username: 'u',
      password: 'x',
    });
    assert.deepEqual(parseProxy({ host: '::1', port: 3128 }), { url: 'http://[::1]:3128' });
    for (const bad of [
      'socks5://u:CANARY@p:1',
      'http://u:CANARY@p:1/path',
      'http://u:CANARY%zz@p:1',
      { host: 'p', port: 0 },
      { host: 'p', port: 1, auth: { username: 'u' } },
      { host: 'p', port: 1, extra: 1 },
      42,
    ]) {
      assert.throws(
        () => parseProxy(bad),
        (e: Error) => e.message.startsWith('option "proxy"') && !e.message.includes('CANARY'),
        JSON.stringify(bad),
      );
    }
    assert.equal(proxyFromEnv({}), undefined);
    assert.deepEqual(proxyFromEnv({ https_proxy: 'http://p:1', no_proxy: 'a,b' }), {
      url: 'http://p:1',
      httpsOnly: true,
      noProxy: 'a,b',
    });
    assert.throws(() =>
      resolveSettings({ host: 'h', httpPath: '/w/warehouses/x', token: 't' }, { HTTPS_PROXY: 'ftp://x' }),
    );
  });

  it('exempts hosts as NO_PROXY lists them', () => {
    const u = (s: string) => new URL(s);
    const list = 'Example.com, .corp.net,10.0.0.0/8, ::1, 192.168.1.7';
    assert.equal(bypassesProxy(u('https://example.com/x'), list), true);
    assert.equal(bypassesProxy(u('https://api.example.com'), list), true);
    assert.equal(bypassesProxy(u('https://notexample.com'), list), false);
    assert.equal(bypassesProxy(u('https://db.corp.net'), list), true);
    assert.equal(bypassesProxy(u('https://10.2.3.4:8443'), list), true);
    assert.equal(bypassesProxy(u('https://11.2.3.4'), list), false);
    assert.equal(bypassesProxy(u('https://[::1]:1'), list), true);
    assert.equal(bypassesProxy(u('https://192.168.1.7'), list), true);
    assert.equal(bypassesProxy(u('https://192.168.1.8'), list), false);
    assert.equal(bypassesProxy(u('https://anything'), '*'), true);
    assert.equal(bypassesProxy(u('https://anything'), undefined), false);
    assert.equal(bypassesProxy(u('https://10.0.0.1'), '10.0.0.0/99'), false);
  });

  it('spells query tags as the QUERY_TAGS session conf takes them', () => {
    assert.equal(queryTagsText({ team: 'data', job: 'nightly' }), 'team:data,job:nightly');
    assert.equal(queryTagsText({ 'a,b': 'c:d\\e' }), 'a\\,b:c\\:d\\\\e');
    const s = resolveSettings({ host: 'h', httpPath: '/w/warehouses/x', token: 't', queryTags: { a: 'b' } }, {});
    assert.deepEqual(s.sessionConfs, { QUERY_TAGS: 'a:b' });
    assert.ok(!('queryTags' in s));
  });
});
