/**
 * The package as users get it: CommonJS and ESM entry points, and the `npm pack` tarball
 * installed into a scratch project, running a query against the local warehouse.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../src/package-root';
import { useWarehouse } from './helpers/warehouse';

function node(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
}

const QUERY = `
  const options = JSON.parse(process.env.SLUICE_TEST_OPTIONS);
  const conn = await sluice.connect(options);
  const cursor = conn.cursor();
  await cursor.execute('SELECT CAST(40 AS BIGINT) + 2 AS answer');
  const [row] = await cursor.fetchall();
  await conn.close();
  console.log(JSON.stringify({ answer: String(row.answer), apilevel: sluice.apilevel,
    sameError: new sluice.ProgrammingError('x', { code: 'InvalidArgument' }) instanceof sluice.Error }));
`;

describe('packaging', () => {
  const warehouse = useWarehouse();

  it('CommonJS and ESM entry points load the same classes', () => {
    const env = { SLUICE_TEST_OPTIONS: JSON.stringify(warehouse().connectOptions()) };
    const cjs = node(['-e', `const sluice = require('sluice'); (async () => { ${QUERY} })();`], PACKAGE_ROOT, env);
    const esm = node(['--input-type=module', '-e', `import * as sluice from 'sluice'; ${QUERY}`], PACKAGE_ROOT, env);
    for (const out of [cjs, esm]) {
      assert.deepEqual(JSON.parse(out), { answer: '42', apilevel: '2.0', sameError: true });
    }
    const both = node(
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module'; import { OperationalError } from 'sluice';
         const cjs = createRequire(import.meta.url)('sluice');
         console.log(OperationalError === cjs.OperationalError);`,
      ],
      PACKAGE_ROOT,
    );
    assert.equal(both.trim(), 'true', 'one copy of every class under both module systems');
  });

  it('the packed tarball installs and runs in a scratch project', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
    try {
      const packed = JSON.parse(
        execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: PACKAGE_ROOT, encoding: 'utf8' }),
      ) as { filename: string; files: { path: string }[] }[];
      const files = packed[0].files.map((f) => f.path);
      for (const expected of ['dist/index.js', 'dist/index.d.ts', 'esm/index.mjs', 'index.js', 'index.d.ts']) {
        assert.ok(files.includes(expected), `${expected} is packed`);
      }
      assert.ok(
        files.some((f) => f.endsWith('.node')),
        'the native addon is packed',
      );
      assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('crates/')), 'sources are not packed');
      writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', join(scratch, packed[0].filename)], {
        cwd: scratch,
        stdio: 'ignore',
      });
      const installed = JSON.parse(readFileSync(join(scratch, 'node_modules/sluice/package.json'), 'utf8')) as {
        name: string;
      };
      assert.equal(installed.name, 'sluice');
      writeFileSync(join(scratch, 'main.mjs'), `import * as sluice from 'sluice';\n${QUERY}`);
      const out = node(['main.mjs'], scratch, {
        SLUICE_TEST_OPTIONS: JSON.stringify(warehouse().connectOptions()),
      });
      assert.deepEqual(JSON.parse(out), { answer: '42', apilevel: '2.0', sameError: true });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
