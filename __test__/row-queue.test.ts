/** The cursor's row queue: order across batches, partial takes, peek. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RowQueue } from '../src/row-queue';

describe('RowQueue', () => {
  it('hands rows out in order across batch boundaries', () => {
    const q = new RowQueue();
    q.push([1, 2, 3]);
    q.push([]);
    q.push([4, 5]);
    q.push([6]);
    assert.equal(q.size, 6);
    assert.equal(q.peek(), 1);
    assert.deepEqual(q.take(2), [1, 2]);
    assert.equal(q.peek(), 3);
    assert.deepEqual(q.take(3), [3, 4, 5]);
    assert.deepEqual(q.take(10), [6]);
    assert.deepEqual(q.take(1), []);
    assert.equal(q.size, 0);
    assert.equal(q.peek(), undefined);
    q.push([7]);
    q.clear();
    assert.equal(q.size, 0);
  });
});
