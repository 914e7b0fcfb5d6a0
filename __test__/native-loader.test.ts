/**
 * Where the native addon cannot be loaded, connect() says so precisely, names the ts backend,
 * and the ts backend keeps working in the same process.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../src/package-root';
import { useWarehouse } from './helpers/warehouse';

describe('a missing native addon', () => {
  const warehouse = useWarehouse();

  it('is an InterfaceError that points to the ts backend, which still works', () => {
    const script = `
      const sluice = require(${JSON.stringify(join(__dirname, '../src/index.js'))});
      const options = JSON.parse(process.env.OPTIONS);
      (async () => {
        const out = {};
        try { await sluice.connect(options); } catch (e) {
          out.name = e.name; out.code = e.code; out.message = e.message;
          out.interface = e instanceof sluice.InterfaceError;
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
    assert.equal(out.interface, true);
    assert.equal(out.code, 'NotSupported');
    assert.match(String(out.message), /native addon could not be loaded for linux-x64/);
    assert.match(String(out.message), /backend: 'ts'/);
    assert.equal(out.answer, '42');
  });
});
