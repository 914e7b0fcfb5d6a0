/** The cursor's row queue: order across batches, partial takes, Arrow access, and rows built only when taken. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import { ROW_WINDOW, RowQueue } from '#dist/row-queue';

/** One batch whose single column holds `from, from + 1, ...`. */
function batchOf(from: number, length: number): RecordBatch {
  const values = Int32Array.from({ length }, (_, i) => from + i);
  return tableFromArrays({ v: values }).batches[0];
}

/** A queue whose builder records how many rows it built and whether each batch came whole. */
function countingQueue() {
  const built: { rows: number; whole: boolean }[] = [];
  const originals = new Set<RecordBatch>();
  const queue = new RowQueue((batch) => {
    built.push({ rows: batch.numRows, whole: originals.has(batch) });
    return Array.from(batch.getChildAt(0)?.toArray() ?? []);
  });
  const push = (batch: RecordBatch) => {
    originals.add(batch);
    queue.push(batch);
  };
  const rowsBuilt = () => built.reduce((n, b) => n + b.rows, 0);
  return { queue, push, built, rowsBuilt };
}

describe('RowQueue', () => {
  it('hands rows out in order across batch boundaries', () => {
    const { queue, push } = countingQueue();
    push(batchOf(1, 3));
    push(batchOf(100, 0));
    push(batchOf(4, 2));
    push(batchOf(6, 1));
    assert.equal(queue.size, 6);
    assert.equal(queue.firstBatch()?.getChildAt(0)?.get(0), 1);
    assert.deepEqual(queue.take(2), [1, 2]);
    assert.deepEqual(queue.take(3), [3, 4, 5]);
    assert.deepEqual(queue.take(10), [6]);
    assert.deepEqual(queue.take(1), []);
    assert.equal(queue.size, 0);
    assert.equal(queue.firstBatch(), undefined);
    push(batchOf(7, 1));
    queue.clear();
    assert.equal(queue.size, 0);
  });

  it('hands its batches over as Arrow while no row was built, and refuses once one was', () => {
    const { queue, push, rowsBuilt } = countingQueue();
    const first = batchOf(0, 10);
    const second = batchOf(10, 5);
    push(first);
    push(second);
    assert.deepEqual(queue.takeBatches(), [first, second]);
    assert.equal(queue.size, 0);
    assert.equal(rowsBuilt(), 0);
    push(batchOf(0, 10));
    queue.take(1);
    assert.throws(() => queue.takeBatches(), /already built/);
  });

  it('builds only a window of a large batch for small takes, in order and without repeats', () => {
    const { queue, push, rowsBuilt } = countingQueue();
    const total = ROW_WINDOW * 10 + 7;
    push(batchOf(0, total));
    const seen: unknown[] = [...queue.take(1)];
    assert.equal(rowsBuilt(), ROW_WINDOW);
    for (let i = 0; i < ROW_WINDOW; i++) seen.push(i % 2 ? queue.takeOne() : queue.take(1)[0]);
    assert.equal(rowsBuilt(), 2 * ROW_WINDOW, 'one more window once the first ran out');
    seen.push(...queue.take(3 * ROW_WINDOW));
    assert.equal(rowsBuilt(), 2 * ROW_WINDOW + 3 * ROW_WINDOW - (ROW_WINDOW - 1));
    seen.push(...queue.take(total));
    assert.equal(rowsBuilt(), total, 'every row built exactly once');
    assert.deepEqual(
      seen,
      Array.from({ length: total }, (_, i) => i),
    );
    assert.equal(queue.size, 0);
  });

  it('builds whole batches for a take that covers them', () => {
    const { queue, push, built } = countingQueue();
    push(batchOf(0, 5000));
    push(batchOf(5000, 3000));
    const rows = queue.take(8000);
    assert.equal(rows.length, 8000);
    assert.equal(rows[7999], 7999);
    assert.deepEqual(built, [
      { rows: 5000, whole: true },
      { rows: 3000, whole: true },
    ]);
  });

  it('keeps what a builder failure left untaken', () => {
    let fail = true;
    const queue = new RowQueue((batch) => {
      if (fail) throw new RangeError('not representable');
      return Array.from(batch.getChildAt(0)?.toArray() ?? []);
    });
    queue.push(batchOf(0, 10));
    assert.throws(() => queue.take(5), RangeError);
    assert.equal(queue.size, 10);
    fail = false;
    assert.deepEqual(queue.take(5), [0, 1, 2, 3, 4]);
    assert.equal(queue.size, 5);
  });
});
