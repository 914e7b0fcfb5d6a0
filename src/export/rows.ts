/**
 * The rest of a result as an object-mode Readable of rows, for `pipeline()` users. Rows are
 * fetched a batch at a time when the reader asks; destroying the stream before its end (an
 * abort, a failed pipeline) cancels the statement and releases its result on the warehouse.
 */

import { Readable } from 'node:stream';
import { OperationalError, programmingError } from '../errors';

/** What the stream needs of a cursor. */
export interface RowCursor<R> {
  fetchmany(size: number, options?: { signal?: AbortSignal }): Promise<R[]>;
  cancel(): void;
}

export interface RowStreamOptions {
  /** Rows fetched per read (default 1000); also the stream's high-water mark. */
  batchSize?: number;
  /** Aborting destroys the stream and cancels the statement. */
  signal?: AbortSignal;
}

/** `release` frees the result on the warehouse when the stream ends early. */
export function rowStream<R>(cursor: RowCursor<R>, given: RowStreamOptions = {}, release?: () => void): Readable {
  const batchSize = given.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw programmingError('batchSize must be a positive integer');
  const signal = given.signal;
  let ended = false;
  let pulling = false;
  const stream = new Readable({
    objectMode: true,
    highWaterMark: batchSize,
    read() {
      if (pulling) return;
      pulling = true;
      cursor.fetchmany(batchSize, signal ? { signal } : undefined).then(
        (rows) => {
          pulling = false;
          if (stream.destroyed) return;
          if (rows.length === 0) {
            ended = true;
            stream.push(null);
            return;
          }
          for (const row of rows) stream.push(row);
        },
        (e: unknown) => {
          pulling = false;
          stream.destroy(e instanceof Error ? e : new Error(String(e)));
        },
      );
    },
    destroy(error, callback) {
      if (!ended) {
        cursor.cancel();
        release?.();
      }
      callback(error);
    },
  });
  if (signal) {
    const onAbort = () =>
      stream.destroy(new OperationalError('the row stream was aborted', { code: 'Aborted' }, { cause: signal.reason }));
    if (signal.aborted) queueMicrotask(onAbort);
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }
  return stream;
}
