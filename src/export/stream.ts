/**
 * An export as a Node stream of bytes, or written to a path or a Writable. The stream pulls the
 * next piece only when its reader asks (after the destination drained), so downloads wait for
 * a slow destination and the result's memory budget holds end to end. Destroying the stream
 * before its end (an abort, a closed destination) cancels the statement on the warehouse and
 * releases its result there.
 */

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackendResultInfo, BackendStatement } from '../backend';
import { OperationalError, programmingError } from '../errors';
import { streamOptions } from './options';
import { type PieceSource, pieceSource } from './pieces';

/** What the cursor hands an export: its statement, the result's description, the execute's signal. */
export interface ExportTarget {
  statement: BackendStatement;
  info: BackendResultInfo;
  signal?: AbortSignal;
}

/** What an export wrote. */
export interface ExportSummary {
  rows: number;
  bytes: number;
}

function abortError(signal: AbortSignal): OperationalError {
  return new OperationalError('the export was aborted', { code: 'Aborted' }, { cause: signal.reason });
}

export class ExportStream extends Readable {
  /** Rows and bytes handed on so far. */
  rows = 0;
  bytes = 0;
  /** Settles once the statement is released after an early end (see `_destroy`). */
  closing: Promise<void> = Promise.resolve();
  private pulling = false;
  private ended = false;
  private unwatch: () => void = () => {};

  constructor(
    private readonly target: ExportTarget,
    private readonly source: PieceSource,
    private readonly progress: ((p: { rows: number; bytes: number; totalRows: number | null }) => void) | undefined,
    signal: AbortSignal | undefined,
  ) {
    super();
    if (signal) {
      const onAbort = () => this.destroy(abortError(signal));
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.unwatch = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  override _read(): void {
    if (this.pulling) return;
    this.pulling = true;
    this.source.next().then(
      (piece) => {
        this.pulling = false;
        if (this.destroyed) return;
        if (piece === null) {
          this.ended = true;
          this.unwatch();
          this.push(null);
          return;
        }
        this.rows = piece.rowsDone;
        this.bytes += piece.bytes.length;
        this.progress?.({ rows: this.rows, bytes: this.bytes, totalRows: this.target.info.totalRowCount ?? null });
        // An empty piece adds nothing: ask for the next one, or the reader would wait forever.
        if (piece.bytes.length === 0) this._read();
        else this.push(piece.bytes);
      },
      (e: unknown) => {
        this.pulling = false;
        this.destroy(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.unwatch();
    if (!this.ended) {
      // Stops the downloads now, and frees the result on the warehouse.
      this.target.statement.cancel();
      this.closing = this.target.statement.close().catch(() => undefined);
    }
    callback(error);
  }
}

/** `targetOf` hands over the result, once the options are known to be good. */
export function exportStream(targetOf: () => ExportTarget, given?: unknown): ExportStream {
  const options = streamOptions(given);
  const target = targetOf();
  const source = pieceSource(target.statement, target.info, options);
  return new ExportStream(target, source, options.onProgress, options.signal ?? target.signal);
}

/** A name next to `path` no one else uses: the file appears under its own name only when whole. */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
}

export async function exportTo(
  targetOf: () => ExportTarget,
  destination: string | Writable,
  given?: unknown,
): Promise<ExportSummary> {
  const isPath = typeof destination === 'string';
  if (!isPath && !(typeof destination === 'object' && destination !== null && 'write' in destination)) {
    throw programmingError('the export destination must be a file path or a Writable stream');
  }
  if (isPath && destination === '') throw programmingError('the export path is empty');
  const stream = exportStream(targetOf, given);
  if (!isPath) {
    try {
      await pipeline(stream, destination);
    } catch (e) {
      stream.destroy();
      await stream.closing;
      throw e;
    }
    return { rows: stream.rows, bytes: stream.bytes };
  }
  const partial = temporaryName(destination);
  try {
    await pipeline(stream, createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, destination);
  } catch (e) {
    stream.destroy();
    await unlink(partial).catch(() => undefined);
    await stream.closing;
    throw e;
  }
  return { rows: stream.rows, bytes: stream.bytes };
}
