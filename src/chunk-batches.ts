/**
 * Reads a result chunk (an Arrow IPC stream, from either backend) as record batches. Both
 * backends check a chunk's framing and its row count but leave its column data to this read,
 * so a stream apache-arrow cannot read is the result's fault: DataLoss, not a bare RangeError.
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
