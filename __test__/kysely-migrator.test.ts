/**
 * Kysely's Migrator on Databricks, against the local warehouse: migrations up and down, run
 * without transactions, under the lock row the adapter takes with a conditional UPDATE; a lock
 * left held makes another run wait and then fail clearly instead of migrating twice.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kysely, type Migration, Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { OperationalError } from '#dist/index';
import { DatabricksDialect } from '#dist/kysely/index';
import type { LocalWarehouse } from '#dist/local-warehouse';
import { useWarehouse } from './helpers/warehouse';

interface DB {
  author: { id: bigint; name: string };
  book: { id: bigint; author_id: bigint; title: string };
  kysely_migration: { name: string; timestamp: string };
  kysely_migration_lock: { id: string; is_locked: number };
}

const migrations: Record<string, Migration> = {
  '2025_01_author': {
    async up(db: Kysely<DB>) {
      await db.schema
        .createTable('author')
        .addColumn('id', 'bigint', (c) => c.autoIncrement().notNull().primaryKey())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<DB>) {
      await db.schema.dropTable('author').execute();
    },
  },
  '2025_02_book': {
    async up(db: Kysely<DB>) {
      await db.schema
        .createTable('book')
        .addColumn('id', 'bigint', (c) => c.notNull().primaryKey())
        .addColumn('author_id', 'bigint', (c) => c.references('author.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<DB>) {
      await db.schema.dropTable('book').execute();
    },
  },
  '2025_03_seed': {
    async up(db: Kysely<DB>) {
      await db.insertInto('author').values({ id: 1n, name: 'Le Guin' }).execute();
      await db.insertInto('book').values({ id: 1n, author_id: 1n, title: 'The Dispossessed' }).execute();
    },
    async down(db: Kysely<DB>) {
      await db.deleteFrom('book').execute();
      await db.deleteFrom('author').execute();
    },
  },
};

function database(w: LocalWarehouse, migrationLockTimeoutMs?: number): Kysely<DB> {
  return new Kysely<DB>({
    dialect: new DatabricksDialect({ connect: w.connectOptions(), migrationLockTimeoutMs }),
  });
}

function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Starts from an empty schema, whatever an earlier test left. */
async function fresh(db: Kysely<DB>): Promise<void> {
  for (const table of ['book', 'author', 'kysely_migration', 'kysely_migration_lock']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

const tableNames = async (db: Kysely<DB>) => (await db.introspection.getTables()).map((t) => t.name).sort();

describe('Kysely Migrator on Databricks', () => {
  const warehouse = useWarehouse();

  it('migrates to the latest, then down one step, then all the way down', async () => {
    const db = database(warehouse());
    try {
      await fresh(db);
      const m = migrator(db);
      const up = await m.migrateToLatest();
      assert.equal(up.error, undefined);
      assert.deepEqual(
        up.results?.map((r) => [r.migrationName, r.direction, r.status]),
        [
          ['2025_01_author', 'Up', 'Success'],
          ['2025_02_book', 'Up', 'Success'],
          ['2025_03_seed', 'Up', 'Success'],
        ],
      );
      assert.deepEqual(await tableNames(db), ['author', 'book']);
      assert.deepEqual(await db.selectFrom('book').select('title').execute(), [{ title: 'The Dispossessed' }]);
      const done = await db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
      assert.deepEqual(
        done.map((r) => r.name),
        Object.keys(migrations),
      );
      // The lock is free again after the run.
      assert.deepEqual(await db.selectFrom('kysely_migration_lock').select('is_locked').execute(), [{ is_locked: 0 }]);

      const again = await m.migrateToLatest();
      assert.deepEqual(again.results, []);

      const down = await m.migrateDown();
      assert.equal(down.error, undefined);
      assert.deepEqual(
        down.results?.map((r) => [r.migrationName, r.direction, r.status]),
        [['2025_03_seed', 'Down', 'Success']],
      );
      assert.deepEqual(await db.selectFrom('book').selectAll().execute(), []);

      const none = await m.migrateTo(NO_MIGRATIONS);
      assert.equal(none.error, undefined);
      assert.deepEqual(
        none.results?.map((r) => r.migrationName),
        ['2025_02_book', '2025_01_author'],
      );
      assert.deepEqual(await tableNames(db), []);
      assert.deepEqual(await db.selectFrom('kysely_migration').selectAll().execute(), []);
      const info = await m.getMigrations();
      assert.ok(info.every((i) => i.executedAt === undefined));
    } finally {
      await db.destroy();
    }
  });

  it('waits for a lock another run holds, then fails clearly without migrating', async () => {
    const w = warehouse();
    const db = database(w, 400);
    try {
      await fresh(db);
      // Creates the lock table and row, migrating nothing yet.
      await new Migrator({ db, provider: { getMigrations: async () => ({}) } }).migrateToLatest();
      await db.updateTable('kysely_migration_lock').set({ is_locked: 1 }).execute();
      const held = await migrator(db).migrateToLatest();
      assert.ok(held.error instanceof OperationalError, String(held.error));
      assert.equal(held.error.code, 'Timeout');
      assert.match(held.error.message, /migration lock .* is held by another migration/);
      assert.deepEqual(await tableNames(db), []);

      await db.updateTable('kysely_migration_lock').set({ is_locked: 0 }).execute();
      const free = await migrator(db).migrateToLatest();
      assert.equal(free.error, undefined);
      assert.deepEqual(await tableNames(db), ['author', 'book']);
      await migrator(db).migrateTo(NO_MIGRATIONS);
    } finally {
      await db.destroy();
    }
  });

  it('runs each migration once when two migrators start together', async () => {
    const w = warehouse();
    const a = database(w, 30_000);
    const b = database(w, 30_000);
    try {
      await fresh(a);
      // Both see the lock table and its row already there, so they race for the row only.
      await new Migrator({ db: a, provider: { getMigrations: async () => ({}) } }).migrateToLatest();
      const [ra, rb] = await Promise.all([migrator(a).migrateToLatest(), migrator(b).migrateToLatest()]);
      assert.equal(ra.error, undefined);
      assert.equal(rb.error, undefined);
      const ran = [...(ra.results ?? []), ...(rb.results ?? [])].map((r) => r.migrationName).sort();
      assert.deepEqual(ran, Object.keys(migrations));
      const rows = await sql<{ n: bigint }>`SELECT count(*) AS n FROM kysely_migration`.execute(a);
      assert.deepEqual(rows.rows, [{ n: 3n }]);
      await migrator(a).migrateTo(NO_MIGRATIONS);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });
});
