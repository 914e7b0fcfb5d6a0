/**
 * Type-level checks: `Kysely<DB>` over the Databricks dialect types results from the schema.
 * They hold when this file compiles (the suite compiles every test with tsc, strict); the
 * `@ts-expect-error` lines fail the compilation if a wrong query stops being a type error. The
 * runtime part checks the compiled SQL of the same queries.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Generated, Kysely, type Selectable } from 'kysely';
import { DatabricksDialect } from '#dist/kysely/index';

interface DB {
  person: { id: Generated<bigint>; name: string; nickname: string | null; born: Date };
  pet: { id: bigint; owner_id: bigint; species: 'cat' | 'dog' };
}

/** True when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<_T extends true>(): void {}

const db = new Kysely<DB>({
  dialect: new DatabricksDialect({ connect: { host: 'localhost:1', httpPath: '/sql/1.0/warehouses/x', token: 't' } }),
});

const joined = db
  .selectFrom('person')
  .innerJoin('pet', 'pet.owner_id', 'person.id')
  .select(['person.id', 'person.nickname', 'pet.species as kind']);
type JoinedRow = Awaited<ReturnType<typeof joined.executeTakeFirstOrThrow>>;
expectType<Equals<JoinedRow, { id: bigint; nickname: string | null; kind: 'cat' | 'dog' }>>();

const counted = db.selectFrom('pet').select((eb) => ['owner_id', eb.fn.countAll<bigint>().as('n')]);
expectType<Equals<Awaited<ReturnType<typeof counted.execute>>, { owner_id: bigint; n: bigint }[]>>();

expectType<Equals<Selectable<DB['person']>['id'], bigint>>();

const inserted = db.insertInto('person').values({ name: 'a', nickname: null, born: new Date() });
expectType<
  Equals<Awaited<ReturnType<typeof inserted.executeTakeFirst>>['numInsertedOrUpdatedRows'], bigint | undefined>
>();

// @ts-expect-error: no such column
db.selectFrom('person').select('age');
// @ts-expect-error: a string is not a bigint
db.selectFrom('person').selectAll().where('id', '=', 'one');
// @ts-expect-error: name is required on insert
db.insertInto('person').values({ nickname: 'x', born: new Date() });

describe('Kysely<DB> types over the Databricks dialect', () => {
  it('compiles the type-checked queries to Databricks SQL', () => {
    assert.equal(
      joined.compile().sql,
      'select `person`.`id`, `person`.`nickname`, `pet`.`species` as `kind` from `person` inner join `pet` on `pet`.`owner_id` = `person`.`id`',
    );
    assert.equal(counted.compile().sql, 'select `owner_id`, count(*) as `n` from `pet`');
    const insert = inserted.compile();
    assert.equal(insert.sql, 'insert into `person` (`name`, `nickname`, `born`) values (?, ?, ?)');
    assert.equal(insert.parameters.length, 3);
  });
});
