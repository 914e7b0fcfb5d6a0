/**
 * `npm run bench`: starts a release-built local warehouse per workload, runs every workload with
 * both backends in fresh processes (alternating, so drift hits both alike), and writes
 * bench/results.json, bench/README.md and the SVG charts.
 */

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { cargoTargetDir, startLocalWarehouse } from '#dist/local-warehouse';
import { PACKAGE_ROOT } from '#dist/package-root';
import type { Measurement } from './child';
import { barChart, markdown, type Summary, summarize } from './report';
import { REFERENCES, WORKLOADS } from './workloads';

const OUT = join(PACKAGE_ROOT, 'bench');
/**
 * The release build `npm run bench` just made: the newest build may be a debug one (a test run
 * after an unchanged release build), and a debug warehouse is several times slower.
 */
const WAREHOUSE = process.env.SLUICE_WAREHOUSE_BIN ?? join(cargoTargetDir(), 'release', 'sluice-warehouse');

function runChild(workload: string, backend: 'native' | 'ts', options: object): Measurement {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', join(__dirname, 'child.js'), workload, backend, JSON.stringify(options)],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out.trim().split('\n').pop() as string) as Measurement;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const summaries: Summary[] = [];
  for (const workload of WORKLOADS.filter((w) => only.length === 0 || only.includes(w.name))) {
    const warehouse = await startLocalWarehouse({
      binary: WAREHOUSE,
      args: workload.warehouseArgs,
      startTimeoutMs: 300_000,
    });
    try {
      const options = warehouse.connectOptions();
      runChild(workload.name, 'native', options); // warm the warehouse (lazy TPC-H, caches)
      const runs: Record<'native' | 'ts', Measurement[]> = { native: [], ts: [] };
      for (let i = 0; i < workload.repeats; i++) {
        for (const backend of ['native', 'ts'] as const) runs[backend].push(runChild(workload.name, backend, options));
      }
      for (const backend of ['native', 'ts'] as const) {
        const s = summarize(workload.description, runs[backend]);
        summaries.push(s);
        console.log(
          `${s.workload} ${backend}: ${s.wallMs.toFixed(0)} ms, ${(s.rowsPerSec / 1e6).toFixed(2)} M rows/s, ` +
            `${s.mbPerSec.toFixed(0)} MB/s, peak RSS ${s.peakRssMiB.toFixed(0)} MiB`,
        );
      }
    } finally {
      await warehouse.stop();
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const rustc = execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim();
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify({ date, machine, rustc, summaries }, null, 2)}\n`);
  writeFileSync(join(OUT, 'README.md'), markdown(summaries, `${machine}, ${rustc}`, date, REFERENCES));
  const pairs = (metric: (s: Summary) => number) =>
    [...new Set(summaries.map((s) => s.workload))].map((label) => ({
      label,
      native: metric(summaries.find((s) => s.workload === label && s.backend === 'native') as Summary),
      ts: metric(summaries.find((s) => s.workload === label && s.backend === 'ts') as Summary),
    }));
  writeFileSync(
    join(OUT, 'wall-time.svg'),
    barChart(
      'Wall time (median, lower is better)',
      'ms',
      pairs((s) => s.wallMs),
    ),
  );
  writeFileSync(
    join(OUT, 'peak-rss.svg'),
    barChart(
      'Peak RSS (lower is better)',
      'MiB',
      pairs((s) => s.peakRssMiB),
    ),
  );
  console.log(`wrote ${OUT}/README.md, results.json and charts`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
