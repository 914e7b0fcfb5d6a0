/**
 * `npm run bench:export` (and the end of `npm run bench`): TPC-H lineitem at scale 1 exported
 * through the `sluice` CLI to CSV and to Parquet (native backend, release builds), MB/s of output
 * and peak RSS, against DuckDB writing the same rows from a local Parquet file to CSV, the
 * reference for how fast a good engine writes CSV on this machine. Writes bench/EXPORT.md and
 * bench/export-results.json.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { connect } from '#dist/index';
import { cargoTargetDir, startLocalWarehouse } from '#dist/local-warehouse';
import { PACKAGE_ROOT } from '#dist/package-root';

const SCALE = Number(process.env.SLUICE_EXPORT_SCALE ?? 1);
const REPEATS = Number(process.env.SLUICE_EXPORT_REPEATS ?? 3);
const QUERY = 'SELECT * FROM samples.tpch.lineitem';
const WAREHOUSE = process.env.SLUICE_WAREHOUSE_BIN ?? join(cargoTargetDir(), 'release', 'sluice-warehouse');
const MAIN = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const PRELOAD = join(__dirname, 'rss-preload.js');
const PY = process.env.SLUICE_TEST_PY ?? join(homedir(), '.cache', 'sluice-test-py');

interface Run {
  wallMs: number;
  bytes: number;
  peakRssMiB: number;
  /** Output MB/s after the statement finished (the CLI's last progress line); DuckDB: the whole run. */
  exportMbPerSec: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cli(env: Record<string, string>, format: string, path: string, dir: string): Run {
  const rssFile = join(dir, 'rss');
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--require', PRELOAD, MAIN, '--progress', '--format', format, '-o', path, QUERY],
    {
      env: { ...process.env, ...env, SLUICE_RSS_OUT: rssFile },
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    },
  );
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`sluice exited with ${r.status}: ${r.stderr}`);
  const rates = [...r.stderr.matchAll(/([\d.]+) MB\/s/g)];
  const exportMbPerSec = Number(rates.at(-1)?.[1] ?? Number.NaN);
  const peakRssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  return { wallMs, bytes: statSync(path).size, peakRssMiB, exportMbPerSec };
}

const DUCKDB = `
import sys, time, resource, os, duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{out}' (HEADER, DELIMITER ',')")
wall = (time.perf_counter() - t) * 1000
print(wall, os.path.getsize(out), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
`;

function duckdb(parquet: string, path: string): Run {
  const out = execFileSync('python3', ['-c', DUCKDB, parquet, path], { env: { ...process.env, PYTHONPATH: PY } });
  const last = out.toString().trim().split('\n').at(-1) ?? '';
  const [wallMs, bytes, rssKiB] = last.split(/\s+/).map(Number);
  return { wallMs, bytes, peakRssMiB: rssKiB / 1024, exportMbPerSec: bytes / 2 ** 20 / (wallMs / 1000) };
}

function ensureDuckdb(): void {
  try {
    execFileSync('python3', ['-c', 'import duckdb'], { env: { ...process.env, PYTHONPATH: PY }, stdio: 'ignore' });
  } catch {
    execFileSync('python3', ['-m', 'pip', 'install', '-q', '--target', PY, 'duckdb', 'pyarrow'], { stdio: 'inherit' });
  }
}

/** The exported files hold every row: the CSV's lines and the Parquet footer against count(*). */
function checkWhole(env: Record<string, string>, csv: string, parquet: string): void {
  const count = spawnSync(process.execPath, [MAIN, '--no-header', 'SELECT count(*) FROM samples.tpch.lineitem'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const expected = Number(count.stdout.trim());
  const lines = Number(execFileSync('wc', ['-l', csv], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
  const parquetRows = Number(
    execFileSync(
      'python3',
      ['-c', 'import sys, pyarrow.parquet as pq; print(pq.read_metadata(sys.argv[1]).num_rows)', parquet],
      {
        env: { ...process.env, PYTHONPATH: PY },
        encoding: 'utf8',
      },
    ).trim(),
  );
  if (!(expected > 0 && lines === expected + 1 && parquetRows === expected)) {
    throw new Error(`incomplete export: count(*) ${expected}, CSV lines ${lines}, Parquet rows ${parquetRows}`);
  }
  console.log(`checked: ${expected} rows in the CSV (plus one header) and in the Parquet file`);
}

function summary(name: string, runs: Run[]) {
  const wallMs = median(runs.map((r) => r.wallMs));
  const bytes = runs[0].bytes;
  return {
    name,
    wallMs,
    bytes,
    mbPerSec: bytes / 2 ** 20 / (wallMs / 1000),
    exportMbPerSec: median(runs.map((r) => r.exportMbPerSec)),
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
  };
}

async function main(): Promise<void> {
  ensureDuckdb();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-export-'));
  const warehouse = await startLocalWarehouse({
    binary: WAREHOUSE,
    args: ['--tpch-scale', String(SCALE)],
    startTimeoutMs: 300_000,
  });
  try {
    const info = warehouse.info;
    const env = {
      DATABRICKS_HOST: info.url,
      DATABRICKS_HTTP_PATH: info.http_path,
      DATABRICKS_TOKEN: info.token,
      SLUICE_CA_FILE: info.ca_path ?? '',
    };
    // The warehouse generates TPC-H on first use, which may outlast a request's default timeout.
    const warm = await connect(warehouse.connectOptions({ requestTimeoutMs: 1_800_000 }));
    await (await warm.cursor().execute('SELECT count(*) FROM samples.tpch.lineitem')).fetchall();
    await warm.close();
    const parquet = join(dir, 'lineitem.parquet');
    cli(env, 'parquet', parquet, dir); // warms the warehouse (lazy TPC-H) and makes DuckDB's source
    const runs: Record<string, Run[]> = { csv: [], parquet: [], duckdb: [] };
    for (let i = 0; i < REPEATS; i++) {
      runs.csv.push(cli(env, 'csv', join(dir, 'out.csv'), dir));
      runs.parquet.push(cli(env, 'parquet', join(dir, 'out.parquet'), dir));
      runs.duckdb.push(duckdb(parquet, join(dir, 'duck.csv')));
    }
    checkWhole(env, join(dir, 'out.csv'), join(dir, 'out.parquet'));
    const rows = [
      summary('sluice CLI → CSV', runs.csv),
      summary('sluice CLI → Parquet', runs.parquet),
      summary('DuckDB Parquet file → CSV', runs.duckdb),
    ];
    const ratio = rows[0].exportMbPerSec / rows[2].exportMbPerSec;
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const date = new Date().toISOString().slice(0, 10);
    const lines = [
      '# Export benchmark',
      '',
      `TPC-H lineitem at scale ${SCALE} (${QUERY}), exported through the \`sluice\` CLI from the local`,
      'warehouse over HTTPS (LZ4 chunks behind links), native backend; the median of',
      `${REPEATS} runs. DuckDB writes the same rows from a local Parquet file to CSV: no network,`,
      'no decompression of chunks, the reference for CSV writing speed on this machine.',
      '',
      `${machine}; ${date}. Generated by \`npm run bench:export\`.`,
      '',
      '| run | wall (s) | output (MB) | MB/s (wall) | MB/s (export) | peak RSS (MiB) |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${(r.wallMs / 1000).toFixed(2)} | ${(r.bytes / 2 ** 20).toFixed(0)} | ${r.mbPerSec.toFixed(0)} | ${r.exportMbPerSec.toFixed(0)} | ${r.peakRssMiB.toFixed(0)} |`,
      ),
      '',
      'Wall time includes the statement running on the warehouse; "MB/s (export)" is the rate after it',
      "finished (downloads, LZ4, encoding and writing), from the CLI's last progress line.",
      `sluice CSV export / DuckDB CSV throughput: **${ratio.toFixed(2)}×**. Peak RSS of the sluice runs is the`,
      'whole CLI process (Node plus the kernel); the warehouse runs in its own process.',
      `Warehouse binary: ${WAREHOUSE}.`,
      '',
    ];
    writeFileSync(join(PACKAGE_ROOT, 'bench', 'EXPORT.md'), lines.join('\n'));
    writeFileSync(
      join(PACKAGE_ROOT, 'bench', 'export-results.json'),
      `${JSON.stringify({ date, machine, scale: SCALE, rows, ratio }, null, 2)}\n`,
    );
    console.log(lines.join('\n'));
  } finally {
    await warehouse.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
