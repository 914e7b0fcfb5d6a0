/**
 * The Kysely dialect against the local warehouse, over real HTTPS: the schema builder, inserts,
 * selects, every `where` operator Kysely emits, updates, deletes, merges, introspection, the
 * session pool, transactions refused, streaming a million rows in flat memory, cancelling, and
 * identifiers and values full of quotes, backticks, backslashes and emoji (bound, never spliced).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CompiledQuery, type Generated, Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { type ConnectOptions, NotSupportedError, OperationalError, ProgrammingError } from '#dist/index';
import {
  AbortSignalPlugin,
  type DatabricksConnection,
  DatabricksDialect,
  type DatabricksDialectConfig,
} from '#dist/kysely/index';
import type { LocalWarehouse } from '#dist/local-warehouse';
import { admin, type Counters, requests } from './helpers/admin';
import { useWarehouse } from './helpers/warehouse';

interface DB {
  person: { id: bigint; first_name: string; last_name: string | null; age: number };
  member: { id: Generated<bigint>; name: string; nickname: string | null; age: Generated<number> };
  pet: { id: bigint; owner_id: bigint; name: string; species: string | null };
  person_update: { id: bigint; first_name: string; age: number };
}

// biome-ignore lint/complexity/noBannedTypes: Kysely's own type of a query that selected nothing yet.
type PersonQuery = SelectQueryBuilder<DB, 'person', {}>;

/** The counters' JSON holds more than the helper types. */
type AllCounters = Counters & { recent_statements: string[]; queries_running: number };
const counters = async (w: LocalWarehouse) => (await admin.counters(w)) as AllCounters;

function database<T = DB>(
  w: LocalWarehouse,
  extra: Partial<DatabricksDialectConfig> = {},
  options: Partial<ConnectOptions> = {},
) {
  return new Kysely<T>({
    dialect: new DatabricksDialect({ connect: w.connectOptions(options), poolSize: 2, ...extra }),
  });
}

const mib = (bytes: number) => Math.round(bytes / 1048576);

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what} did not happen within 10 s`);
}

/** Creates and fills `person` and `pet` (dropping earlier ones). */
async function seed(db: Kysely<DB>): Promise<void> {
  await db.schema.dropTable('pet').ifExists().execute();
  await db.schema.dropTable('person').ifExists().execute();
  await db.schema
    .createTable('person')
    .addColumn('id', 'bigint', (c) => c.notNull().primaryKey())
    .addColumn('first_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('last_name', 'text')
    .addColumn('age', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('pet')
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('owner_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('species', 'text')
    .addPrimaryKeyConstraint('pet_pk', ['id'])
    .addForeignKeyConstraint('pet_owner_fk', ['owner_id'], 'person', ['id'])
    .execute();
  await db
    .insertInto('person')
    .values([
      { id: 1n, first_name: 'Jennifer', last_name: 'Aniston', age: 55 },
      { id: 2n, first_name: 'Arnold', last_name: null, age: 77 },
      { id: 3n, first_name: 'Sylvester', last_name: 'Stallone', age: 78 },
      { id: 4n, first_name: 'jenny', last_name: 'Lake_side', age: 30 },
    ])
    .execute();
  await db
    .insertInto('pet')
    .values([
      { id: 10n, owner_id: 1n, name: 'Catto', species: 'cat' },
      { id: 11n, owner_id: 1n, name: 'Doggo', species: 'dog' },
      { id: 12n, owner_id: 3n, name: 'Hammo', species: null },
    ])
    .execute();
}

describe('Kysely dialect against the local warehouse', () => {
  // `--hive-metastore`: a catalog without information_schema, as in workspaces with a legacy
  // Hive metastore, for the introspector's SHOW fallback.
  const warehouse = useWarehouse({ args: ['--enable-admin', '--chunk-rows', '50000', '--hive-metastore'] });

  it('creates, alters and drops tables with the schema builder (identity, defaults, PK/FK)', async () => {
    const db = database(warehouse());
    try {
      await seed(db);
      await db.schema.alterTable('pet').addColumn('weight', 'double precision').execute();
      await db.schema.alterTable('pet').addColumn('born', 'date').addColumn('chip', 'varchar(20)').execute();
      const tables = await db.introspection.getTables();
      const pet = tables.find((t) => t.name === 'pet');
      assert.deepEqual(
        pet?.columns.map((c) => [c.name, c.dataType.toUpperCase(), c.isNullable]),
        [
          ['id', 'BIGINT', false],
          ['owner_id', 'BIGINT', false],
          ['name', 'STRING', false],
          ['species', 'STRING', true],
          ['weight', 'DOUBLE', true],
          ['born', 'DATE', true],
          ['chip', 'STRING', true],
        ],
      );
      await db.schema.alterTable('pet').dropColumn('chip').execute();
      await db.schema.alterTable('pet').renameTo('pet_renamed').execute();
      const names = (await db.introspection.getTables()).map((t) => t.name);
      assert.ok(names.includes('pet_renamed') && !names.includes('pet'), names.join());
      await db.schema.dropTable('pet_renamed').execute();
      await db.schema.dropTable('pet_renamed').ifExists().execute();
      assert.ok(!(await db.introspection.getTables()).some((t) => t.name === 'pet_renamed'));
    } finally {
      await db.destroy();
    }
  });

  it('inserts one row and several rows, reporting bigint counts', async () => {
    const db = database(warehouse());
    try {
      await seed(db);
      const one = await db
        .insertInto('person')
        .values({ id: 5n, first_name: 'Solo', last_name: 'Han', age: 35 })
        .executeTakeFirst();
      assert.equal(one.numInsertedOrUpdatedRows, 1n);
      assert.equal(one.insertId, undefined);
      const many = await db
        .insertInto('person')
        .values([
          { id: 6n, first_name: 'Ann', last_name: null, age: 1 },
          { id: 7n, first_name: 'Bob', last_name: 'B', age: 2 },
        ])
        .executeTakeFirst();
      assert.equal(many.numInsertedOrUpdatedRows, 2n);
      const selected = await db
        .insertInto('person')
        .columns(['id', 'first_name', 'age'])
        .expression((eb) =>
          eb
            .selectFrom('pet')
            .select((p) => [p('pet.id', '+', 100n).as('id'), 'pet.name', sql.lit(1).as('age')])
            .where('pet.species', '=', 'cat'),
        )
        .executeTakeFirst();
      assert.equal(selected.numInsertedOrUpdatedRows, 1n);
      const rows = await db
        .selectFrom('person')
        .select(['id', 'first_name', 'last_name', 'age'])
        .where('id', '>=', 5n)
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { id: 5n, first_name: 'Solo', last_name: 'Han', age: 35 },
        { id: 6n, first_name: 'Ann', last_name: null, age: 1 },
        { id: 7n, first_name: 'Bob', last_name: 'B', age: 2 },
        { id: 110n, first_name: 'Catto', last_name: null, age: 1 },
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('generates identity values and fills defaults, for single and multi-row inserts', async () => {
    const db = database(warehouse());
    try {
      await db.schema.dropTable('member').ifExists().execute();
      await db.schema
        .createTable('member')
        .addColumn('id', 'bigint', (c) => c.autoIncrement().primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('nickname', 'text')
        .addColumn('age', 'integer', (c) => c.notNull().defaultTo(18))
        .execute();
      const one = await db.insertInto('member').values({ name: 'Solo' }).executeTakeFirst();
      assert.equal(one.numInsertedOrUpdatedRows, 1n);
      // Rows missing a column get Kysely's DEFAULT keyword for it.
      const many = await db
        .insertInto('member')
        .values([{ name: 'Ann', age: 40 }, { name: 'Bob', nickname: 'B' }, { name: 'Cid' }])
        .executeTakeFirst();
      assert.equal(many.numInsertedOrUpdatedRows, 3n);
      const rows = await db.selectFrom('member').selectAll().orderBy('name').execute();
      assert.deepEqual(
        rows.map((r) => [r.name, r.nickname, r.age]),
        [
          ['Ann', null, 40],
          ['Bob', 'B', 18],
          ['Cid', null, 18],
          ['Solo', null, 18],
        ],
      );
      // Identity values: distinct bigints the warehouse generated.
      assert.ok(rows.every((r) => typeof r.id === 'bigint'));
      assert.equal(new Set(rows.map((r) => r.id)).size, 4);
      const member = (await db.introspection.getTables()).find((t) => t.name === 'member');
      assert.deepEqual(
        member?.columns.map((c) => [c.name, c.isAutoIncrementing, c.hasDefaultValue]),
        [
          ['id', true, true],
          ['name', false, false],
          ['nickname', false, false],
          ['age', false, true],
        ],
      );
      await db.schema.dropTable('member').execute();
    } finally {
      await db.destroy();
    }
  });

  it('selects with joins, subqueries, CTEs, aggregates and window functions', async () => {
    const db = database(warehouse());
    try {
      await seed(db);
      const joined = await db
        .selectFrom('person')
        .innerJoin('pet', 'pet.owner_id', 'person.id')
        .select(['person.first_name', 'pet.name as pet_name'])
        .orderBy('pet.name')
        .execute();
      assert.deepEqual(joined, [
        { first_name: 'Jennifer', pet_name: 'Catto' },
        { first_name: 'Jennifer', pet_name: 'Doggo' },
        { first_name: 'Sylvester', pet_name: 'Hammo' },
      ]);
      const left = await db
        .selectFrom('person')
        .leftJoin('pet', 'pet.owner_id', 'person.id')
        .select(['person.first_name', 'pet.name'])
        .where('pet.name', 'is', null)
        .orderBy('person.first_name')
        .execute();
      assert.deepEqual(
        left.map((r) => r.first_name),
        ['Arnold', 'jenny'],
      );
      const counted = await db
        .selectFrom('person')
        .select((eb) => [
          'first_name',
          eb
            .selectFrom('pet')
            .select(eb.fn.countAll<bigint>().as('n'))
            .whereRef('pet.owner_id', '=', 'person.id')
            .as('pets'),
        ])
        .orderBy('first_name')
        .execute();
      assert.deepEqual(
        counted.map((r) => [r.first_name, r.pets]),
        [
          ['Arnold', 0n],
          ['Jennifer', 2n],
          ['Sylvester', 1n],
          ['jenny', 0n],
        ],
      );
      const cte = await db
        .with('old', (q) => q.selectFrom('person').select(['id', 'first_name']).where('age', '>', 60))
        .selectFrom('old')
        .select('first_name')
        .orderBy('first_name')
        .execute();
      assert.deepEqual(
        cte.map((r) => r.first_name),
        ['Arnold', 'Sylvester'],
      );
      const aggregates = await db
        .selectFrom('pet')
        .select((eb) => [
          'owner_id',
          eb.fn.count<bigint>('id').as('n'),
          eb.fn.max('name').as('last'),
          eb.fn.min('name').as('first'),
        ])
        .groupBy('owner_id')
        .having((eb) => eb.fn.count('id'), '>=', 1)
        .orderBy('owner_id')
        .execute();
      assert.deepEqual(aggregates, [
        { owner_id: 1n, n: 2n, last: 'Doggo', first: 'Catto' },
        { owner_id: 3n, n: 1n, last: 'Hammo', first: 'Hammo' },
      ]);
      const { total } = await db
        .selectFrom('person')
        .select((eb) => eb.fn.sum<bigint>('age').as('total'))
        .executeTakeFirstOrThrow();
      assert.equal(total, 240n);
      const windowed = await db
        .selectFrom('pet')
        .select((eb) => [
          'name',
          eb.fn
            .sum<bigint>('id')
            .over((ob) => ob.partitionBy('owner_id').orderBy('name', 'desc'))
            .as('running'),
          eb.fn
            .countAll<bigint>()
            .over((ob) => ob.partitionBy('owner_id'))
            .as('siblings'),
        ])
        .orderBy('name')
        .execute();
      assert.deepEqual(windowed, [
        { name: 'Catto', running: 21n, siblings: 2n },
        { name: 'Doggo', running: 11n, siblings: 2n },
        { name: 'Hammo', running: 12n, siblings: 1n },
      ]);
      const union = await db
        .selectFrom('person')
        .select('first_name as n')
        .where('id', '=', 1n)
        .union(db.selectFrom('pet').select('name as n').where('id', '=', 12n))
        .orderBy('n')
        .execute();
      assert.deepEqual(
        union.map((r) => r.n),
        ['Hammo', 'Jennifer'],
      );
    } finally {
      await db.destroy();
    }
  });

  it('filters with every operator Kysely emits, orders, limits and offsets', async () => {
    const db = database(warehouse());
    try {
      await seed(db);
      const names = async (where: (q: PersonQuery) => PersonQuery) =>
        (await where(db.selectFrom('person')).select('first_name').orderBy('first_name').execute()).map(
          (r) => r.first_name,
        );
      assert.deepEqual(await names((q) => q.where('age', '=', 55)), ['Jennifer']);
      assert.deepEqual(await names((q) => q.where('age', '<>', 55).where('age', '!=', 30)), ['Arnold', 'Sylvester']);
      assert.deepEqual(await names((q) => q.where('age', '<', 55)), ['jenny']);
      assert.deepEqual(await names((q) => q.where('age', '<=', 55)), ['Jennifer', 'jenny']);
      assert.deepEqual(await names((q) => q.where('age', '>', 77)), ['Sylvester']);
      assert.deepEqual(await names((q) => q.where('age', '>=', 77)), ['Arnold', 'Sylvester']);
      assert.deepEqual(await names((q) => q.where('id', 'in', [1n, 3n])), ['Jennifer', 'Sylvester']);
      assert.deepEqual(await names((q) => q.where('id', 'not in', [1n, 3n])), ['Arnold', 'jenny']);
      assert.deepEqual(await names((q) => q.where('first_name', 'like', 'J%')), ['Jennifer']);
      assert.deepEqual(await names((q) => q.where('first_name', 'not like', 'J%')), ['Arnold', 'Sylvester', 'jenny']);
      assert.deepEqual(await names((q) => q.where('first_name', 'ilike', 'j%')), ['Jennifer', 'jenny']);
      assert.deepEqual(await names((q) => q.where('first_name', 'not ilike', 'j%')), ['Arnold', 'Sylvester']);
      // `_` matches one character; escaped, it matches itself.
      assert.deepEqual(await names((q) => q.where('last_name', 'like', 'Lake\\_%')), ['jenny']);
      assert.deepEqual(await names((q) => q.where('last_name', 'is', null)), ['Arnold']);
      assert.deepEqual(await names((q) => q.where('last_name', 'is not', null)), ['Jennifer', 'Sylvester', 'jenny']);
      assert.deepEqual(await names((q) => q.where((eb) => eb.between('age', 30, 60))), ['Jennifer', 'jenny']);
      assert.deepEqual(await names((q) => q.where((eb) => eb.not(eb.between('age', 30, 60)))), ['Arnold', 'Sylvester']);
      assert.deepEqual(
        await names((q) =>
          q.where((eb) => eb.exists(eb.selectFrom('pet').select('pet.id').whereRef('pet.owner_id', '=', 'person.id'))),
        ),
        ['Jennifer', 'Sylvester'],
      );
      assert.deepEqual(
        await names((q) =>
          q.where((eb) =>
            eb.not(eb.exists(eb.selectFrom('pet').select('pet.id').whereRef('pet.owner_id', '=', 'person.id'))),
          ),
        ),
        ['Arnold', 'jenny'],
      );
      assert.deepEqual(
        await names((q) =>
          q.where((eb) => eb.or([eb('age', '=', 30), eb.and([eb('age', '>', 70), eb('last_name', 'is', null)])])),
        ),
        ['Arnold', 'jenny'],
      );
      assert.deepEqual(await names((q) => q.where('last_name', 'is distinct from', 'Aniston')), [
        'Arnold',
        'Sylvester',
        'jenny',
      ]);
      assert.deepEqual(await names((q) => q.where('id', 'in', db.selectFrom('pet').select('owner_id'))), [
        'Jennifer',
        'Sylvester',
      ]);
      const page = await db
        .selectFrom('person')
        .select('first_name')
        .orderBy('age', 'desc')
        .limit(2)
        .offset(1)
        .execute();
      assert.deepEqual(
        page.map((r) => r.first_name),
        ['Arnold', 'Jennifer'],
      );
    } finally {
      await db.destroy();
    }
  });

  it('updates and deletes rows, with bigint counts from the warehouse', async () => {
    const db = database(warehouse());
    try {
      await seed(db);
      const updated = await db
        .updateTable('person')
        .set((eb) => ({ age: eb('age', '+', 1), last_name: 'X' }))
        .where('age', '>', 60)
        .executeTakeFirst();
      assert.equal(updated.numUpdatedRows, 2n);
      const none = await db.updateTable('person').set({ age: 1 }).where('id', '=', 999n).executeTakeFirst();
      assert.equal(none.numUpdatedRows, 0n);
      const deleted = await db.deleteFrom('pet').where('owner_id', '=', 1n).executeTakeFirst();
      assert.equal(deleted.numDeletedRows, 2n);
      const left = await db.selectFrom('person').select(['first_name', 'age', 'last_name']).orderBy('id').execute();
      assert.deepEqual(left, [
        { first_name: 'Jennifer', age: 55, last_name: 'Aniston' },
        { first_name: 'Arnold', age: 78, last_name: 'X' },
        { first_name: 'Sylvester', age: 79, last_name: 'X' },
        { first_name: 'jenny', age: 30, last_name: 'Lake_side' },
      ]);
      assert.deepEqual(await db.selectFrom('pet').select('name').execute(), [{ name: 'Hammo' }]);
      // A raw DML statement keeps its count row and reports the count too.
      const raw = await sql`DELETE FROM person WHERE age < ${40}`.execute(db);
      assert.equal(raw.numAffectedRows, 1n);
    } finally {
      await db.destroy();
    }
  });

  it('upserts with MERGE INTO', async () => {
    const db = database(warehouse());
    try {
      await seed(db);
      await db.schema.dropTable('person_update').ifExists().execute();
      await db.schema
        .createTable('person_update')
        .addColumn('id', 'bigint')
        .addColumn('first_name', 'text')
        .addColumn('age', 'integer')
        .execute();
      await db
        .insertInto('person_update')
        .values([
          { id: 1n, first_name: 'Jen', age: 56 },
          { id: 2n, first_name: 'gone', age: 0 },
          { id: 9n, first_name: 'Newbie', age: 18 },
        ])
        .execute();
      const merged = await db
        .mergeInto('person as t')
        .using('person_update as s', 's.id', 't.id')
        .whenMatchedAnd('s.first_name', '=', 'gone')
        .thenDelete()
        .whenMatched()
        .thenUpdateSet((eb) => ({ first_name: eb.ref('s.first_name'), age: eb.ref('s.age') }))
        .whenNotMatched()
        .thenInsertValues((eb) => ({ id: eb.ref('s.id'), first_name: eb.ref('s.first_name'), age: eb.ref('s.age') }))
        .executeTakeFirst();
      assert.equal(merged.numChangedRows, 3n);
      const rows = await db.selectFrom('person').select(['id', 'first_name', 'age']).orderBy('id').execute();
      assert.deepEqual(rows, [
        { id: 1n, first_name: 'Jen', age: 56 },
        { id: 3n, first_name: 'Sylvester', age: 78 },
        { id: 4n, first_name: 'jenny', age: 30 },
        { id: 9n, first_name: 'Newbie', age: 18 },
      ]);
      const bySource = await db
        .mergeInto('person as t')
        .using('person_update as s', 's.id', 't.id')
        .whenNotMatchedBySource()
        .thenUpdateSet({ age: 0 })
        .executeTakeFirst();
      assert.equal(bySource.numChangedRows, 2n);
    } finally {
      await db.destroy();
    }
  });

  it('introspects schemas, tables, views and columns, from information_schema and from SHOW', async () => {
    const w = warehouse();
    const db = database(w);
    try {
      await seed(db);
      await sql`CREATE OR REPLACE VIEW person_view AS SELECT id, first_name FROM person`.execute(db);
      const schemas = await db.introspection.getSchemas();
      assert.ok(
        schemas.some((s) => s.name === 'default'),
        JSON.stringify(schemas),
      );
      for (const introspection of ['information_schema', 'show', 'auto'] as const) {
        const other = database(w, { introspection });
        try {
          const tables = await other.introspection.getTables();
          const person = tables.find((t) => t.name === 'person');
          assert.ok(person, `${introspection}: ${tables.map((t) => t.name).join()}`);
          assert.equal(person.schema, 'default');
          assert.equal(person.isView, false);
          assert.deepEqual(
            person.columns.map((c) => [c.name, c.dataType.toUpperCase(), c.isNullable, c.isAutoIncrementing]),
            [
              ['id', 'BIGINT', false, false],
              ['first_name', 'STRING', false, false],
              ['last_name', 'STRING', true, false],
              ['age', 'INT', false, false],
            ],
            introspection,
          );
          const view = tables.find((t) => t.name === 'person_view');
          assert.equal(view?.isView, true, introspection);
          assert.deepEqual((await other.introspection.getSchemas()).map((s) => s.name).includes('default'), true);
        } finally {
          await other.destroy();
        }
      }
    } finally {
      await db.destroy();
    }
  });

  it('falls back to SHOW where the catalog has no information_schema (hive_metastore)', async () => {
    const w = warehouse();
    const hive = { catalog: 'hive_metastore', schema: 'default' };
    const db = database(w, {}, hive);
    const strict = database(w, { introspection: 'information_schema' }, hive);
    try {
      await db.schema.dropTable('legacy').ifExists().execute();
      await db.schema
        .createTable('legacy')
        .addColumn('id', 'bigint', (c) => c.notNull())
        .addColumn('note', 'text')
        .execute();
      // The default `auto` mode finds information_schema missing and reads SHOW instead.
      const legacy = (await db.introspection.getTables()).find((t) => t.name === 'legacy');
      assert.deepEqual(
        legacy && {
          schema: legacy.schema,
          isView: legacy.isView,
          columns: legacy.columns.map((c) => [c.name, c.dataType.toUpperCase(), c.isNullable]),
        },
        {
          schema: 'default',
          isView: false,
          columns: [
            ['id', 'BIGINT', false],
            ['note', 'STRING', true],
          ],
        },
      );
      assert.deepEqual(
        (await db.introspection.getSchemas()).map((s) => s.name),
        ['default'],
      );
      // Only information_schema: the catalog has none, and the error says so.
      await assert.rejects(strict.introspection.getTables(), /information_schema/i);
      await db.schema.dropTable('legacy').execute();
    } finally {
      await strict.destroy();
      await db.destroy();
    }
  });

  it('keeps a pool of sessions: concurrent queries share at most poolSize sessions, all closed on destroy', async () => {
    const w = warehouse();
    await admin.reset(w);
    const db = database(w, { poolSize: 2 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sql<{ v: number }>`SELECT ${i} AS v`.execute(db).then((r) => r.rows[0].v)),
    );
    assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7]);
    const c = await counters(w);
    assert.equal(c.sessions_opened, 2);
    await db.destroy();
    assert.equal(requests(await counters(w), 'sessions.delete', 200), 2);
    await assert.rejects(sql`SELECT 1`.execute(db), /destroyed/);
  });

  it('fails each query clearly when a session cannot be opened, and keeps no broken place in the pool', async () => {
    const w = warehouse();
    const db = database(w, { poolSize: 1 }, { token: 'dapi-not-a-valid-token', maxRetries: 0 });
    try {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          sql`SELECT 1`.execute(db),
          (e: unknown) => e instanceof OperationalError && e.code === 'Unauthenticated',
        );
      }
    } finally {
      await db.destroy();
    }
  });

  it('serves Kysely from the pure-TypeScript backend too', async () => {
    const db = database(warehouse(), {}, { backend: 'ts' });
    try {
      await seed(db);
      const deleted = await db.deleteFrom('pet').where('species', 'is', null).executeTakeFirst();
      assert.equal(deleted.numDeletedRows, 1n);
      const rows = await db.selectFrom('pet').select(['id', 'name']).orderBy('id').execute();
      assert.deepEqual(rows, [
        { id: 10n, name: 'Catto' },
        { id: 11n, name: 'Doggo' },
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('refuses transactions with a NotSupportedError, and sends nothing', async () => {
    const w = warehouse();
    const db = database(w);
    try {
      await admin.reset(w);
      await assert.rejects(
        db.transaction().execute(async (trx) => trx.selectFrom('person').selectAll().execute()),
        (e: unknown) => e instanceof NotSupportedError && e.code === 'NotSupported' && /transactions/.test(e.message),
      );
      assert.equal((await counters(w)).statements_executed, 0);
      // The connection went back to the pool in working order.
      assert.deepEqual((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows, [{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('binds values the warehouse cannot take with a clear ProgrammingError', async () => {
    const db = database(warehouse());
    try {
      await assert.rejects(
        sql`SELECT ${{ a: 1 }} AS v`.execute(db),
        (e: unknown) => e instanceof ProgrammingError && /parameter 1/.test(e.message),
      );
    } finally {
      await db.destroy();
    }
  });

  it('round-trips identifiers and values full of quotes, backticks, backslashes and emoji, injecting nothing', async () => {
    const w = warehouse();
    const table = 'we\'ird "ta`ble\\ 🦆';
    const column = 'co`l"um\'n\\ 🚀';
    const values = [
      "'; DROP TABLE person; --",
      '`) OR 1=1 --',
      'back\\slash \\\' \\" end\\',
      '"double" and \'single\' and `tick`',
      'emoji 🦆🚀👩‍👩‍👧 and ? and :name and $1',
      '\\',
      "'",
    ];
    interface Odd {
      [table]: { id: number; [column]: string };
    }
    const db = database<Odd>(w);
    try {
      await db.schema.dropTable(table).ifExists().execute();
      await db.schema.createTable(table).addColumn('id', 'integer').addColumn(column, 'text').execute();
      await admin.reset(w);
      await db
        .insertInto(table)
        .values(values.map((v, id) => ({ id, [column]: v })) as never)
        .execute();
      const found = await db
        .selectFrom(table)
        .select(['id', column] as never)
        .where(column as never, '=', values[0] as never)
        .execute();
      assert.deepEqual(found, [{ id: 0, [column]: values[0] }]);
      const statements = (await counters(w)).recent_statements;
      // The longer values cannot hide in the identifiers: none may appear in the SQL text.
      for (const v of values.filter((v) => v.length > 4)) {
        assert.ok(!statements.some((s) => s.includes(v)), `a value reached the SQL text: ${v}`);
      }
      assert.ok(statements.some((s) => s.includes('?')));
      const rows = (await db
        .selectFrom(table)
        .select(['id', column] as never)
        .orderBy('id' as never)
        .execute()) as Record<string, unknown>[];
      assert.deepEqual(
        rows.map((r) => r[column]),
        values,
      );
      // The same values as literals (sql.lit): escaped, not spliced raw.
      for (const v of values) {
        const { rows: lit } = await sql<{ v: string }>`SELECT ${sql.lit(v)} AS v`.execute(db);
        assert.deepEqual(lit, [{ v }]);
      }
      await db.schema.dropTable(table).execute();
    } finally {
      await db.destroy();
    }
  });

  it('streams a million rows through the cursor in chunks, in flat memory', async (t) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const db = database(warehouse(), {}, { memoryBudgetBytes: 8 * 1024 * 1024 });
    try {
      const query = db
        .selectFrom(sql<{ id: bigint }>`range(1000000)`.as('r'))
        .select(['r.id', sql<string>`md5(CAST(r.id AS STRING))`.as('h')])
        .orderBy('r.id');
      let rows = 0;
      let sum = 0n;
      let chunks = 0;
      const footprint = () => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const before = footprint();
      const footprints: number[] = [];
      for await (const row of query.stream(10_000)) {
        if (row.id !== BigInt(rows)) assert.fail(`row ${rows} came with id ${row.id}`);
        assert.equal(row.h.length, 32);
        sum += row.id;
        rows += 1;
        if (rows % 50_000 === 0) {
          chunks += 1;
          footprints.push(footprint());
        }
      }
      assert.equal(rows, 1_000_000);
      assert.equal(sum, 499999500000n);
      assert.equal(chunks, 20);
      // Held at once, a million such rows take well over 100 MB of heap; streamed, what stays
      // alive after a collection must stay near what it was before the query.
      const growth = Math.max(...footprints) - before;
      t.diagnostic(
        `live heap + array buffers after GC: before ${mib(before)}, while streaming ${footprints.map(mib).join(', ')} MiB`,
      );
      assert.ok(growth < 24 * 1024 * 1024, `memory grew by ${mib(growth)} MiB while streaming`);
    } finally {
      await db.destroy();
    }
  });

  it('ends a stream early and closes its statement on the warehouse', async () => {
    const w = warehouse();
    const db = database(w);
    try {
      await admin.reset(w);
      let seen = 0;
      for await (const _ of db.selectFrom(sql<{ id: bigint }>`range(500000)`.as('r')).selectAll().stream(1000)) {
        seen += 1;
        if (seen === 1500) break;
      }
      assert.equal(seen, 1500);
      await eventually('the statement closed', async () => requests(await counters(w), 'statements.close', 200) >= 1);
    } finally {
      await db.destroy();
    }
  });

  it('cancels a running statement on the warehouse through an AbortSignal', async () => {
    const w = warehouse();
    const db = database(w, {}, { waitTimeoutSecs: 0 });
    try {
      await admin.reset(w);
      const controller = new AbortController();
      const running = sql`SELECT sleep(30) AS s`.execute(db.withPlugin(new AbortSignalPlugin(controller.signal)));
      await eventually('the query started', async () => (await counters(w)).queries_running === 1);
      controller.abort(new Error('user left'));
      await assert.rejects(running, (e: unknown) => e instanceof OperationalError && e.code === 'Aborted');
      await eventually('the query stopped', async () => (await counters(w)).queries_running === 0);
      assert.ok(requests(await counters(w), 'statements.cancel') >= 1);
      // An already aborted signal sends nothing.
      await admin.reset(w);
      await assert.rejects(
        db.withPlugin(new AbortSignalPlugin(controller.signal)).selectFrom('person').selectAll().execute(),
        (e: unknown) => e instanceof OperationalError && e.code === 'Aborted',
      );
      assert.equal((await counters(w)).statements_executed, 0);
    } finally {
      await db.destroy();
    }
  });

  it("cancels the connection's running statement with cancelQuery", async () => {
    const w = warehouse();
    const dialect = new DatabricksDialect({ connect: w.connectOptions({ waitTimeoutSecs: 0 }) });
    const driver = dialect.createDriver();
    await driver.init();
    const connection = (await driver.acquireConnection()) as DatabricksConnection;
    try {
      await admin.reset(w);
      const running = connection.executeQuery(CompiledQuery.raw('SELECT sleep(30) AS s'));
      await eventually('the query started', async () => (await counters(w)).queries_running === 1);
      await connection.cancelQuery(async () => undefined);
      await assert.rejects(running, (e: unknown) => e instanceof OperationalError);
      await eventually('the query stopped', async () => (await counters(w)).queries_running === 0);
      assert.ok(requests(await counters(w), 'statements.cancel') >= 1);
      // The connection runs the next query.
      const { rows } = await connection.executeQuery(CompiledQuery.raw('SELECT 2 AS two'));
      assert.deepEqual(rows, [{ two: 2 }]);
    } finally {
      await driver.releaseConnection(connection);
      await driver.destroy();
    }
  });
});
