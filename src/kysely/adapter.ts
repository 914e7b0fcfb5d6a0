/**
 * What Kysely must know of Databricks: no RETURNING, no transactional DDL, and a migration lock
 * without advisory locks. The lock is the row Kysely's Migrator keeps in its lock table, taken
 * by a conditional UPDATE (`is_locked` 0 -> 1) that only one writer can win: Delta commits
 * conflicting updates of a table one at a time, and the loser sees 0 rows changed (or a
 * concurrent-update error) and waits.
 */

import { DialectAdapterBase, type Kysely, type MigrationLockOptions } from 'kysely';
import { OperationalError } from '../errors';

export interface MigrationLockSettings {
  /** How long to wait for a lock another migration holds, in milliseconds. */
  timeoutMs: number;
  /** Pause between attempts, in milliseconds. */
  retryMs: number;
}

interface LockTable {
  [table: string]: { id: string; is_locked: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A failed attempt that another writer's concurrent commit caused: worth another try. */
function isConflict(e: unknown): boolean {
  return e instanceof Error && /CONCURRENT|ConcurrentModification|DELTA_CONCURRENT/i.test(e.message);
}

export class DatabricksAdapter extends DialectAdapterBase {
  constructor(private readonly lock: MigrationLockSettings) {
    super();
  }

  override get supportsTransactionalDdl(): boolean {
    return false;
  }

  override get supportsReturning(): boolean {
    return false;
  }

  /**
   * `db` is Kysely's own instance. Typed `unknown` in the published typings: an ESM consumer's
   * Kysely class and the CommonJS one this module is typed against are distinct types.
   */
  private table(db: unknown, options: MigrationLockOptions): Kysely<LockTable> {
    const locks = db as Kysely<LockTable>;
    return options.lockTableSchema ? locks.withSchema(options.lockTableSchema) : locks;
  }

  override async acquireMigrationLock(db: unknown, options: MigrationLockOptions): Promise<void> {
    const locks = this.table(db, options);
    const deadline = Date.now() + this.lock.timeoutMs;
    for (;;) {
      try {
        const result = await locks
          .updateTable(options.lockTable)
          .set({ is_locked: 1 })
          .where('id', '=', options.lockRowId)
          .where('is_locked', '=', 0)
          .executeTakeFirst();
        if (result.numUpdatedRows === 1n) return;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      if (Date.now() >= deadline) {
        const name = options.lockTableSchema ? `${options.lockTableSchema}.${options.lockTable}` : options.lockTable;
        throw new OperationalError(
          `the migration lock (row "${options.lockRowId}" of ${name}) is held by another migration; ` +
            `waited ${this.lock.timeoutMs} ms. If no migration is running, a crashed one left it: ` +
            `set is_locked = 0 in that row`,
          { code: 'Timeout' },
        );
      }
      await sleep(this.lock.retryMs);
    }
  }

  override async releaseMigrationLock(db: unknown, options: MigrationLockOptions): Promise<void> {
    await this.table(db, options)
      .updateTable(options.lockTable)
      .set({ is_locked: 0 })
      .where('id', '=', options.lockRowId)
      .execute();
  }
}
