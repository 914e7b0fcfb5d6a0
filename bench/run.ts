/**
 * `npm run bench`: starts a release-built local warehouse per workload, runs every workload with
 * every driver (bench/drivers.ts) in fresh processes, interleaved run by run so drift hits them
 * alike, and writes bench/results.json, bench/README.md and the SVG charts. PY runs in Python
 * (bench/py_child.py), installed on first use (bench/python.ts).
 *
 * `node .build-test/bench/run.js [--drivers a,b] [--repeats n] [--merge] [workload[:repeats] ...]`
 * runs without building (`--merge` replaces just these workloads in the committed report);
 * `npm run bench` builds the release binaries first.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConnectOptions } from '#dist/index';
import { cargoTargetDir, startLocalWarehouse } from '#dist/local-warehouse';
import { PACKAGE_ROOT } from '#dist/package-root';
import type { Measurement } from './child';
import { DRIVER_INFO, DRIVERS, type Driver } from './drivers';
import { PY_CHILD, type PythonClient, pythonClient, pythonOptions } from './python';
import { barChart, markdown, type Skipped, type Summary, summarize } from './report';
import { WORKLOADS, type Workload } from './workloads';

const OUT = join(PACKAGE_ROOT, 'bench');
/**
 * The release build `npm run bench` just made: the newest build may be a debug one (a test run
 * after an unchanged release build), and a debug warehouse is several times slower.
 */
const WAREHOUSE = process.env.SLUICE_WAREHOUSE_BIN ?? join(cargoTargetDir(), 'release', 'sluice-warehouse');

/** How the children reach the warehouse: sluice's connect options in Node, the ready line's fields in Python. */
interface Targets {
  node: ConnectOptions;
  py: ReturnType<typeof pythonOptions>;
  /** PY's interpreter, when it is installed. */
  python?: string;
}

function runChild(workload: Workload, driver: Driver, targets: Targets): Measurement {
  const heap = workload.heapMiB ? [`--max-old-space-size=${workload.heapMiB}`] : [];
  if (driver === 'py' && !targets.python) throw new Error('PY is not installed');
  const [file, args] =
    driver === 'py'
      ? [targets.python as string, [PY_CHILD, workload.name, JSON.stringify(targets.py), JSON.stringify(workload.sql)]]
      : [process.execPath, [...heap, join(__dirname, 'child.js'), workload.name, driver, JSON.stringify(targets.node)]];
  const out = execFileSync(file, args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
    // No __pycache__ left in bench/ by py_child.py's import of checksum.py.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measurement;
}

/** The last line a failed child wrote: its error, for the report. */
function failure(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr ?? String(error);
  const lines = stderr.trim().split('\n');
  return `failed: ${lines.find((line) => /Error/.test(line)) ?? lines.pop()}`.slice(0, 200);
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { drivers: { type: 'string' }, repeats: { type: 'string' }, merge: { type: 'boolean' } },
  });
  const drivers = values.drivers ? DRIVERS.filter((d) => values.drivers?.split(',').includes(d)) : DRIVERS;
  const load = { before: loadAverage(), after: '' };
  const summaries: Summary[] = [];
  const skipped: Skipped[] = [];
  // `name` or `name:repeats`.
  const chosen = new Map(positionals.map((p) => [p.split(':')[0], p.split(':')[1]]));
  // PY's Python client, installed on first use; when it cannot be, PY is reported as not measured.
  const py: PythonClient | undefined = drivers.includes('py') ? pythonClient() : undefined;
  const pyReason = py && 'reason' in py ? py.reason : undefined;
  if (pyReason) console.log(`PY: ${pyReason}`);
  for (const workload of WORKLOADS.filter((w) => chosen.size === 0 || chosen.has(w.name))) {
    const able = drivers.filter((driver) => {
      const reason = DRIVER_INFO[driver].cannot[workload.reads] ?? (driver === 'py' ? pyReason : undefined);
      if (reason) skipped.push({ workload: workload.name, driver, reason });
      return !reason;
    });
    const warehouse = await startLocalWarehouse({
      binary: WAREHOUSE,
      args: workload.warehouseArgs,
      startTimeoutMs: 300_000,
    });
    try {
      const targets: Targets = {
        node: warehouse.connectOptions(),
        py: pythonOptions(warehouse.info),
        python: py && 'python' in py ? py.python : undefined,
      };
      try {
        runChild(workload, able[0], targets); // warm the warehouse (lazy TPC-H, caches)
      } catch {
        // A driver that fails is reported from its measured runs.
      }
      const runs = new Map<Driver, Measurement[]>(able.map((driver) => [driver, []]));
      const repeats = Number(chosen.get(workload.name) ?? values.repeats ?? workload.repeats);
      for (let i = 0; i < repeats; i++) {
        for (const [driver, measured] of runs) {
          try {
            measured.push(runChild(workload, driver, targets));
          } catch (error) {
            // A driver that fails (out of memory, say) is reported as such; the others go on.
            skipped.push({ workload: workload.name, driver, reason: failure(error) });
            console.log(`${workload.name} ${driver}: ${failure(error)}`);
            runs.delete(driver);
          }
        }
      }
      for (const [driver, measured] of runs) {
        const s = summarize(workload.description, measured);
        summaries.push(s);
        const latency = s.p50LatencyMs === undefined ? '' : `, p50 ${s.p50LatencyMs.toFixed(2)} ms`;
        console.log(
          `${s.workload} ${driver}: ${s.wallMs.toFixed(0)} ms${latency}, peak RSS ${s.peakRssMiB.toFixed(0)} MiB, ${s.checksum}`,
        );
      }
    } finally {
      await warehouse.stop();
    }
  }
  load.after = loadAverage();
  if (values.merge) {
    // The committed report's other workloads kept, these replaced: a rerun of a few workloads.
    const previous = JSON.parse(readFileSync(join(OUT, 'results.json'), 'utf8')) as {
      load: typeof load;
      summaries: Summary[];
      skipped: Skipped[];
    };
    const ran = new Set([...summaries, ...skipped].map((s) => s.workload));
    const order = (s: { workload: string }) => WORKLOADS.findIndex((w) => w.name === s.workload);
    const merged = <T extends { workload: string }>(old: T[], fresh: T[]) =>
      [...old.filter((s) => !ran.has(s.workload)), ...fresh].sort((a, b) => order(a) - order(b));
    summaries.splice(0, summaries.length, ...merged(previous.summaries, summaries));
    skipped.splice(0, skipped.length, ...merged(previous.skipped, skipped));
    load.before = `${previous.load.before} (first run), ${load.before} (rerun)`;
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const rustc = execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim();
  const date = new Date().toISOString().slice(0, 10);
  const note = process.env.SLUICE_BENCH_NOTE ?? '';
  writeFileSync(
    join(OUT, 'results.json'),
    `${JSON.stringify({ date, machine, rustc, load, note, summaries, skipped }, null, 2)}\n`,
  );
  writeFileSync(
    join(OUT, 'README.md'),
    markdown(summaries, skipped, drivers, { machine: `${machine}, ${rustc}`, date, load, note }),
  );
  const chart = (title: string, unit: string, metric: (s: Summary) => number) =>
    barChart(
      title,
      unit,
      drivers,
      [...new Set(summaries.map((s) => s.workload))].map((label) => ({
        label,
        values: Object.fromEntries(summaries.filter((s) => s.workload === label).map((s) => [s.driver, metric(s)])),
      })),
    );
  writeFileSync(
    join(OUT, 'wall-time.svg'),
    chart('Wall time, or p50 latency (median, lower is better)', 'ms', (s) => s.p50LatencyMs ?? s.wallMs),
  );
  writeFileSync(
    join(OUT, 'peak-rss.svg'),
    chart('Peak RSS (lower is better)', 'MiB', (s) => s.peakRssMiB),
  );
  console.log(`wrote ${OUT}/README.md, results.json and charts`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
