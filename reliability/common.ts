/** Shared pieces of the reliability suite: checksummed queries and a hang guard. */

import assert from 'node:assert/strict';
import { type ConnectOptions, connect, SluiceError } from '#dist/index';

export const BACKENDS = ['native', 'ts'] as const;

/** The rows every fault scenario reads: `n` ids and a derived column to checksum. */
export const query = (n: number) => `SELECT id, id * 3 AS t FROM range(${n})`;

export interface Checksum {
  rows: number;
  sum: bigint;
}

/** Moments of a query at which a fault can strike. */
export interface Hooks {
  afterConnect?: () => Promise<unknown>;
  afterExecute?: () => Promise<unknown>;
}

/** What the client received, reduced to a count and a sum over both columns. */
export async function clientChecksum(options: ConnectOptions, n: number, hooks: Hooks = {}): Promise<Checksum> {
  const connection = await connect(options);
  try {
    await hooks.afterConnect?.();
    const cursor = connection.cursor<{ id: bigint; t: bigint }>();
    await cursor.execute(query(n));
    await hooks.afterExecute?.();
    let rows = 0;
    let sum = 0n;
    const seen = new Set<bigint>();
    for (const row of await cursor.fetchall()) {
      assert.equal(row.t, row.id * 3n, 'columns of one row belong together');
      seen.add(row.id);
      rows++;
      sum += row.id + row.t;
    }
    assert.equal(seen.size, rows, 'no duplicated rows');
    return { rows, sum };
  } finally {
    await connection.close();
  }
}

/** The warehouse's own count and sum, computed server-side. */
export async function warehouseChecksum(options: ConnectOptions, n: number): Promise<Checksum> {
  const connection = await connect(options);
  try {
    const cursor = connection.cursor<{ c: bigint; s: bigint }>();
    await cursor.execute(`SELECT count(*) AS c, CAST(sum(id + id * 3) AS BIGINT) AS s FROM range(${n})`);
    const row = await cursor.fetchone();
    assert.ok(row);
    return { rows: Number(row.c), sum: row.s };
  } finally {
    await connection.close();
  }
}

/** Runs `work` but fails if it takes longer than `ms`: a hang is a failure, not a slow pass. */
export async function bounded<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Either the exact rows or a typed driver error: never a short result, never a foreign error. */
export async function exactOrTyped(
  work: () => Promise<Checksum>,
  expected: Checksum,
): Promise<{ ok: true } | { ok: false; error: SluiceError }> {
  try {
    const got = await work();
    assert.deepEqual(got, expected, 'the result is exact');
    return { ok: true };
  } catch (e) {
    if (e instanceof SluiceError) return { ok: false, error: e };
    throw e;
  }
}

/** A small seeded generator (mulberry32), so a soak run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
