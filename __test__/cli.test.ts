/**
 * The `sluice` command in child processes: formats, -o, -f, stdin, scripts that stop at the
 * first error, connection from flags, environment and ~/.databrickscfg profiles (a temporary
 * HOME), the documented exit codes, and Ctrl-C cancelling on the warehouse with no file left.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tableFromIPC } from 'apache-arrow';
import { PACKAGE_ROOT } from '#dist/package-root';
import { admin, requests } from './helpers/admin';
import { digest, ensurePyarrow } from './helpers/pyarrow';
import { useWarehouse } from './helpers/warehouse';

const MAIN = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function start(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): ChildProcess {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: {
      PATH: process.env.PATH,
      CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR,
      SLUICE_WAREHOUSE_BIN: process.env.SLUICE_WAREHOUSE_BIN,
      HOME: process.env.HOME,
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(stdin);
  return child;
}

function finish(child: ChildProcess): Promise<Run> {
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

const sluice = (args: string[], env?: Record<string, string | undefined>, stdin?: string) =>
  finish(start(args, env, stdin));

describe('the sluice CLI', () => {
  const warehouse = useWarehouse({
    args: ['--enable-admin', '--chunk-rows', '4000', '--inline-limit', '0'],
  });
  let dir: string;
  /** Connection through the environment, as a shell user sets it up. */
  let env: Record<string, string>;

  before(() => {
    ensurePyarrow();
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const w = warehouse();
    env = {
      DATABRICKS_HOST: w.info.url,
      DATABRICKS_HTTP_PATH: w.info.http_path,
      DATABRICKS_TOKEN: w.info.token,
      SLUICE_CA_FILE: w.info.ca_path ?? '',
      HOME: dir,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help and --version exit 0 on stdout', async () => {
    const help = await sluice(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString(), /^Usage: sluice/);
    assert.match(help.stdout.toString(), /Exit codes: 0 ok, 1 SQL error, 2 connection or auth error, 3 bad usage/);
    const version = await sluice(['--version']);
    assert.equal(version.code, 0);
    const { version: expected } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    assert.equal(version.stdout.toString(), `sluice ${expected}\n`);
  });

  it('bad usage exits 3 with the reason on stderr', async () => {
    for (const args of [
      ['--bogus', 'SELECT 1'],
      ['--format', 'xml', 'SELECT 1'],
      ['SELECT 1', 'SELECT 2'],
      ['--profile', 'nope', 'SELECT 1'],
    ]) {
      const r = await sluice(args, { ...env, DATABRICKS_HOST: undefined });
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^sluice: /);
      assert.equal(r.stdout.length, 0);
    }
    const unconfigured = await sluice(['SELECT 1'], { HOME: dir });
    assert.equal(unconfigured.code, 3);
    assert.match(unconfigured.stderr, /no warehouse to connect to/);
  });

  it('a SQL error exits 1; a script stops at its first error', async () => {
    const w = warehouse();
    const r = await sluice(['SELECT * FROM no_such_table'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no_such_table/);
    await admin.reset(w);
    const script = join(dir, 'script.sql');
    writeFileSync(
      script,
      "SELECT 1 AS a;\n-- a comment; with a semicolon\nSELECT * FROM nope;\nSELECT 'never; run' AS b;\n",
    );
    const s = await sluice(['-f', script], env);
    assert.equal(s.code, 1);
    assert.equal((await admin.counters(w)).statements_executed, 2);
  });

  it('a dead server or a refused token exits 2', async () => {
    const dead = await sluice(['SELECT 1'], { ...env, DATABRICKS_HOST: 'https://127.0.0.1:1' });
    assert.equal(dead.code, 2, dead.stderr);
    const refused = await sluice(['SELECT 1'], { ...env, DATABRICKS_TOKEN: 'not-a-token' });
    assert.equal(refused.code, 2, refused.stderr);
    assert.doesNotMatch(refused.stderr, /not-a-token/);
  });

  it('csv by default on a pipe; SQL from the argument, -f - and piped stdin; tsv and ndjson', async () => {
    const sql = 'SELECT id, id * 2 AS twice FROM range(3)';
    const expected = 'id,twice\n0,0\n1,2\n2,4\n';
    assert.equal((await sluice([sql], env)).stdout.toString(), expected);
    assert.equal((await sluice(['-f', '-'], env, sql)).stdout.toString(), expected);
    assert.equal((await sluice([], env, `${sql};`)).stdout.toString(), expected);
    assert.equal((await sluice(['--format', 'tsv', '--no-header', sql], env)).stdout.toString(), '0\t0\n1\t2\n2\t4\n');
    assert.equal(
      (await sluice(['--format', 'ndjson', 'SELECT CAST(1 AS BIGINT) AS n'], env)).stdout.toString(),
      '{"n":"1"}\n',
    );
    assert.equal(
      (
        await sluice(['--format', 'ndjson', '--numbers', 'number', 'SELECT CAST(1 AS BIGINT) AS n'], env)
      ).stdout.toString(),
      '{"n":1}\n',
    );
    const arrow = await sluice(['--format', 'arrow', sql], env);
    assert.equal(tableFromIPC(arrow.stdout).numRows, 3);
  });

  it('-o writes the format its extension names, with progress on stderr when asked', async () => {
    const w = warehouse();
    const path = join(dir, 'lineitem.parquet');
    const r = await sluice(
      ['--progress', '-o', path, 'SELECT * FROM samples.tpch.lineitem ORDER BY l_orderkey, l_linenumber'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, 0, 'data only in the file');
    assert.match(r.stderr, /\d+\/\d+ rows +[\d.]+ MB +[\d.]+ MB\/s/);
    const d = digest('parquet', path);
    assert.ok(d.ordered);
    const connection = await (await import('#dist/index')).connect(w.connectOptions());
    const cursor = connection.cursor<{ n: bigint }>();
    await cursor.execute('SELECT count(*) AS n FROM samples.tpch.lineitem');
    assert.equal(d.rows, Number((await cursor.fetchone())?.n));
    await connection.close();
  });

  describe('~/.databrickscfg profiles (a temporary HOME)', () => {
    let home: string;
    before(() => {
      const w = warehouse();
      home = mkdtempSync(join(tmpdir(), 'sluice-home-'));
      writeFileSync(
        join(home, '.databrickscfg'),
        [
          '; profiles as the Databricks CLI writes them',
          '[DEFAULT]',
          `host = ${w.info.url}`,
          'token = wrong-token',
          `http_path = ${w.info.http_path}`,
          '',
          '[good]',
          `host  =  ${w.info.url}`,
          `token = ${w.info.token}`,
          `warehouse_id = ${w.info.warehouse_id}`,
          '',
        ].join('\n'),
      );
    });
    after(() => rmSync(home, { recursive: true, force: true }));

    const profileEnv = () => ({ HOME: home, SLUICE_CA_FILE: warehouse().info.ca_path ?? '' });

    it('--profile and DATABRICKS_CONFIG_PROFILE pick a profile; DEFAULT serves otherwise', async () => {
      const good = await sluice(['--profile', 'good', 'SELECT 42 AS x'], profileEnv());
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stdout.toString(), 'x\n42\n');
      const fromEnv = await sluice(['SELECT 42 AS x'], { ...profileEnv(), DATABRICKS_CONFIG_PROFILE: 'good' });
      assert.equal(fromEnv.code, 0, fromEnv.stderr);
      const byDefault = await sluice(['SELECT 42 AS x'], profileEnv());
      assert.equal(byDefault.code, 2, 'DEFAULT has a wrong token');
      const flagWins = await sluice(['--token', warehouse().info.token, 'SELECT 42 AS x'], profileEnv());
      assert.equal(flagWins.code, 0, flagWins.stderr);
      const missing = await sluice(['--profile', 'absent', 'SELECT 1'], profileEnv());
      assert.equal(missing.code, 3);
      assert.match(missing.stderr, /no profile "absent".*profiles: DEFAULT, good/);
    });
  });

  it('Ctrl-C cancels on the warehouse, removes the partial file and exits 130', async () => {
    const w = warehouse();
    await admin.reset(w);
    await admin.throttle(w, 2 * 1024 * 1024);
    try {
      const path = join(dir, 'interrupted.csv');
      const child = start(['--progress', '-o', path, 'SELECT * FROM samples.tpch.lineitem'], env);
      const done = finish(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      for (let i = 0; i < 300 && !/rows/.test(stderr); i++) await sleep(100);
      assert.match(stderr, /rows/, 'the export was under way');
      child.kill('SIGINT');
      const r = await done;
      assert.equal(r.code, 130, r.stderr);
      assert.equal(existsSync(path), false);
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.includes('interrupted')),
        [],
      );
      const counters = await admin.counters(w);
      assert.ok(requests(counters, 'statements.close') >= 1, 'the statement was released on the warehouse');
    } finally {
      await admin.throttle(w, null);
    }
  });
});
