/**
 * The package as users get it: CommonJS and ESM entry points (the ESM one re-exporting every
 * name of the CommonJS one), and the `npm pack` tarball installed into a scratch project, where
 * it runs queries through `import` and `require`, on both backends (the ts backend decoding LZ4
 * links on its worker thread, started by path from the installed files), and type-checks a
 * strict TypeScript consumer.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PACKAGE_ROOT } from '#dist/package-root';
import { currentPlatform, prebuiltPlatforms } from '#dist/platform';
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
const ANSWER = { answer: '42', apilevel: '2.0', sameError: true };

/** The environment of a user without Rust: no cargo or rustc on PATH, no cargo or sluice variables. */
function withoutRust(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(CARGO|RUSTUP|RUSTC|SLUICE_)/.test(name)),
  );
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !['cargo', 'rustc', 'rustup'].some((tool) => existsSync(join(dir, tool))))
    .join(delimiter);
  // Deno's update check would go to the network.
  env.DENO_NO_UPDATE_CHECK = '1';
  return env;
}

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, path) : [relative(root, path)];
  });
}

/** The section names of a 64-bit little-endian ELF file (linux x64 and arm64 builds). */
function elfSections(elf: Buffer): string[] {
  assert.equal(elf.toString('latin1', 1, 4), 'ELF', 'an ELF file');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const header = (i: number) => shoff + i * shentsize;
  const names = Number(elf.readBigUInt64LE(header(elf.readUInt16LE(0x3e)) + 0x18));
  return Array.from({ length: shnum }, (_, i) => {
    const start = names + elf.readUInt32LE(header(i));
    return elf.toString('latin1', start, elf.indexOf(0, start));
  });
}

/** A JavaScript runtime: this Node, or one scripts/runtime.sh installs from npm. */
interface Runtime {
  name: string;
  tool?: string;
  args: string[];
  /** What RUNTIME (below) prints on it. */
  reports: string;
}

const DENO: Runtime = { name: 'Deno 2.9', tool: 'deno', args: ['run', '-A'], reports: 'deno' };
const RUNTIMES: Runtime[] = [
  {
    name: `Node ${process.versions.node} (this one)`,
    args: [],
    reports: `node ${process.versions.node.split('.')[0]}`,
  },
  { name: 'Node 22', tool: 'node22', args: [], reports: 'node 22' },
  { name: 'Node 24', tool: 'node24', args: [], reports: 'node 24' },
  { name: 'Bun 1.4', tool: 'bun', args: [], reports: 'bun' },
  DENO,
];

/** The runtime's executable, or why it cannot run here (the npm packages carry linux-x64 builds). */
function runtimePath(runtime: Runtime): string | { skip: string } {
  if (!runtime.tool) return process.execPath;
  try {
    return execFileSync('bash', [join(PACKAGE_ROOT, 'scripts/runtime.sh'), runtime.tool], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    const { status, stderr } = e as { status?: number; stderr?: string };
    if (status === 3) return { skip: String(stderr).trim() };
    throw e;
  }
}

function denoSkip(): string | false {
  const deno = runtimePath(DENO);
  return typeof deno === 'string' ? false : deno.skip;
}

const RUNTIME = `(typeof Bun !== 'undefined' ? 'bun' : typeof Deno !== 'undefined' ? 'deno'
  : 'node ' + process.versions.node.split('.')[0])`;

/** A user's first query: the packaged warehouse, the default (native) backend. */
const FIRST_QUERY = `
  const warehouse = await startLocalWarehouse();
  try {
    const conn = await connect(warehouse.connectOptions());
    const cursor = conn.cursor();
    await cursor.execute('SELECT CAST(40 AS BIGINT) + 2 AS answer');
    const [row] = await cursor.fetchall();
    await conn.close();
    console.log(JSON.stringify({ backend: conn.backendName, answer: String(row.answer), binary: warehouse.binary,
      runtime: ${RUNTIME} }));
  } finally {
    await warehouse.stop();
  }
`;
const ESM_MAIN = `import { connect, startLocalWarehouse } from 'sluice';\n${FIRST_QUERY}`;
const CJS_MAIN = `const { connect, startLocalWarehouse } = require('sluice');
(async () => {${FIRST_QUERY}})().catch((e) => { console.error(e); process.exitCode = 1; });`;

/** Deno without the FFI permission: the native backend's error, then the ts backend. */
const DENO_NO_FFI = `
  import { connect, startLocalWarehouse } from 'sluice';
  const warehouse = await startLocalWarehouse();
  const out = {};
  try {
    await connect(warehouse.connectOptions());
  } catch (e) {
    out.name = e.name;
    out.message = e.message;
  }
  const conn = await connect({ ...warehouse.connectOptions(), backend: 'ts' });
  const cursor = conn.cursor();
  await cursor.execute('SELECT 41 + 1 AS answer');
  out.answer = String((await cursor.fetchone()).answer);
  await conn.close();
  await warehouse.stop();
  console.log(JSON.stringify(out));
`;

/**
 * Every result goes through external links; 40 000 rows of an md5 column make a chunk whose
 * LZ4 body passes the ts backend's 1 MiB threshold for decoding on a worker thread.
 */
const CHUNK_ROWS = 40_000;
const BULK_ROWS = 100_000;

/**
 * The ts backend on a multi-chunk LZ4 result, recording the decoding workers it starts (the
 * backend looks `Worker` up on the module when it starts one) and the replies they send.
 */
const TS_BULK = `
  const { createHash } = require('node:crypto');
  const threads = require('node:worker_threads');
  const workers = [];
  let replies = 0;
  threads.Worker = class extends threads.Worker {
    constructor(file, options) {
      super(file, options);
      workers.push(String(file));
      this.on('message', () => { replies += 1; });
    }
  };
  const sluice = require('sluice');
  (async () => {
    const options = JSON.parse(process.env.SLUICE_TEST_OPTIONS);
    const conn = await sluice.connect({ ...options, backend: 'ts', lz4: true });
    const cursor = conn.cursor();
    await cursor.execute('SELECT id, md5(CAST(id AS STRING)) AS h FROM range(${BULK_ROWS}) ORDER BY id');
    const rowcount = cursor.rowcount;
    let rows = 0;
    const wrong = [];
    for (const row of await cursor.fetchall()) {
      const h = createHash('md5').update(String(rows)).digest('hex');
      if (row.id !== BigInt(rows) || row.h !== h) wrong.push(rows);
      rows += 1;
    }
    const backend = conn.backendName;
    await conn.close();
    console.log(JSON.stringify({ backend, rowcount, rows, wrong: wrong.slice(0, 5), workers, replies }));
  })();
`;

/** A strict consumer of the typings, through `import` (ESM) ... */
const TYPED_ESM = `
import {
  apilevel,
  type ConnectOptions,
  type Connection,
  connect,
  type Cursor,
  Error as DriverError,
  type ErrorCode,
  NotSupportedError,
  OperationalError,
  typed,
} from 'sluice';

export async function answer(options: ConnectOptions): Promise<bigint | null> {
  const conn: Connection = await connect({ ...options, backend: 'ts', rowMode: 'object' });
  const cursor: Cursor<{ answer: bigint }> = conn.cursor<{ answer: bigint }>();
  const same: Cursor<{ answer: bigint }> = await cursor.execute('SELECT :n + 2 AS answer', { n: typed(40, 'BIGINT') });
  const row = await same.fetchone();
  // @ts-expect-error the row type is what the cursor was given
  const wrong: string | undefined = row?.answer;
  void wrong;
  const rows: { answer: bigint }[] = await cursor.fetchall();
  for await (const r of cursor) rows.push(r);
  const retyped: Cursor<{ n: number }> = await cursor.execute<{ n: number }>('SELECT 1 AS n');
  const n: number | undefined = (await retyped.fetchone())?.n;
  void n;
  await conn.close();
  return row ? row.answer : null;
}

export function errors(e: unknown): ErrorCode | undefined {
  const level: '2.0' = apilevel;
  void level;
  const unsupported: DriverError = new NotSupportedError('x', { code: 'NotSupported' });
  void unsupported;
  // @ts-expect-error codes are a closed set
  void new OperationalError('x', { code: 'Nope' });
  return e instanceof DriverError ? e.code : undefined;
}

// @ts-expect-error host and httpPath are required
void connect({ token: 'x' });
// @ts-expect-error the backend is 'native' or 'ts'
void connect({ host: 'h', httpPath: '/p', backend: 'rust' });
`;

/** ... and through \`require\` (CommonJS). */
const TYPED_CJS = `
import sluice = require('sluice');

export async function count(options: sluice.ConnectOptions): Promise<number> {
  const conn: sluice.Connection = await sluice.connect(options);
  const cursor = conn.cursor<[bigint]>();
  await cursor.execute('SELECT 1');
  const rows: [bigint][] = await cursor.fetchall();
  await conn.close();
  return rows.length;
}
`;

/**
 * How the tarballs are installed: from npm's cache where it can (the repository's own install
 * filled it with apache-arrow), else from the registry: a new machine's cache holds the
 * tarballs of a lock-file install but not the package documents a range like ^21.1.0 is
 * resolved from, so --offline failed there (ENOTCACHED). The other platforms' packages are
 * optional and skipped. npm's error output is kept, so a failed install says why.
 */
const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline'];

describe('packaging', () => {
  const warehouse = useWarehouse({ args: ['--inline-limit', '0', '--chunk-rows', String(CHUNK_ROWS)] });
  const testEnv = () => ({ SLUICE_TEST_OPTIONS: JSON.stringify(warehouse().connectOptions()) });

  it('CommonJS and ESM entry points load the same classes', () => {
    const cjs = node(
      ['-e', `const sluice = require('sluice'); (async () => { ${QUERY} })();`],
      PACKAGE_ROOT,
      testEnv(),
    );
    const esm = node(
      ['--input-type=module', '-e', `import * as sluice from 'sluice'; ${QUERY}`],
      PACKAGE_ROOT,
      testEnv(),
    );
    for (const out of [cjs, esm]) {
      assert.deepEqual(JSON.parse(out), ANSWER);
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

  it('the ESM entry re-exports every name of the CommonJS entry, and no other', () => {
    const out = node(
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module'; import * as esm from 'sluice';
         const cjs = createRequire(import.meta.url)('sluice');
         console.log(JSON.stringify({
           cjs: Object.keys(cjs).sort(),
           esm: Object.keys(esm).filter((name) => name !== 'default').sort(),
           differing: Object.keys(cjs).filter((name) => esm[name] !== cjs[name]),
           defaultIsCjs: esm.default === cjs,
         }));`,
      ],
      PACKAGE_ROOT,
    );
    const names = JSON.parse(out) as { cjs: string[]; esm: string[]; differing: string[]; defaultIsCjs: boolean };
    assert.ok(names.cjs.includes('connect') && names.cjs.includes('Error'), 'the CommonJS names were read');
    assert.deepEqual(names.esm, names.cjs, 'esm/index.mjs lists exactly the names of dist/index.js');
    assert.deepEqual(names.differing, [], 'every ESM name is the CommonJS value itself');
    assert.equal(names.defaultIsCjs, true);
  });

  describe('the packed packages (npm run pack), installed into a scratch project with no Rust on PATH', () => {
    const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    const platform = currentPlatform();
    const tarballs = [
      `sluice-${version}.tgz`,
      `sluice-${platform}-${version}.tgz`,
      `sluice-warehouse-${version}.tgz`,
      `sluice-warehouse-${platform}-${version}.tgz`,
    ];
    const env = withoutRust();
    let scratch = '';
    let installSeconds = 0;

    before(() => {
      const packDir = join(PACKAGE_ROOT, 'pack');
      const present = existsSync(packDir) ? readdirSync(packDir).sort() : [];
      assert.deepEqual(present, [...tarballs].sort(), `pack/ holds the tarballs of ${platform}: run "npm run pack"`);
      scratch = realpathSync(mkdtempSync(join(tmpdir(), 'sluice-pack-')));
      writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
      const started = performance.now();
      execFileSync('npm', [...INSTALL, ...tarballs.map((t) => join(packDir, t))], {
        cwd: scratch,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      installSeconds = (performance.now() - started) / 1000;
    });

    after(() => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('no Rust toolchain is on the PATH the scratch project sees', () => {
      for (const tool of ['cargo', 'rustc']) {
        assert.throws(() => execFileSync('which', [tool], { env, stdio: 'ignore' }), `${tool} is not found`);
      }
    });

    it('the main package holds the built files and no addon or sources; each platform package a stripped build', (t) => {
      const installed = (name: string) => join(scratch, 'node_modules', name);
      const main = installed('sluice');
      for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/ts-backend/decode-worker.js', 'esm/index.mjs']) {
        assert.ok(existsSync(join(main, file)), `${file} is packed`);
      }
      for (const file of ['index.js', 'index.d.ts']) assert.ok(existsSync(join(main, file)), `${file} is packed`);
      const mainFiles = filesUnder(main);
      assert.deepEqual(
        mainFiles.filter((f) => f.endsWith('.node')),
        [],
        'the addon comes in its platform package',
      );
      assert.ok(!mainFiles.some((f) => /^(src|crates|target|testdata)\//.test(f)), 'sources are not packed');
      type Manifest = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
      const manifest = (name: string) =>
        JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as Manifest;
      for (const name of ['sluice', 'sluice-warehouse']) {
        assert.deepEqual(
          manifest(name).optionalDependencies,
          Object.fromEntries(prebuiltPlatforms().map((p) => [`${name}-${p}`, version])),
          `${name}: one optional dependency per platform of napi.targets`,
        );
      }
      assert.deepEqual(
        Object.keys(manifest('sluice').dependencies ?? {}),
        ['apache-arrow'],
        'the driver needs no warehouse',
      );
      const addon = join(installed(`sluice-${platform}`), `sluice.${platform}.node`);
      const exe = join(installed(`sluice-warehouse-${platform}`), 'sluice-warehouse');
      // ELF section headers name what strip removes (.symtab, .debug_*); other formats are not read here.
      for (const file of process.platform === 'linux' ? [addon, exe] : []) {
        const sections = elfSections(readFileSync(file));
        assert.deepEqual(
          sections.filter((name) => name === '.symtab' || name.startsWith('.debug_')),
          [],
          `${file} is a stripped release build`,
        );
      }
      const sizes = tarballs.map(
        (f) => `${f} ${(statSync(join(PACKAGE_ROOT, 'pack', f)).size / 2 ** 20).toFixed(1)} MiB`,
      );
      t.diagnostic(`tarballs: ${sizes.join(', ')}`);
      t.diagnostic(`installed into the scratch project in ${installSeconds.toFixed(1)} s`);
    });

    it('without sluice-warehouse, the driver works and startLocalWarehouse() says what to install', () => {
      const driverOnly = realpathSync(mkdtempSync(join(tmpdir(), 'sluice-driver-')));
      try {
        writeFileSync(join(driverOnly, 'package.json'), JSON.stringify({ name: 'driver-only', private: true }));
        execFileSync('npm', [...INSTALL, ...tarballs.slice(0, 2).map((t) => join(PACKAGE_ROOT, 'pack', t))], {
          cwd: driverOnly,
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        assert.deepEqual(
          readdirSync(join(driverOnly, 'node_modules'))
            .filter((name) => name.startsWith('sluice'))
            .sort(),
          ['sluice', `sluice-${platform}`],
          'no warehouse package was installed',
        );
        writeFileSync(
          join(driverOnly, 'main.cjs'),
          `const sluice = require('sluice');
          (async () => {
            const out = {};
            try { await sluice.startLocalWarehouse(); } catch (e) { out.error = e.message; }
            const conn = await sluice.connect(JSON.parse(process.env.SLUICE_TEST_OPTIONS));
            const cursor = conn.cursor();
            await cursor.execute('SELECT 40 + 2 AS answer');
            out.answer = String((await cursor.fetchone()).answer);
            out.backend = conn.backendName;
            await conn.close();
            console.log(JSON.stringify(out));
          })();`,
        );
        const out = JSON.parse(
          execFileSync(process.execPath, ['main.cjs'], {
            cwd: driverOnly,
            env: { ...env, ...testEnv() },
            encoding: 'utf8',
          }),
        ) as Record<string, string>;
        assert.equal(out.answer, '42');
        assert.equal(out.backend, 'native');
        assert.equal(
          out.error,
          `the local warehouse is not installed: run "npm install --save-dev sluice-warehouse" (prebuilt for ` +
            `${prebuiltPlatforms().join(', ')}; this is ${platform}), or set SLUICE_WAREHOUSE_BIN`,
        );
      } finally {
        rmSync(driverOnly, { recursive: true, force: true });
      }
    });

    it('npx sluice-warehouse --help runs the installed executable', () => {
      const out = execFileSync('npx', ['--no-install', 'sluice-warehouse', '--help'], {
        cwd: scratch,
        env,
        encoding: 'utf8',
      });
      assert.match(out, /Usage: sluice-warehouse/);
      assert.match(out, /--port/);
    });

    for (const runtime of RUNTIMES) {
      describe(`on ${runtime.name}`, () => {
        const command = runtimePath(runtime);
        const skip = typeof command === 'string' ? false : command.skip;
        for (const [kind, file, source] of [
          ['import', 'main.mjs', ESM_MAIN],
          ['require', 'main.cjs', CJS_MAIN],
        ] as const) {
          it(`starts the packaged warehouse and queries it through the native backend, by ${kind}`, { skip }, () => {
            writeFileSync(join(scratch, file), source);
            const out = JSON.parse(
              execFileSync(command as string, [...runtime.args, file], { cwd: scratch, env, encoding: 'utf8' }),
            );
            assert.deepEqual(out, {
              backend: 'native',
              answer: '42',
              binary: join(scratch, 'node_modules', `sluice-warehouse-${platform}`, 'sluice-warehouse'),
              runtime: runtime.reports,
            });
          });
        }
      });
    }

    it('on Deno without --allow-ffi, connect() says to add it, and the ts backend works', { skip: denoSkip() }, () => {
      writeFileSync(join(scratch, 'no-ffi.mjs'), DENO_NO_FFI);
      const deno = runtimePath(DENO) as string;
      const out = JSON.parse(
        execFileSync(
          deno,
          ['run', '--allow-read', '--allow-env', '--allow-net', '--allow-run', '--allow-sys', 'no-ffi.mjs'],
          {
            cwd: scratch,
            env,
            encoding: 'utf8',
          },
        ),
      ) as { name: string; message: string; answer: string };
      assert.equal(out.name, 'NotSupportedError');
      assert.ok(
        out.message.startsWith(`the sluice native addon could not be loaded on ${platform} (Deno 2.9.6): `),
        out.message,
      );
      assert.match(out.message, /Deno loads native addons only with the FFI permission: run deno with --allow-ffi\./);
      assert.equal(out.answer, '42');
    });

    it('runs the ts backend, decoding LZ4 links on its worker thread from the installed files', () => {
      writeFileSync(join(scratch, 'bulk.cjs'), TS_BULK);
      const out = JSON.parse(node(['bulk.cjs'], scratch, testEnv())) as {
        backend: string;
        rowcount: number;
        rows: number;
        wrong: number[];
        workers: string[];
        replies: number;
      };
      assert.equal(out.backend, 'ts');
      assert.equal(out.rowcount, BULK_ROWS);
      assert.equal(out.rows, BULK_ROWS);
      assert.deepEqual(out.wrong, [], 'every row holds its id and the md5 of it');
      const worker = join(scratch, 'node_modules/sluice/dist/ts-backend/decode-worker.js');
      assert.ok(out.workers.length > 0, 'a decoding worker was started');
      for (const file of out.workers) assert.equal(file, worker, 'the worker runs from the installed package');
      assert.ok(out.replies > 0, 'the worker decoded chunks');
    });

    it('type-checks a strict TypeScript consumer through import and require', () => {
      writeFileSync(join(scratch, 'typed.ts'), TYPED_ESM);
      writeFileSync(join(scratch, 'typed-cjs.cts'), TYPED_CJS);
      writeFileSync(
        join(scratch, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'node16',
            moduleResolution: 'node16',
            target: 'ES2022',
            noEmit: true,
            // The compiler's default: the package's declarations themselves must check too.
            skipLibCheck: false,
            // The consumer's own @types/node: the repository's, rather than a second install.
            typeRoots: [join(PACKAGE_ROOT, 'node_modules/@types')],
            types: ['node'],
          },
          files: ['typed.ts', 'typed-cjs.cts'],
        }),
      );
      const tsc = join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc');
      let listed: string[] = [];
      try {
        listed = execFileSync(process.execPath, [tsc, '-p', scratch, '--listFiles'], {
          cwd: scratch,
          encoding: 'utf8',
        }).split('\n');
      } catch (e) {
        const out = (e as { stdout?: string }).stdout ?? String(e);
        assert.fail(`the typings do not type-check:\n${out}`);
      }
      for (const file of ['dist/index.d.ts', 'dist/cursor.d.ts', 'dist/connection.d.ts']) {
        const path = join(scratch, 'node_modules/sluice', file);
        assert.ok(listed.includes(path), `the compiler read ${path}`);
      }
    });

    it('serves the @databricks/sql drop-in: subpath, deep paths, ESM and CommonJS, and typings', () => {
      const app = (load: string) => `${load}
        const { host, port, caPem, token, httpPath } = JSON.parse(process.env.SLUICE_TEST_OPTIONS);
        const url = new URL(host);
        const client = new DBSQLClient();
        await client.connect({ host: url.hostname, port: Number(url.port), path: httpPath, token, customCaCert: caPem });
        const session = await client.openSession();
        const operation = await session.executeStatement('SELECT CAST(40 AS BIGINT) + 2 AS answer');
        const rows = await operation.fetchAll();
        const failed = await session.executeStatement('SELEC 1').catch((e) => e);
        await session.close();
        await client.close();
        console.log(JSON.stringify({ rows, state: failed instanceof OperationStateError, status: String(StatusError.name), decimal: types.TTypeId.DECIMAL_TYPE }));`;
      writeFileSync(
        join(scratch, 'dropin.mjs'),
        app(`import { DBSQLClient, OperationStateError } from 'sluice/databricks-sql';
          import statusError from 'sluice/databricks-sql/dist/errors/StatusError';
          import types from 'sluice/databricks-sql/thrift/TCLIService_types';
          const StatusError = statusError.default;`),
      );
      writeFileSync(
        join(scratch, 'dropin.cjs'),
        `(async () => {${app(`const { DBSQLClient } = require('sluice/databricks-sql');
          const OperationStateError = require('sluice/databricks-sql/dist/errors/OperationStateError').default;
          const StatusError = require('sluice/databricks-sql/dist/errors/StatusError').default;
          const types = require('sluice/databricks-sql/thrift/TCLIService_types');`)}})();`,
      );
      const expected = { rows: [{ answer: 42 }], state: true, status: 'StatusError', decimal: 15 };
      for (const file of ['dropin.mjs', 'dropin.cjs']) {
        assert.deepEqual(JSON.parse(node([file], scratch, testEnv())), expected, file);
      }
      // An app typed against @databricks/sql (a CommonJS one, as theirs is CommonJS: its deep paths'
      // default exports are classes there), with its one import changed; node10 reads typesVersions.
      writeFileSync(
        join(scratch, 'dropin-typed.cts'),
        `import { DBSQLClient, DBSQLParameter, DBSQLParameterType } from 'sluice/databricks-sql';
import type IDBSQLSession from 'sluice/databricks-sql/dist/contracts/IDBSQLSession';
import type IOperation from 'sluice/databricks-sql/dist/contracts/IOperation';
import StatusError from 'sluice/databricks-sql/dist/errors/StatusError';
import { TTypeId } from 'sluice/databricks-sql/thrift/TCLIService_types';

export async function run(): Promise<number> {
  const client = new DBSQLClient();
  await client.connect({ host: 'h', path: '/sql/1.0/warehouses/x', token: 't' });
  const session: IDBSQLSession = await client.openSession({ initialCatalog: 'main' });
  const operation: IOperation = await session.executeStatement('SELECT :a', {
    namedParameters: { a: new DBSQLParameter({ type: DBSQLParameterType.BIGINT, value: 1n }) },
    queryTimeout: 10,
  });
  const schema = await operation.getSchema();
  const ok: boolean = schema?.columns[0].typeDesc.types[0].primitiveEntry?.type === TTypeId.BIGINT_TYPE;
  const rows: object[] = await operation.fetchAll();
  void new StatusError({ statusCode: 3 });
  await session.close();
  await client.close();
  return ok ? rows.length : 0;
}
`,
      );
      const tsc = join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc');
      for (const resolution of [
        ['--module', 'node16', '--moduleResolution', 'node16'],
        ['--module', 'commonjs', '--moduleResolution', 'node10'],
      ]) {
        try {
          execFileSync(
            process.execPath,
            [
              tsc,
              '--strict',
              '--noEmit',
              '--target',
              'ES2022',
              '--esModuleInterop',
              '--types',
              'node',
              '--typeRoots',
              join(PACKAGE_ROOT, 'node_modules/@types'),
              ...resolution,
              'dropin-typed.cts',
            ],
            { cwd: scratch, encoding: 'utf8' },
          );
        } catch (e) {
          assert.fail(
            `the drop-in's typings do not type-check (${resolution[3]}):\n${(e as { stdout?: string }).stdout ?? String(e)}`,
          );
        }
      }
    });
  });
});
