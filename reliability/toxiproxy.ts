/**
 * A Toxiproxy server for the TCP fault tests: `toxiproxy-server` (installed by
 * scripts/toxiproxy.sh) on a free loopback port, driven through its HTTP API with fetch.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '#dist/package-root';
import { sleep } from '#dist/ts-backend/sleep';

export type ToxicType = 'latency' | 'bandwidth' | 'slow_close' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data';

export interface Toxic {
  type: ToxicType;
  /** `downstream` is the server's answer; `upstream` the client's request. */
  stream?: 'upstream' | 'downstream';
  /** Share of connections the toxic applies to, rolled per connection (default 1). */
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface ProxyInfo {
  name: string;
  /** The loopback port the proxy listens on. */
  port: number;
}

/** The server binary: $SLUICE_TOXIPROXY_BIN, else whatever the install script prints (it installs once). */
function binary(): string {
  const fromEnv = process.env.SLUICE_TOXIPROXY_BIN;
  if (fromEnv) return fromEnv;
  return execFileSync('bash', [join(PACKAGE_ROOT, 'scripts', 'toxiproxy.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** A port free right now; the server is started on it (and retried on another if it was taken). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class Toxiproxy {
  private stopped = false;
  private toxics = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly api: string,
    private readonly exited: Promise<void>,
    private readonly log: () => string,
  ) {}

  static async start(startTimeoutMs = 10_000): Promise<Toxiproxy> {
    const path = binary();
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      // A fixed seed makes toxicity rolls repeatable from run to run.
      const child = spawn(path, ['-host', '127.0.0.1', '-port', String(port), '-seed', '7'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      let gone = false;
      // 'error' without 'exit' when the binary cannot be spawned at all.
      const exited = new Promise<void>((done) => {
        const end = () => {
          gone = true;
          done();
        };
        child.once('exit', end);
        child.once('error', end);
      });
      const proxy = new Toxiproxy(child, `http://127.0.0.1:${port}`, exited, () => stderr);
      const deadline = Date.now() + startTimeoutMs;
      while (!gone && Date.now() < deadline) {
        try {
          if ((await fetch(`${proxy.api}/version`)).ok) return proxy;
        } catch {
          // Not listening yet.
        }
        await sleep(50);
      }
      lastError = new Error(`toxiproxy-server did not answer on port ${port}\n${stderr}`);
      await proxy.stop();
    }
    throw lastError ?? new Error('toxiproxy-server did not start');
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`toxiproxy ${method} ${path} answered ${response.status}: ${text}\n${this.log()}`);
    return text === '' ? {} : JSON.parse(text);
  }

  /** A proxy on a free loopback port in front of `upstream` (`host:port`). */
  async createProxy(name: string, upstream: string): Promise<ProxyInfo> {
    const created = (await this.call('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream })) as {
      listen: string;
    };
    return { name, port: Number(created.listen.slice(created.listen.lastIndexOf(':') + 1)) };
  }

  /** Points a proxy at another upstream; it keeps its port. */
  async setUpstream(name: string, upstream: string): Promise<void> {
    await this.call('POST', `/proxies/${name}`, { upstream, enabled: true });
  }

  /** Adds a toxic; returns its name, for `removeToxic`. */
  async addToxic(proxy: string, toxic: Toxic): Promise<string> {
    const name = `${toxic.type}-${++this.toxics}`;
    await this.call('POST', `/proxies/${proxy}/toxics`, {
      name,
      type: toxic.type,
      stream: toxic.stream ?? 'downstream',
      toxicity: toxic.toxicity ?? 1,
      attributes: toxic.attributes,
    });
    return name;
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.call('DELETE', `/proxies/${proxy}/toxics/${name}`);
  }

  /** Removes every toxic and re-enables every proxy. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /** Stops the server and waits for it to exit. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}
