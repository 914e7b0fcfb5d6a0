/**
 * Runs one workload once with one backend in this process, and prints its measurements as one
 * JSON line: a separate process per run, so peak RSS and CPU time belong to that run alone.
 */

import { WORKLOADS } from './workloads';

export interface Measurement {
  workload: string;
  backend: 'native' | 'ts';
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  rows: number;
  bytes: number;
  latenciesMs?: number[];
  fetchMs?: number;
}

async function main(): Promise<void> {
  const [workloadName, backend, optionsJson] = process.argv.slice(2);
  const workload = WORKLOADS.find((w) => w.name === workloadName);
  if (!workload || (backend !== 'native' && backend !== 'ts'))
    throw new Error(`usage: child <workload> <native|ts> <options>`);
  const options = { ...JSON.parse(optionsJson), backend };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const moved = await workload.run(options);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const measurement: Measurement = {
    workload: workload.name,
    backend,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    // maxRSS is in KiB on Linux.
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    rows: moved.rows,
    bytes: moved.bytes,
    latenciesMs: moved.latenciesMs,
    fetchMs: moved.fetchMs,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
