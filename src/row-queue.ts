/**
 * Decoded rows waiting to be fetched, kept as the batches they were decoded in. Each row is
 * copied once, when it is handed out: joining batches as they arrive copied the whole buffer
 * again for every chunk.
 */
export class RowQueue {
  private batches: unknown[][] = [];
  /** Next row of `batches[0]`. */
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(rows: unknown[]): void {
    if (rows.length === 0) return;
    this.batches.push(rows);
    this.count += rows.length;
  }

  /** The next row without taking it. */
  peek(): unknown {
    return this.count > 0 ? this.batches[0][this.head] : undefined;
  }

  /** Takes up to `n` rows in order. */
  take(n: number): unknown[] {
    const out = new Array<unknown>(Math.min(n, this.count));
    let i = 0;
    while (i < out.length) {
      const first = this.batches[0];
      const m = Math.min(first.length - this.head, out.length - i);
      for (let k = 0; k < m; k++) out[i++] = first[this.head + k];
      this.head += m;
      if (this.head === first.length) {
        this.batches.shift();
        this.head = 0;
      }
    }
    this.count -= out.length;
    return out;
  }

  clear(): void {
    this.batches = [];
    this.head = 0;
    this.count = 0;
  }
}
