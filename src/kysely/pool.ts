/**
 * A small pool of open items (sessions here): at most `size` exist, idle ones are reused, and
 * callers beyond that wait in order. Kysely holds a connection for one query (or one
 * `db.connection()` callback), so a handful of sessions serve many concurrent queries.
 */

import { interfaceError } from '../errors';

export interface PoolHooks<T> {
  create(): Promise<T>;
  destroy(item: T): Promise<void>;
  /** False for an item that can no longer be used (its session was closed). */
  usable(item: T): boolean;
}

export class Pool<T> {
  private readonly idle: T[] = [];
  private readonly busy = new Set<T>();
  private readonly waiting: { resolve: (item: T) => void; reject: (e: unknown) => void }[] = [];
  /** Items being created: they count against the size. */
  private creating = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly hooks: PoolHooks<T>,
  ) {}

  async acquire(): Promise<T> {
    if (this.closed) throw interfaceError('the Kysely instance was destroyed');
    for (let item = this.idle.pop(); item !== undefined; item = this.idle.pop()) {
      if (this.hooks.usable(item)) {
        this.busy.add(item);
        return item;
      }
      await this.hooks.destroy(item);
    }
    if (this.busy.size + this.creating < this.size) return this.grow();
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private async grow(): Promise<T> {
    this.creating += 1;
    let item: T;
    try {
      item = await this.hooks.create();
    } catch (e) {
      // The place is free again: the next waiting caller tries for itself.
      const next = this.waiting.shift();
      if (next) this.grow().then(next.resolve, next.reject);
      throw e;
    } finally {
      this.creating -= 1;
    }
    if (this.closed) {
      await this.hooks.destroy(item);
      throw interfaceError('the Kysely instance was destroyed');
    }
    this.busy.add(item);
    return item;
  }

  async release(item: T): Promise<void> {
    if (!this.busy.delete(item)) return;
    if (this.closed || !this.hooks.usable(item)) {
      await this.hooks.destroy(item);
      // The freed place lets a waiting caller open a new item.
      const next = this.waiting.shift();
      if (next && !this.closed) this.grow().then(next.resolve, next.reject);
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      this.busy.add(item);
      next.resolve(item);
    } else {
      this.idle.push(item);
    }
  }

  /** Closes every item, busy ones included, and fails the callers still waiting. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(interfaceError('the Kysely instance was destroyed'));
    const items = [...this.idle.splice(0), ...this.busy];
    this.busy.clear();
    await Promise.allSettled(items.map((item) => this.hooks.destroy(item)));
  }
}
