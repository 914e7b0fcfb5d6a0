/**
 * Starts the local warehouse binary (`sluice-warehouse`) on a free port and reads its ready
 * line: the embedded default for the demo, the tests and offline development.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConnectOptions } from './options';
import { PACKAGE_ROOT } from './package-root';

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
  /** Options that connect to this warehouse with its token and CA. */
  connectOptions(extra?: Partial<ConnectOptions>): ConnectOptions;
  /** Stops the process and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra command-line flags, e.g. `['--enable-admin', '--link-ttl', '2']`. */
  args?: string[];
  /** Path of the binary; defaults to $SLUICE_WAREHOUSE_BIN or the newest cargo build. */
  binary?: string;
  /** How long to wait for the ready line, in milliseconds (default 60000). */
  startTimeoutMs?: number;
}

/** Where cargo puts its builds: $CARGO_TARGET_DIR, else `target` in the package. */
export function cargoTargetDir(): string {
  return process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(PACKAGE_ROOT, 'target');
}

/** The newest `sluice-warehouse` cargo built (debug or release), honouring CARGO_TARGET_DIR. */
export function findWarehouseBinary(): string {
  const fromEnv = process.env.SLUICE_WAREHOUSE_BIN;
  if (fromEnv) return fromEnv;
  const targetDir = cargoTargetDir();
  const candidates = ['release', 'debug']
    .map((profile) => join(targetDir, profile, 'sluice-warehouse'))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) {
    throw new Error(
      `sluice-warehouse is not built (looked in ${targetDir}/{release,debug}); run "cargo build -p sluice-warehouse" or set SLUICE_WAREHOUSE_BIN`,
    );
  }
  return candidates[0];
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
