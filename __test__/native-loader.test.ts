/**
 * Where the native addon cannot be loaded, connect() says so precisely (why, which prebuilt
 * addons the installation holds, the ts backend, the build of a source checkout) with the class
 * the error table gives `NotSupported`, and the ts backend keeps working in the same process.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadFailureMessage } from '../src/native';
import { PACKAGE_ROOT } from '../src/package-root';
import { useWarehouse } from './helpers/warehouse';

/** The advice every failure carries, whatever the installation. */
function assertAdvice(message: string): void {
  const platform = `${process.platform}-${process.arch}`;
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
      const sluice = require(${JSON.stringify(join(__dirname, '../src/index.js'))});
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
    assert.match(message, /This installation holds prebuilt addons for: linux-x64-gnu\./);
    assert.equal(out.answer, '42');
  });

  it('names the loader reasons in the order they were tried, and an installation without addons', () => {
    // The shape of the generated loader's error: generic advice, the last attempt first in the causes.
    const first = new Error("Cannot find module './sluice.darwin-arm64.node'\nRequire stack:\n- index.js");
    const second = new Error("Cannot find module 'sluice-darwin-arm64'", { cause: first });
    const loader = new Error('Cannot find native binding. npm has a bug related to optional dependencies.', {
      cause: second,
    });
    const message = loadFailureMessage(loader, []);
    assertAdvice(message);
    assert.match(
      message,
      /: Cannot find module '\.\/sluice\.darwin-arm64\.node'; Cannot find module 'sluice-darwin-arm64'\. This installation holds no prebuilt addon\. /,
    );
    const plain = loadFailureMessage(new Error('libc.so.6: version `GLIBC_2.34` not found...'), ['linux-x64-gnu']);
    assertAdvice(plain);
    assert.match(plain, /: libc\.so\.6: version `GLIBC_2\.34` not found\. This installation holds prebuilt addons/);
  });
});
