/**
 * Reads a result chunk (an Arrow IPC stream, from either backend) as record batches. The native
 * kernel has decoded and validated the chunk already; the ts backend checked only its framing
 * and row count, so its column data is first read here. Either way a stream apache-arrow cannot
 * read is the result's fault: DataLoss, not apache-arrow's bare Error.
 */

import { type RecordBatch, tableFromIPC } from 'apache-arrow';
import { DataError } from './errors';

export function chunkBatches(chunk: Uint8Array): RecordBatch[] {
  try {
    return tableFromIPC(chunk).batches;
  } catch (e) {
    throw new DataError(
      `a result chunk could not be read as Arrow IPC: ${e instanceof Error ? e.message : String(e)}`,
      { code: 'DataLoss' },
      { cause: e },
    );
  }
}
