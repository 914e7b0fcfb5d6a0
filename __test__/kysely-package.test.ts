/**
 * `sluice/kysely` as users load it: through the package's exports (Node resolves the package's
 * own name from inside it), from CommonJS and from ESM, sharing sluice's error classes, and its
 * published typings type-checking a strict consumer (tsc --noEmit, NodeNext resolution).
 * Needs the built package (`npm run build:ts`), as the suite does before the tests.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '#dist/package-root';

const NAMES = [
  'AbortSignalPlugin',
  'DatabricksAdapter',
  'DatabricksConnection',
  'DatabricksDialect',
  'DatabricksDriver',
  'DatabricksIntrospector',
  'DatabricksQueryCompiler',
];

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: PACKAGE_ROOT, encoding: 'utf8' });
}

/** Compiles a query and checks the error class it throws against sluice's, in one module system. */
const PROBE = `
  const db = new Kysely({ dialect: new k.DatabricksDialect({ connect: { host: 'h', httpPath: '/sql/1.0/warehouses/x', token: 't' } }) });
  let sameClass = false;
  try { db.deleteFrom('t').returningAll().compile(); } catch (e) { sameClass = e instanceof sluice.NotSupportedError; }
  console.log(JSON.stringify({ names: Object.keys(k).filter((n) => n !== 'default').sort(),
    sql: db.selectFrom('t').select('a').where('b', '=', 1).compile().sql, sameClass }));
`;

const EXPECTED = { names: NAMES, sql: 'select `a` from `t` where `b` = ?', sameClass: true };

const CONSUMER = `
import { type Generated, Kysely } from 'kysely';
import { AbortSignalPlugin, DatabricksDialect, type DatabricksDialectConfig } from 'sluice/kysely';

interface DB {
  person: { id: Generated<bigint>; name: string; nickname: string | null };
}
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const config: DatabricksDialectConfig = { connect: { host: 'h', httpPath: '/p', token: 't' }, poolSize: 2 };
const db = new Kysely<DB>({ dialect: new DatabricksDialect(config) });
const q = db.withPlugin(new AbortSignalPlugin(new AbortController().signal)).selectFrom('person').select(['id', 'nickname']);
type Row = Awaited<ReturnType<typeof q.executeTakeFirstOrThrow>>;
export const ok: Equals<Row, { id: bigint; nickname: string | null }> = true;
// @ts-expect-error: unknown option
new DatabricksDialect({ connect: config.connect, pool: 3 });
`;

/** The first TypeScript block of the README's Kysely section. */
function readmeExample(): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Kysely\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the README has a Kysely example');
  return block[1];
}

describe('the sluice/kysely entry point', () => {
  it('loads through require, with the CommonJS build of kysely', () => {
    const out = node([
      '-e',
      `const k = require('sluice/kysely'); const sluice = require('sluice'); const { Kysely } = require('kysely');${PROBE}`,
    ]);
    assert.deepEqual(JSON.parse(out), EXPECTED);
  });

  it('loads through import, with the ESM build of kysely', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import * as k from 'sluice/kysely'; import * as sluice from 'sluice'; import { Kysely } from 'kysely';${PROBE}`,
    ]);
    assert.deepEqual(JSON.parse(out), EXPECTED);
  });

  it('publishes typings that type-check strict NodeNext consumers (ESM and CommonJS) and type their results', () => {
    // Inside the package, so that 'sluice/kysely' resolves through the package's own exports.
    const dir = mkdtempSync(join(PACKAGE_ROOT, '.build-test', 'kysely-consumer-'));
    const tsc = join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = (file: string) =>
      execFileSync(
        process.execPath,
        [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'].concat([
          '--target',
          'es2022',
          '--types',
          'node',
          join(dir, file),
        ]),
        { cwd: PACKAGE_ROOT, encoding: 'utf8' },
      );
    try {
      writeFileSync(join(dir, 'esm.mts'), CONSUMER);
      writeFileSync(join(dir, 'cjs.cts'), CONSUMER);
      writeFileSync(join(dir, 'readme.mts'), readmeExample());
      check('esm.mts');
      check('cjs.cts');
      // The README's example, as a user would paste it.
      check('readme.mts');
      // The check can fail: a wrong expectation is a compile error.
      writeFileSync(
        join(dir, 'wrong.mts'),
        CONSUMER.replace('nickname: string | null }> = true', 'nickname: string }> = true'),
      );
      assert.throws(
        () => check('wrong.mts'),
        (e: unknown) => /TS2322/.test(String((e as { stdout?: string }).stdout)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
