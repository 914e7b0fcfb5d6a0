/** The benchmark report: JSON for machines, Markdown with SVG bar charts for people. */

import type { Measurement } from './child';

export interface Summary {
  workload: string;
  description: string;
  backend: 'native' | 'ts';
  runs: number;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  rows: number;
  rowsPerSec: number;
  mbPerSec: number;
  /** Rows and Arrow MB per second of fetch time, for workloads that read one result. */
  fetchRowsPerSec?: number;
  fetchMbPerSec?: number;
  p50LatencyMs?: number;
  /** Median time from execute resolving to the last row, for workloads that read one result. */
  fetchMs?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(description: string, runs: Measurement[]): Summary {
  const wallMs = median(runs.map((r) => r.wallMs));
  const rows = runs[0].rows;
  const bytes = runs[0].bytes;
  const latencies = runs.flatMap((r) => r.latenciesMs ?? []);
  const fetchMs = runs.every((r) => r.fetchMs !== undefined) ? median(runs.map((r) => r.fetchMs ?? 0)) : undefined;
  return {
    workload: runs[0].workload,
    description,
    backend: runs[0].backend,
    runs: runs.length,
    wallMs,
    cpuMs: median(runs.map((r) => r.cpuMs)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    rows,
    rowsPerSec: rows / (wallMs / 1000),
    mbPerSec: bytes / 1e6 / (wallMs / 1000),
    fetchRowsPerSec: fetchMs ? rows / (fetchMs / 1000) : undefined,
    fetchMbPerSec: fetchMs && bytes ? bytes / 1e6 / (fetchMs / 1000) : undefined,
    p50LatencyMs: latencies.length ? median(latencies) : undefined,
    fetchMs,
  };
}

const fmt = (n: number, digits = 1) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(digits)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(digits)}k` : n.toFixed(digits);

/** A horizontal bar chart of one metric, native beside ts for each workload. */
export function barChart(
  title: string,
  unit: string,
  entries: { label: string; native: number; ts: number }[],
): string {
  const rowHeight = 46;
  const left = 190;
  const width = 720;
  const height = 40 + entries.length * rowHeight;
  const max = Math.max(...entries.flatMap((e) => [e.native, e.ts]), 1e-9);
  const scale = (v: number) => ((width - left - 90) * v) / max;
  const bars = entries
    .map((e, i) => {
      const y = 34 + i * rowHeight;
      return [
        `<text x="${left - 8}" y="${y + 16}" text-anchor="end" font-size="12">${e.label}</text>`,
        `<rect x="${left}" y="${y}" width="${scale(e.native).toFixed(1)}" height="16" fill="#d9480f"/>`,
        `<text x="${left + scale(e.native) + 4}" y="${y + 12}" font-size="11">${fmt(e.native)} ${unit}</text>`,
        `<rect x="${left}" y="${y + 18}" width="${scale(e.ts).toFixed(1)}" height="16" fill="#1c7ed6"/>`,
        `<text x="${left + scale(e.ts) + 4}" y="${y + 30}" font-size="11">${fmt(e.ts)} ${unit}</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" role="img">
<title>${title}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${title}</text>
<rect x="${width - 190}" y="8" width="12" height="12" fill="#d9480f"/><text x="${width - 174}" y="18" font-size="12">native</text>
<rect x="${width - 110}" y="8" width="12" height="12" fill="#1c7ed6"/><text x="${width - 94}" y="18" font-size="12">ts</text>
${bars}
</svg>
`;
}

/** Native on one workload compared with ts on another, within one run. */
export interface Reference {
  native: string;
  ts: string;
}

/**
 * How much better native did than ts: by p50 latency for workloads of many small operations,
 * else by wall time; and by fetch time when both have one.
 */
function ratios(native: Summary, ts: Summary): { ratio: string; fetchRatio: string } {
  const ratio =
    native.p50LatencyMs !== undefined && ts.p50LatencyMs !== undefined
      ? ts.p50LatencyMs / native.p50LatencyMs
      : ts.wallMs / native.wallMs;
  const fetchRatio = native.fetchMs && ts.fetchMs ? (ts.fetchMs / native.fetchMs).toFixed(2) : '';
  return { ratio: ratio.toFixed(2), fetchRatio };
}

/** One line per reference: native on one workload against ts on another, from this run. */
function referenceLines(summaries: Summary[], references: Reference[]): string[] {
  const lines: string[] = [];
  for (const ref of references) {
    const native = summaries.find((s) => s.workload === ref.native && s.backend === 'native');
    const ts = summaries.find((s) => s.workload === ref.ts && s.backend === 'ts');
    if (!native || !ts) continue;
    const { ratio, fetchRatio } = ratios(native, ts);
    const fetch = fetchRatio ? `, fetch ratio ${fetchRatio}` : '';
    lines.push(`- native \`${ref.native}\` against ts \`${ref.ts}\`: ratio ${ratio}${fetch}`);
  }
  return lines.length ? ['', 'Against a reference workload, in this run:', '', ...lines] : [];
}

export function markdown(summaries: Summary[], machine: string, date: string, references: Reference[]): string {
  const byWorkload = new Map<string, Summary[]>();
  for (const s of summaries) byWorkload.set(s.workload, [...(byWorkload.get(s.workload) ?? []), s]);
  const lines = [
    '# sluice benchmarks',
    '',
    `Measured ${date} on ${machine}, with \`npm run bench\`. Each figure is the median of the runs`,
    'shown; every run is a fresh Node process, so peak RSS and CPU time belong to that run. The',
    'ratio is native / ts for throughput and ts / native for time, both measured in this run:',
    'above 1 means the native backend is better. Wall time includes the warehouse computing the',
    "result; fetch time starts when `execute` resolves, so it is the driver's own work on a",
    'finished result (downloads, decoding, building rows), and the fetch ratio compares just that.',
    'Rows/s and MB/s (of Arrow data) are given over both times.',
    '',
    '| workload | backend | runs | wall ms | rows/s | MB/s | fetch ms | fetch rows/s | fetch MB/s | p50 latency ms | CPU ms | peak RSS MiB | ratio | fetch ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, pair] of byWorkload) {
    const native = pair.find((s) => s.backend === 'native');
    const ts = pair.find((s) => s.backend === 'ts');
    for (const s of pair) {
      const { ratio, fetchRatio } =
        native && ts && s.backend === 'native' ? ratios(native, ts) : { ratio: '', fetchRatio: '' };
      lines.push(
        `| ${name} | ${s.backend} | ${s.runs} | ${s.wallMs.toFixed(0)} | ${fmt(s.rowsPerSec, 2)} | ${
          s.mbPerSec ? s.mbPerSec.toFixed(0) : ''
        } | ${s.fetchMs?.toFixed(0) ?? ''} | ${s.fetchRowsPerSec ? fmt(s.fetchRowsPerSec, 2) : ''} | ${
          s.fetchMbPerSec?.toFixed(0) ?? ''
        } | ${s.p50LatencyMs?.toFixed(2) ?? ''} | ${s.cpuMs.toFixed(0)} | ${s.peakRssMiB.toFixed(0)} | ${ratio} | ${fetchRatio} |`,
      );
    }
  }
  lines.push(...referenceLines(summaries, references));
  lines.push('', 'Workloads:', '');
  for (const [name, pair] of byWorkload) lines.push(`- \`${name}\`: ${pair[0].description}`);
  lines.push('', '![wall time](wall-time.svg)', '', '![peak RSS](peak-rss.svg)', '');
  return lines.join('\n');
}
