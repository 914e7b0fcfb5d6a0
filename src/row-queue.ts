/**
 * Rows of a result waiting to be fetched, kept as Arrow until they are asked for. Rows are built
 * a window at a time: `fetchone()` on a chunk of a million rows builds a thousand of them, not a
 * million objects (several times the chunk's columnar size) in one pause, and rows never fetched
 * are never built. A take larger than a window (`fetchall()`) builds whole batches, unsliced.
 */

import type { RecordBatch } from 'apache-arrow';

/** Rows built per window when fewer are asked for. */
export const ROW_WINDOW = 1024;

export type BuildRows = (batch: RecordBatch) => unknown[];

export class RowQueue {
  /** Batches with rows not built yet; rows before `next` of the first one are built. */
  private batches: RecordBatch[] = [];
  private next = 0;
  /** Built rows not yet handed out, from `head` on. */
  private built: unknown[] = [];
  private head = 0;
  private count = 0;

  constructor(private readonly build: BuildRows) {}

  get size(): number {
    return this.count;
  }

  push(batch: RecordBatch): void {
    if (batch.numRows === 0) return;
    this.batches.push(batch);
    this.count += batch.numRows;
  }

  /** The first batch with rows left, as Arrow. */
  firstBatch(): RecordBatch | undefined {
    return this.batches[0];
  }

  /** Every batch, as Arrow, for a result read as Arrow: only before any row was built. */
  takeBatches(): RecordBatch[] {
    if (this.next !== 0 || this.built.length !== 0) throw new Error('rows were already built from these batches');
    const batches = this.batches;
    this.clear();
    return batches;
  }

  /** Takes up to `n` rows in order, building only those (rounded up to a window). */
  take(n: number): unknown[] {
    const out = new Array<unknown>(Math.min(n, this.count));
    let i = 0;
    while (i < out.length) {
      if (this.head === this.built.length) this.buildWindow(out.length - i);
      const m = Math.min(this.built.length - this.head, out.length - i);
      for (let k = 0; k < m; k++) out[i++] = this.built[this.head + k];
      this.head += m;
    }
    this.releaseSpent();
    this.count -= out.length;
    return out;
  }

  /** The next row; the queue must not be empty. `take(1)` without its array, for iteration. */
  takeOne(): unknown {
    if (this.head === this.built.length) this.buildWindow(1);
    const row = this.built[this.head++];
    this.releaseSpent();
    this.count--;
    return row;
  }

  /** Lets go of a window once all its rows are handed out, so they can be collected. */
  private releaseSpent(): void {
    if (this.head === this.built.length) {
      this.built = [];
      this.head = 0;
    }
  }

  /** Builds the next `wanted` rows (at least a window, at most the rest of the first batch). */
  private buildWindow(wanted: number): void {
    const batch = this.batches[0];
    const left = batch.numRows - this.next;
    const m = Math.min(left, Math.max(wanted, ROW_WINDOW));
    const rows = this.build(m === batch.numRows ? batch : batch.slice(this.next, this.next + m));
    this.built = rows;
    this.head = 0;
    this.next += m;
    if (this.next === batch.numRows) {
      this.batches.shift();
      this.next = 0;
    }
  }

  clear(): void {
    this.batches = [];
    this.next = 0;
    this.built = [];
    this.head = 0;
    this.count = 0;
  }
}
