/** The benchmark report: JSON for machines, Markdown with SVG bar charts for people. */

import type { Measurement } from './child';
import { DRIVER_INFO, type Driver } from './drivers';

export interface Summary {
  workload: string;
  description: string;
  driver: Driver;
  runs: number;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  rows: number;
  /** The runs' checksum, or every distinct one joined by `/` when they disagree. */
  checksum: string;
  rowsPerSec: number;
  mbPerSec: number;
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  /** Median time from execute resolving to the last row, for workloads that read one result. */
  fetchMs?: number;
}

/** A driver left out of a workload, and why. */
export interface Skipped {
  workload: string;
  driver: Driver;
  reason: string;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = ((sorted.length - 1) * p) / 100;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
}

export function summarize(description: string, runs: Measurement[]): Summary {
  const wallMs = median(runs.map((r) => r.wallMs));
  const { rows, bytes } = runs[0];
  const latencies = runs.flatMap((r) => r.latenciesMs ?? []);
  return {
    workload: runs[0].workload,
    description,
    driver: runs[0].driver,
    runs: runs.length,
    wallMs,
    cpuMs: median(runs.map((r) => r.cpuMs)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    rows,
    checksum: [...new Set(runs.map((r) => `${r.rows}:${r.checksum}`))].join(' / '),
    rowsPerSec: rows / (wallMs / 1000),
    mbPerSec: bytes / 1e6 / (wallMs / 1000),
    p50LatencyMs: latencies.length ? percentile(latencies, 50) : undefined,
    p95LatencyMs: latencies.length ? percentile(latencies, 95) : undefined,
    fetchMs: runs.every((r) => r.fetchMs !== undefined) ? median(runs.map((r) => r.fetchMs ?? 0)) : undefined,
  };
}

/** What the report compares: p50 latency for workloads of many small operations, else wall time. */
const headline = (s: Summary) => s.p50LatencyMs ?? s.wallMs;

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

const fmt = (n: number, digits = 1) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(digits)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(digits)}k` : n.toFixed(digits);

function cell(s: Summary, native: Summary | undefined): string {
  const time =
    s.p50LatencyMs !== undefined && s.p95LatencyMs !== undefined
      ? `${ms(s.p50LatencyMs)} / ${ms(s.p95LatencyMs)} ms`
      : `${ms(s.wallMs)} ms`;
  const ratio = native && native !== s ? ` (${(headline(s) / headline(native)).toFixed(2)}x)` : '';
  return `${time}${ratio}, ${s.peakRssMiB.toFixed(0)} MiB`;
}

/** Rows and checksum, once when every driver agrees, else each driver's. */
function check(results: Summary[]): string {
  const distinct = new Set(results.map((s) => s.checksum));
  if (distinct.size === 1)
    return `${results[0].checksum.replace(':', ' rows, ')}, equal${results.length > 1 ? '' : ' (one driver)'}`;
  return `**differ**: ${results.map((s) => `${DRIVER_INFO[s.driver].label} ${s.checksum}`).join('; ')}`;
}

export function markdown(
  summaries: Summary[],
  skipped: Skipped[],
  drivers: readonly Driver[],
  context: { machine: string; date: string; load: { before: string; after: string }; note: string },
): string {
  const workloads = [...new Set([...summaries, ...skipped].map((s) => s.workload))];
  const lines = [
    '# sluice benchmarks',
    '',
    `Measured ${context.date} on ${context.machine}, with \`npm run bench\`; load average (1, 5, 15 min)`,
    `${context.load.before} before the run and ${context.load.after} after it.${context.note ? ` ${context.note}` : ''}`,
    '',
    'Every run is a fresh process (Node, or Python for PY) with one driver, the drivers interleaved',
    'run by run against one release-built local warehouse per workload. Each figure is the median of',
    'the runs (p50 and p95 over all their operations for latency workloads), then in brackets its',
    'ratio to sluice native (above 1: slower than sluice native), then the peak RSS of the process.',
    "The last column checks correctness: each driver's row count and a checksum of every value it",
    'returned (bench/checksum.ts), which must be equal across drivers.',
    '',
    "Drivers: **sluice native** and **sluice ts** are sluice's two backends through its own API",
    '(`fetchall()`, `for await` over the cursor, `fetchArrow()`, `arrowBatches()`); **sluice drop-in**',
    'is `sluice/databricks-sql`, its @databricks/sql-compatible API (on the native backend); **NK** is',
    '`@databricks/sql` 2.1 with `useKernel: true` (the official Rust kernel through napi-rs), as its',
    'README shows: client, session, `executeStatement`, `fetchAll()` (or `iterateRows()` to stream),',
    "`close()`; **NK Arrow** is that kernel's napi binding used directly, since @databricks/sql has no",
    'public Arrow API: `openSession`, `executeStatement`, `fetchNextBatch()` Arrow IPC decoded with',
    'apache-arrow 21. **PY** is the Python `databricks-sql-connector` 4.9 with `use_kernel=True` (the',
    'official Rust kernel, `databricks-sql-kernel` 1.3, through PyO3; pyarrow 23), installed on first use',
    'into `~/.cache/sluice/bench-py` and run by bench/py_child.py as its README shows: `sql.connect(...)`,',
    'a cursor per statement, `execute`, `fetchall()` for rows, `fetchall_arrow()` for a table,',
    '`fetchmany_arrow(arraysize)` to stream Arrow; `stream-10m-rows` takes its rows from',
    '`fetchmany(arraysize)`, since iterating the cursor converts each row on its own (0.28 ms a row',
    'measured), and `concurrent-32` submits its queries with `execute_async` on 32 cursors of one',
    'connection, their rows taken in turn (its connections are not for sharing between threads:',
    '`threadsafety = 1`); the checksum is bench/checksum.py, a port of bench/checksum.ts.',
    '**BT** (`@bitofsky/databricks-sql` 1.0.6) is not measured: it does not install as',
    'published here, its dependency `@bitofsky/merge-streams` 1.1.0 is missing from the npm registry',
    'reachable from this machine. Each statement is closed after its last row, untimed in',
    '`select-1-latency`.',
    '',
    `| workload | ${drivers.map((d) => DRIVER_INFO[d].label).join(' | ')} | rows, checksum |`,
    `| --- | ${drivers.map(() => '---').join(' | ')} | --- |`,
  ];
  for (const name of workloads) {
    const results = summaries.filter((s) => s.workload === name);
    const native = results.find((s) => s.driver === 'native');
    const cells = drivers.map((driver) => {
      const s = results.find((r) => r.driver === driver);
      if (s) return cell(s, native);
      const skip = skipped.find((r) => r.workload === name && r.driver === driver);
      return skip ? `- (${skip.reason})` : '- (not run)';
    });
    lines.push(`| ${name} | ${cells.join(' | ')} | ${results.length ? check(results) : ''} |`);
  }
  lines.push(
    '',
    'Every figure:',
    '',
    '| workload | driver | runs | wall ms | fetch ms | p50 ms | p95 ms | CPU ms | peak RSS MiB | rows/s | Arrow MB/s | rows:checksum |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of summaries) {
    lines.push(
      `| ${s.workload} | ${DRIVER_INFO[s.driver].label} | ${s.runs} | ${s.wallMs.toFixed(0)} | ${s.fetchMs?.toFixed(0) ?? ''} | ${
        s.p50LatencyMs?.toFixed(2) ?? ''
      } | ${s.p95LatencyMs?.toFixed(2) ?? ''} | ${s.cpuMs.toFixed(0)} | ${s.peakRssMiB.toFixed(0)} | ${fmt(s.rowsPerSec, 2)} | ${
        s.mbPerSec ? s.mbPerSec.toFixed(0) : ''
      } | ${s.checksum} |`,
    );
  }
  lines.push(
    '',
    'Wall time includes the warehouse computing the result; fetch time starts when `execute`',
    "resolves, so it is the driver's own work on a finished result (downloads, decoding, building rows).",
    'Compare drivers on wall time: where `execute` resolves differs (the Databricks kernel under NK and',
    'PY starts downloading before their execute resolves, so their fetch time leaves part of their work out).',
    '',
    'Workloads:',
    '',
  );
  for (const name of workloads) {
    const s = summaries.find((r) => r.workload === name);
    if (s) lines.push(`- \`${name}\`: ${s.description}`);
  }
  lines.push('', '![wall time](wall-time.svg)', '', '![peak RSS](peak-rss.svg)', '');
  return lines.join('\n');
}

const COLORS = ['#d9480f', '#1c7ed6', '#f59f00', '#2f9e44', '#7048e8', '#0c8599'];

/** A horizontal bar chart of one metric per workload, one bar per driver, each workload scaled to its largest. */
export function barChart(
  title: string,
  unit: string,
  drivers: readonly Driver[],
  entries: { label: string; values: Partial<Record<Driver, number>> }[],
): string {
  const bar = 14;
  const rowHeight = drivers.length * (bar + 2) + 12;
  const left = 190;
  const width = 760;
  const height = 56 + entries.length * rowHeight;
  const bars = entries
    .map((e, i) => {
      const y = 50 + i * rowHeight;
      const max = Math.max(...Object.values(e.values), 1e-9);
      const scale = (v: number) => ((width - left - 110) * v) / max;
      const parts = [`<text x="${left - 8}" y="${y + 14}" text-anchor="end" font-size="12">${e.label}</text>`];
      drivers.forEach((driver, j) => {
        const v = e.values[driver];
        if (v === undefined) return;
        const by = y + j * (bar + 2);
        parts.push(
          `<rect x="${left}" y="${by}" width="${scale(v).toFixed(1)}" height="${bar}" fill="${COLORS[j % COLORS.length]}"/>`,
          `<text x="${(left + scale(v) + 4).toFixed(1)}" y="${by + 11}" font-size="11">${fmt(v)} ${unit}</text>`,
        );
      });
      return parts.join('');
    })
    .join('\n');
  const legend = drivers
    .map(
      (driver, j) =>
        `<rect x="${10 + j * 120}" y="28" width="12" height="12" fill="${COLORS[j % COLORS.length]}"/><text x="${
          26 + j * 120
        }" y="38" font-size="12">${DRIVER_INFO[driver].label}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" role="img">
<title>${title}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${title}</text>
${legend}
${bars}
</svg>
`;
}
