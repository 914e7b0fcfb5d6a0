/**
 * Starts the local warehouse binary (`sluice-warehouse`) on a free port and reads its ready
 * line: the embedded default for the demo, the tests and offline development.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConnectOptions } from './options';
import { PACKAGE_ROOT } from './package-root';
import { currentPlatform, prebuiltPlatforms } from './platform';

/** The ready line the warehouse prints (see crates/warehouse/README.md). */
export interface WarehouseInfo {
  url: string;
  host: string;
  port: number;
  ca_path: string | null;
  token: string;
  warehouse_id: string;
  http_path: string;
  oauth_client_id: string | null;
  oauth_client_secret: string | null;
  token_ttl_secs: number;
  link_ttl_secs: number;
  session_idle_timeout_secs: number;
  admin: boolean;
  [key: string]: unknown;
}

export interface LocalWarehouse {
  readonly info: WarehouseInfo;
  /** The executable that runs it. */
  readonly binary: string;
  /** Options that connect to this warehouse with its token and CA. */
  connectOptions(extra?: Partial<ConnectOptions>): ConnectOptions;
  /** Stops the process and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra command-line flags, e.g. `['--enable-admin', '--link-ttl', '2']`. */
  args?: string[];
  /** Path of the binary; defaults to $SLUICE_WAREHOUSE_BIN, the installed sluice-warehouse package, or the newest cargo build. */
  binary?: string;
  /** How long to wait for the ready line, in milliseconds (default 60000). */
  startTimeoutMs?: number;
}

/** Where cargo puts its builds: $CARGO_TARGET_DIR, else `target` in the package. */
export function cargoTargetDir(): string {
  return process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(PACKAGE_ROOT, 'target');
}

/**
 * The executable of the `sluice-warehouse` package when it is installed beside sluice
 * (resolved from sluice's own folder, so any layout npm, pnpm or yarn make finds it), or
 * undefined when it is not. Once installed, its own error names a platform it lacks.
 */
function installedWarehouse(): string | undefined {
  const fromPackage = createRequire(join(PACKAGE_ROOT, 'package.json'));
  let entry: string;
  try {
    entry = fromPackage.resolve('sluice-warehouse');
  } catch {
    return undefined;
  }
  return (fromPackage(entry) as { binaryPath(): string }).binaryPath();
}

/** The newest `sluice-warehouse` cargo built (debug or release). */
function cargoBuild(): string | undefined {
  const exe = process.platform === 'win32' ? 'sluice-warehouse.exe' : 'sluice-warehouse';
  return ['release', 'debug']
    .map((profile) => join(cargoTargetDir(), profile, exe))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * The warehouse executable: $SLUICE_WAREHOUSE_BIN, else the installed `sluice-warehouse`
 * package's, else, in a source checkout, the newest cargo build (honouring CARGO_TARGET_DIR).
 */
export function findWarehouseBinary(): string {
  const checkout = existsSync(join(PACKAGE_ROOT, 'Cargo.toml'));
  const found = process.env.SLUICE_WAREHOUSE_BIN || installedWarehouse() || (checkout ? cargoBuild() : undefined);
  if (found) return found;
  const build = checkout ? `, or build it: "cargo build -p sluice-warehouse" (looked in ${cargoTargetDir()})` : '';
  throw new Error(
    `the local warehouse is not installed: run "npm install --save-dev sluice-warehouse" (prebuilt for ` +
      `${prebuiltPlatforms().join(', ')}; this is ${currentPlatform()})${build}, or set SLUICE_WAREHOUSE_BIN`,
  );
}

export async function startLocalWarehouse(options: StartOptions = {}): Promise<LocalWarehouse> {
  const binary = options.binary ?? findWarehouseBinary();
  const child: ChildProcess = spawn(binary, ['--port', '0', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const info = await new Promise<WarehouseInfo>((resolveInfo, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`sluice-warehouse printed no ready line within ${options.startTimeoutMs ?? 60000} ms\n${stderr}`),
      );
    }, options.startTimeoutMs ?? 60_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolveInfo(JSON.parse(line) as WarehouseInfo);
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`sluice-warehouse printed an unreadable ready line: ${line}`));
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice-warehouse exited with code ${code} before it was ready\n${stderr}`));
    });
  });
  let stopped = false;
  return {
    info,
    binary,
    connectOptions(extra = {}) {
      return {
        host: info.url,
        httpPath: info.http_path,
        token: info.token,
        ...(info.ca_path ? { caPem: readFileSync(info.ca_path, 'utf8') } : {}),
        ...extra,
      } as ConnectOptions;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}
