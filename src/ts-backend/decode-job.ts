/** One chunk decode: LZ4 frames when the manifest says so, then the IPC checks. */

import { dataLoss } from './failures';
import { summarizeIpc } from './ipc';
import { decodeFrames } from './lz4';

export interface DecodeJob {
  body: Uint8Array;
  lz4: boolean;
  /** The decoded size the manifest promises (its byte_count), if known. */
  expectedBytes?: number;
  chunkIndex: number;
}

export interface Decoded {
  bytes: Uint8Array;
  rows: number;
}

/** What crosses to and from a worker. */
export interface WorkerRequest extends DecodeJob {
  id: number;
}

export type WorkerReply =
  | { id: number; ok: true; bytes: Uint8Array; rows: number }
  | { id: number; ok: false; message: string; code: string };

/** Decompresses when the manifest says so (never by what was requested), then checks. */
export function decodeInPlace(job: DecodeJob): Decoded {
  const bytes = job.lz4 ? decodeFrames(job.body, job.expectedBytes) : job.body;
  const expected = job.expectedBytes;
  if (expected !== undefined && expected > 0 && bytes.length !== expected) {
    throw dataLoss(`result chunk ${job.chunkIndex} is ${bytes.length} bytes but the manifest promised ${expected}`);
  }
  return { bytes, rows: summarizeIpc(bytes, job.chunkIndex).rows };
}
