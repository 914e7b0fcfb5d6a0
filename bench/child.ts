/**
 * Runs one workload once with one driver in this process, and prints its measurements as one
 * JSON line: a separate process per run, so peak RSS and CPU time belong to that run alone.
 */

import { DRIVERS, type Driver, type NodeDriver, open } from './drivers';
import { WORKLOADS } from './workloads';

export interface Measurement {
  workload: string;
  driver: Driver;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  rows: number;
  bytes: number;
  /** bench/checksum.ts over the values returned. */
  checksum: string;
  latenciesMs?: number[];
  fetchMs?: number;
}

/** Each driver's module, loaded before the timing: a first connect is what connect-select-1-cold measures. */
const MODULES: Record<NodeDriver, () => Promise<unknown>> = {
  native: () => import('#dist/index'),
  ts: () => import('#dist/index'),
  dropin: () => import('#dist/databricks-sql/index'),
  nk: () => import('@databricks/sql'),
  'nk-arrow': () => import('@databricks/sql/native/kernel/index'),
};

const NODE_DRIVERS = DRIVERS.filter((d): d is NodeDriver => d !== 'py');
const isNodeDriver = (name: string | undefined): name is NodeDriver => NODE_DRIVERS.some((d) => d === name);

async function main(): Promise<void> {
  const [workloadName, driver, optionsJson] = process.argv.slice(2);
  const workload = WORKLOADS.find((w) => w.name === workloadName);
  if (!workload || !isNodeDriver(driver)) {
    throw new Error(`usage: child <workload> <${NODE_DRIVERS.join('|')}> <options>`);
  }
  const options = JSON.parse(optionsJson);
  await MODULES[driver]();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const moved = await workload.run(() => open(driver, options), workload.sql);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // maxRSS is in KiB on Linux; read before the checksum, which is not the driver's work.
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const checksum = moved.checksum();
  // A streamed result is summed within the timing: that time is the benchmark's, not the driver's.
  const measurement: Measurement = {
    workload: workload.name,
    driver,
    wallMs: wallMs - checksum.spentMs,
    cpuMs: (used.user + used.system) / 1000 - checksum.spentMs,
    peakRssMiB,
    rows: checksum.count,
    bytes: moved.bytes,
    checksum: checksum.toString(),
    latenciesMs: moved.latenciesMs,
    fetchMs: moved.fetchMs,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
