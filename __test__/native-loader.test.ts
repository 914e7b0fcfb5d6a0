/**
 * Where the native addon cannot be loaded, connect() says so precisely (why, which prebuilt
 * addons the installation holds, the ts backend, the build of a source checkout) with the class
 * the error table gives `NotSupported`, and the ts backend keeps working in the same process.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadFailureMessage } from '#dist/native';
import { PACKAGE_ROOT } from '#dist/package-root';
import { currentPlatform, platformOfTriple, prebuiltPlatforms } from '#dist/platform';
import { useWarehouse } from './helpers/warehouse';

/** The advice every failure carries, whatever the installation. */
function assertAdvice(message: string, platform = currentPlatform()): void {
  assert.ok(
    message.startsWith(`the sluice native addon could not be loaded on ${platform} (Node ${process.versions.node}): `),
    message,
  );
  assert.match(message, /Connect with \{ backend: 'ts' \}, which needs no addon/);
  assert.match(message, /in a source checkout, "npm run build:native" builds the addon/);
  assert.doesNotMatch(message, /npm has a bug|Please try `npm i`|Require stack/, 'no raw loader text');
}

describe('a missing native addon', () => {
  const warehouse = useWarehouse();

  it('is a NotSupportedError that explains the failure, and the ts backend still works', () => {
    const script = `
      const sluice = require(${JSON.stringify(join(PACKAGE_ROOT, 'dist', 'index.js'))});
      const options = JSON.parse(process.env.OPTIONS);
      (async () => {
        const out = {};
        try { await sluice.connect(options); } catch (e) {
          out.name = e.name; out.code = e.code; out.message = e.message;
          out.notSupported = e instanceof sluice.NotSupportedError;
          out.driverError = e instanceof sluice.Error;
          out.hasCause = e.cause instanceof Error;
        }
        const conn = await sluice.connect({ ...options, backend: 'ts' });
        const cursor = conn.cursor();
        await cursor.execute('SELECT 41 + 1 AS answer');
        out.answer = String((await cursor.fetchone()).answer);
        await conn.close();
        console.log(JSON.stringify(out));
      })();`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], {
        cwd: PACKAGE_ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          NAPI_RS_NATIVE_LIBRARY_PATH: '/nonexistent/sluice.node',
          OPTIONS: JSON.stringify(warehouse().connectOptions()),
        },
      }),
    ) as Record<string, unknown>;
    assert.equal(out.name, 'NotSupportedError');
    assert.equal(out.notSupported, true);
    assert.equal(out.driverError, true);
    assert.equal(out.code, 'NotSupported');
    assert.equal(out.hasCause, true, 'the loader error is kept as the cause');
    const message = String(out.message);
    assertAdvice(message);
    assert.match(message, /Cannot find module '\/nonexistent\/sluice\.node'/, 'the reason the loader gave');
    const platform = currentPlatform();
    assert.match(
      message,
      new RegExp(
        `The prebuilt addon for ${platform} comes in the package sluice-${platform}, an optional dependency of sluice: ` +
          `reinstall without --omit=optional \\(or --no-optional\\), or delete a lock file made on another platform, ` +
          `or run "npm install sluice-${platform}"\\. `,
      ),
    );
    assert.equal(out.answer, '42');
  });

  it('names the loader reasons in the order they were tried, a platform without a prebuilt addon, and Deno without --allow-ffi', () => {
    // The shape of the generated loader's error: generic advice, the last attempt first in the causes.
    const first = new Error("Cannot find module './sluice.darwin-arm64.node'\nRequire stack:\n- index.js");
    const second = new Error("Cannot find module 'sluice-darwin-arm64'", { cause: first });
    const loader = new Error('Cannot find native binding. npm has a bug related to optional dependencies.', {
      cause: second,
    });
    const message = loadFailureMessage(loader, 'freebsd-x64', ['linux-x64-gnu', 'darwin-arm64']);
    assertAdvice(message, 'freebsd-x64');
    assert.match(
      message,
      /: Cannot find module '\.\/sluice\.darwin-arm64\.node'; Cannot find module 'sluice-darwin-arm64'\. sluice ships no prebuilt addon for freebsd-x64 \(prebuilt: linux-x64-gnu, darwin-arm64\)\. /,
    );
    const plain = loadFailureMessage(new Error('libc.so.6: version `GLIBC_2.34` not found...'), 'linux-x64-gnu', [
      'linux-x64-gnu',
    ]);
    assertAdvice(plain, 'linux-x64-gnu');
    assert.match(
      plain,
      /: libc\.so\.6: version `GLIBC_2\.34` not found\. The prebuilt addon for linux-x64-gnu comes in/,
    );
    // Deno's own refusal, as Deno 2.9 words it; the generated loader's WebAssembly attempts are not reasons.
    const denied = new Error(
      'Requires ffi access to "/app/node_modules/sluice-linux-x64-gnu/sluice.linux-x64-gnu.node", run again with the --allow-ffi flag',
    );
    const wasi = new Error("Cannot find module 'sluice-wasm32-wasi'", { cause: denied });
    const deno = loadFailureMessage(new Error('Cannot find native binding.', { cause: wasi }), 'linux-x64-gnu', [
      'linux-x64-gnu',
    ]);
    assertAdvice(deno, 'linux-x64-gnu');
    assert.match(
      deno,
      /: Requires ffi access to "[^"]+", run again with the --allow-ffi flag\. Deno loads native addons only with the FFI permission: run deno with --allow-ffi\. /,
    );
  });
});

describe('platform names', () => {
  it('the platforms of napi.targets are the platform package folders napi create-npm-dirs made', () => {
    assert.deepEqual(
      ['x86_64-unknown-linux-musl', 'aarch64-apple-darwin', 'x86_64-pc-windows-msvc'].map(platformOfTriple),
      ['linux-x64-musl', 'darwin-arm64', 'win32-x64-msvc'],
    );
    const dirs = readdirSync(join(PACKAGE_ROOT, 'npm')).sort();
    assert.deepEqual([...prebuiltPlatforms()].sort(), dirs);
    for (const dir of dirs) {
      const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'npm', dir, 'package.json'), 'utf8')) as {
        name: string;
      };
      assert.equal(manifest.name, `sluice-${dir}`);
    }
    assert.ok(dirs.includes(currentPlatform()), `this machine (${currentPlatform()}) is a released platform`);
  });
});
