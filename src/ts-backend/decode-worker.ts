/** The body of a decoding worker thread: one job per message, the result handed back without a copy. */

import { parentPort } from 'node:worker_threads';
import { type DecodeJob, decodeInPlace, type WorkerReply, type WorkerRequest } from './decode-job';

parentPort?.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const job: DecodeJob = request;
    const { bytes, rows } = decodeInPlace(job);
    reply = { id: request.id, ok: true, bytes, rows };
    // This thread owns the buffer (it came by transfer or copy, or was decoded here): hand it back.
    if (bytes.buffer instanceof ArrayBuffer) transfer.push(bytes.buffer);
  } catch (e) {
    const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'Internal';
    reply = { id: request.id, ok: false, message: e instanceof Error ? e.message : String(e), code };
  }
  parentPort?.postMessage(reply, transfer);
});
