/**
 * Decoding a downloaded chunk (LZ4 frames when the manifest says so, then the IPC checks) off
 * the event loop, as the kernel decodes on a blocking thread: large chunks go to a small pool
 * of worker threads; small ones are decoded in place, where a round trip would cost more.
 */

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, makeError } from '../errors';
import { type Decoded, type DecodeJob, decodeInPlace, type WorkerReply, type WorkerRequest } from './decode-job';

/** Below this many input bytes a chunk is decoded in place. */
const IN_PLACE_BYTES = 1 << 20;

/** An ArrayBuffer that may be handed over: owned by `view` alone (not Node's shared pool). */
function transferable(view: Uint8Array): ArrayBuffer | undefined {
  const buffer = view.buffer;
  return buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength
    ? buffer
    : undefined;
}

interface Pending {
  resolve: (d: Decoded) => void;
  reject: (e: unknown) => void;
}

class PoolWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();

  constructor(onExit: (w: PoolWorker) => void) {
    this.worker = new Worker(join(__dirname, 'decode-worker.js'));
    // Idle workers must not keep the process alive; a busy one is awaited by someone anyway.
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) p.resolve({ bytes: reply.bytes, rows: reply.rows });
      else p.reject(makeError(reply.message, { code: reply.code as ErrorCode }));
    });
    const fail = (why: string) => {
      onExit(this);
      for (const p of this.pending.values())
        p.reject(makeError(`result decoding stopped: ${why}`, { code: 'Internal' }));
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(e.message));
    this.worker.on('exit', (code) => fail(`the decoding worker exited with code ${code}`));
  }
}

class DecodePool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private broken = false;

  constructor(private readonly size: number) {}

  decode(job: DecodeJob): Promise<Decoded> {
    // Without LZ4 only the IPC walk is left, which is cheaper than a round trip.
    if (this.broken || !job.lz4 || job.body.length < IN_PLACE_BYTES) {
      return Promise.resolve().then(() => decodeInPlace(job));
    }
    let target: PoolWorker;
    try {
      target = this.pick();
    } catch {
      // No worker can be started here (a bundler dropped the file, say): decode in place.
      this.broken = true;
      return Promise.resolve().then(() => decodeInPlace(job));
    }
    const id = this.nextId++;
    return new Promise<Decoded>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.ref();
      const buffer = transferable(job.body);
      const request: WorkerRequest = { id, ...job };
      target.worker.postMessage(request, buffer ? [buffer] : []);
    });
  }

  /** The least busy worker, starting another while below the pool size. */
  private pick(): PoolWorker {
    const idle = this.workers.find((w) => w.pending.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const w = new PoolWorker((gone) => {
        const at = this.workers.indexOf(gone);
        if (at >= 0) this.workers.splice(at, 1);
      });
      this.workers.push(w);
      return w;
    }
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }
}

/** One pool per process, leaving a core for the event loop. */
export const decodePool = new DecodePool(Math.min(4, Math.max(1, availableParallelism() - 1)));
