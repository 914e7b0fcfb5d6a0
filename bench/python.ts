/**
 * PY's Python: databricks-sql-connector on its Rust kernel in a virtual environment outside the
 * repository, installed on first use (as bench/export.ts installs DuckDB) with the pins of
 * crates/warehouse/clients/run.sh, and a marker naming them once it imports. The benchmark reports
 * PY as not measured, with the reason, when Python or the install fails.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { WarehouseInfo } from '#dist/local-warehouse';
import { PACKAGE_ROOT } from '#dist/package-root';

const VENV = process.env.SLUICE_BENCH_PY ?? join(homedir(), '.cache', 'sluice', 'bench-py');
/**
 * 4.9's `kernel` extra asks for databricks-sql-kernel>=1.4, which the registry does not have; the
 * newest published kernel (1.3) is installed beside it, as run.sh does. pyarrow is pinned too, so
 * the report's versions hold.
 */
const PACKAGES = ['databricks-sql-connector[pyarrow]==4.9.*', 'databricks-sql-kernel==1.3.*', 'pyarrow==23.*'];
const MARKER = join(VENV, '.installed-connector-4.9-kernel-1.3-pyarrow-23');

/** The script that runs one workload with PY, as bench/child.ts does for the Node drivers. */
export const PY_CHILD = join(PACKAGE_ROOT, 'bench', 'py_child.py');

/** The interpreter with the connector installed, or why there is none. */
export type PythonClient = { python: string } | { reason: string };

/** The last line a command wrote to stderr, or why it did not run; undefined when it succeeded. */
function fails(file: string, args: string[]): string | undefined {
  const run = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.error) return run.error.message;
  if (run.status === 0) return undefined;
  return (run.stderr.trim().split('\n').pop() || `exit code ${run.status}`).slice(0, 160);
}

export function pythonClient(): PythonClient {
  const python = join(VENV, ...(process.platform === 'win32' ? ['Scripts', 'python.exe'] : ['bin', 'python']));
  if (existsSync(MARKER)) return { python };
  const system = 'python3';
  const version = spawnSync(system, ['-c', 'import sys; print(*sys.version_info[:2])'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { reason: `not installed: no ${system} to install it with` };
  const [major, minor] = version.stdout.trim().split(' ').map(Number);
  // databricks-sql-kernel's wheels are for CPython 3.10 and newer.
  if (major < 3 || (major === 3 && minor < 10)) {
    return { reason: `not installed: ${system} is ${major}.${minor}, databricks-sql-kernel needs 3.10 or newer` };
  }
  console.log(`installing PY (${PACKAGES.join(', ')}) into ${VENV}`);
  const failed =
    fails(system, ['-m', 'venv', VENV]) ??
    fails(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PACKAGES]) ??
    fails(python, ['-c', 'import databricks.sql, databricks_sql_kernel, pyarrow.compute, numpy']);
  if (failed) return { reason: `not installed: ${failed}` };
  writeFileSync(MARKER, `${PACKAGES.join('\n')}\n`);
  return { python };
}

/** What bench/py_child.py connects with: the warehouse's ready line, CA as a file. */
export const pythonOptions = (info: WarehouseInfo) => ({
  host: info.host,
  port: info.port,
  httpPath: info.http_path,
  token: info.token,
  caPath: info.ca_path,
});
