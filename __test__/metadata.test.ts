/** Metadata calls on both backends: typed rows with JDBC-style names, patterns, and parity. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, InterfaceError, ProgrammingError } from '#dist/index';
import { like, metadataSql } from '#dist/metadata';
import { useWarehouse } from './helpers/warehouse';

describe('metadata', () => {
  const warehouse = useWarehouse({ args: ['--tpch-scale', '0.001'] });

  for (const backend of ['native', 'ts'] as const) {
    it(`catalogs, schemas, tables and columns (${backend})`, async () => {
      const connection = await connect(warehouse().connectOptions({ backend }));
      const catalogs = (await connection.catalogs()).map((c) => c.TABLE_CAT);
      assert.ok(catalogs.includes('samples') && catalogs.includes('main'), String(catalogs));
      assert.deepEqual(await connection.schemas({ catalog: 'samples' }), [
        { TABLE_SCHEM: 'tpch', TABLE_CATALOG: 'samples' },
      ]);
      assert.deepEqual(
        await connection.tables({ catalog: 'samples', schemaPattern: 'tp%', tableNamePattern: 'na_ion' }),
        [{ TABLE_CAT: 'samples', TABLE_SCHEM: 'tpch', TABLE_NAME: 'nation', TABLE_TYPE: 'TABLE' }],
      );
      assert.deepEqual(await connection.tables({ catalog: 'samples', tableTypes: ['VIEW'] }), []);
      const columns = await connection.columns({
        catalog: 'samples',
        schemaPattern: 'tpch',
        tableNamePattern: 'nation',
      });
      assert.deepEqual(
        columns.map((c) => [c.COLUMN_NAME, c.TYPE_NAME, c.IS_NULLABLE]),
        [
          ['n_nationkey', 'BIGINT', 'YES'],
          ['n_name', 'STRING', 'YES'],
          ['n_regionkey', 'BIGINT', 'YES'],
          ['n_comment', 'STRING', 'YES'],
        ],
      );
      await assert.rejects(connection.columns({ catalog: '%' }), ProgrammingError);
      await connection.close();
      await assert.rejects(connection.catalogs(), InterfaceError);
    });
  }

  it('both backends return identical metadata rows', async () => {
    const results = [];
    for (const backend of ['native', 'ts'] as const) {
      const connection = await connect(warehouse().connectOptions({ backend }));
      results.push([
        await connection.catalogs(),
        await connection.schemas(),
        await connection.tables({ schemaPattern: 'tpch' }),
        await connection.columns({ catalog: 'samples', columnNamePattern: '%key' }),
      ]);
      await connection.close();
    }
    assert.deepEqual(results[1], results[0]);
    // The same keys in the same order: what JSON.stringify, console.table and Object.keys show.
    assert.equal(JSON.stringify(results[1]), JSON.stringify(results[0]));
    assert.ok((results[0][3] as unknown[]).length > 8);
  });

  for (const backend of ['native', 'ts'] as const) {
    it(`primary keys, foreign keys, cross reference and functions (${backend})`, async () => {
      const connection = await connect(warehouse().connectOptions({ backend }));
      const cursor = connection.cursor();
      const [parent, child] = [`keys_parent_${backend}`, `keys_child_${backend}`];
      await cursor.execute(
        `CREATE TABLE main.default.${parent} (a BIGINT NOT NULL, b STRING NOT NULL, note STRING, ` +
          `CONSTRAINT ${parent}_pk PRIMARY KEY (a, b))`,
      );
      await cursor.execute(
        `CREATE TABLE main.default.${child} (id BIGINT, pa BIGINT, pb STRING, ` +
          `CONSTRAINT ${child}_fk FOREIGN KEY (pa, pb) REFERENCES main.default.${parent} (a, b))`,
      );
      const where = { catalog: 'main', schema: 'default' };
      assert.deepEqual(await connection.primaryKeys({ ...where, table: parent }), [
        {
          TABLE_CAT: 'main',
          TABLE_SCHEM: 'default',
          TABLE_NAME: parent,
          COLUMN_NAME: 'a',
          KEY_SEQ: 1,
          PK_NAME: `${parent}_pk`,
        },
        {
          TABLE_CAT: 'main',
          TABLE_SCHEM: 'default',
          TABLE_NAME: parent,
          COLUMN_NAME: 'b',
          KEY_SEQ: 2,
          PK_NAME: `${parent}_pk`,
        },
      ]);
      assert.deepEqual(await connection.primaryKeys({ ...where, table: child }), []);
      const link = (fk: string, pk: string, seq: number) => ({
        PKTABLE_CAT: 'main',
        PKTABLE_SCHEM: 'default',
        PKTABLE_NAME: parent,
        PKCOLUMN_NAME: pk,
        FKTABLE_CAT: 'main',
        FKTABLE_SCHEM: 'default',
        FKTABLE_NAME: child,
        FKCOLUMN_NAME: fk,
        KEY_SEQ: seq,
        FK_NAME: `${child}_fk`,
      });
      const expected = [link('pa', 'a', 1), link('pb', 'b', 2)];
      assert.deepEqual(await connection.foreignKeys({ ...where, table: child }), expected);
      assert.deepEqual(await connection.foreignKeys({ ...where, table: parent }), []);
      const cross = {
        parentCatalog: 'MAIN',
        parentSchema: 'default',
        parentTable: parent.toUpperCase(),
        foreignCatalog: 'main',
        foreignSchema: 'default',
        foreignTable: child,
      };
      assert.deepEqual(await connection.crossReference(cross), expected, 'names match case-insensitively');
      assert.deepEqual(await connection.crossReference({ ...cross, parentTable: child }), []);
      await assert.rejects(connection.primaryKeys({ ...where, table: 'no_such_table' }), ProgrammingError);
      // The local warehouse has no user-defined functions; the rows' shape is what counts here.
      assert.deepEqual(
        await connection.functions({ catalog: 'main', schemaPattern: 'def%', functionNamePattern: 'f%' }),
        [],
      );
      await cursor.execute(`DROP TABLE main.default.${child}`);
      await cursor.execute(`DROP TABLE main.default.${parent}`);
      await connection.close();
    });
  }

  it('patterns across every catalog, type filters and escaped wildcards', async () => {
    const connection = await connect(warehouse().connectOptions());
    const everywhere = await connection.schemas({ schemaPattern: 'def%' });
    assert.ok(
      everywhere.every((s) => s.TABLE_SCHEM.startsWith('def')),
      JSON.stringify(everywhere),
    );
    assert.ok(
      everywhere.some((s) => s.TABLE_CATALOG === 'main'),
      JSON.stringify(everywhere),
    );
    const tables = await connection.tables({ schemaPattern: 'tpch', tableTypes: ['table'] });
    assert.equal(tables.length, 8, `the eight TPC-H tables: ${JSON.stringify(tables)}`);
    const keys = await connection.columns({
      catalog: 'samples',
      schemaPattern: 'tpch',
      tableNamePattern: '%',
      columnNamePattern: '%\\_nationkey',
    });
    assert.ok(keys.length >= 3 && keys.every((c) => c.COLUMN_NAME.endsWith('_nationkey')), JSON.stringify(keys));
    await connection.close();
  });

  it('type info and table types are JDBC-shaped fixed tables', async () => {
    const connection = await connect(warehouse().connectOptions());
    const types = await connection.typeInfo();
    const codes = types.map((t) => t.DATA_TYPE);
    assert.deepEqual(
      codes,
      [...codes].sort((a, b) => a - b),
      'ordered by DATA_TYPE',
    );
    const decimal = types.find((t) => t.TYPE_NAME === 'DECIMAL');
    assert.deepEqual(
      [decimal?.DATA_TYPE, decimal?.PRECISION, decimal?.MAXIMUM_SCALE, decimal?.CREATE_PARAMS],
      [3, 38, 38, 'precision,scale'],
    );
    assert.deepEqual(
      types.find((t) => t.TYPE_NAME === 'STRING'),
      {
        TYPE_NAME: 'STRING',
        DATA_TYPE: 12,
        PRECISION: 2147483647,
        LITERAL_PREFIX: "'",
        LITERAL_SUFFIX: "'",
        NULLABLE: 1,
        CASE_SENSITIVE: true,
        SEARCHABLE: 3,
        UNSIGNED_ATTRIBUTE: false,
        FIXED_PREC_SCALE: false,
        AUTO_INCREMENT: false,
        LOCAL_TYPE_NAME: 'STRING',
      },
    );
    // Every type a column of the sample tables reports is listed.
    const columnTypes = new Set(
      (await connection.columns({ catalog: 'samples' })).map((c) => c.TYPE_NAME.replace(/\(.*$/, '')),
    );
    for (const t of columnTypes)
      assert.ok(
        types.some((r) => r.TYPE_NAME === t),
        `${t} missing from typeInfo()`,
      );
    // Callers may change what they get without changing the next call's answer.
    types[0].TYPE_NAME = 'changed';
    assert.notEqual((await connection.typeInfo())[0].TYPE_NAME, 'changed');
    assert.deepEqual(
      (await connection.tableTypes()).map((t) => t.TABLE_TYPE),
      ['METRIC_VIEW', 'SYSTEM TABLE', 'TABLE', 'VIEW'],
    );
    await connection.close();
    await assert.rejects(connection.typeInfo(), InterfaceError);
    await assert.rejects(connection.tableTypes(), InterfaceError);
  });

  it('key and function calls need their names before anything is sent', async () => {
    const connection = await connect(warehouse().connectOptions());
    const table = { catalog: 'samples', schema: 'tpch', table: 'nation' };
    await assert.rejects(connection.primaryKeys({ ...table, catalog: '%' }), ProgrammingError);
    await assert.rejects(connection.primaryKeys({ ...table, table: '' }), ProgrammingError);
    await assert.rejects(connection.foreignKeys({ ...table, schema: '' }), ProgrammingError);
    await assert.rejects(
      connection.crossReference({
        parentCatalog: 'samples',
        parentSchema: 'tpch',
        parentTable: 'region',
        foreignCatalog: '',
        foreignSchema: 'tpch',
        foreignTable: 'nation',
      }),
      ProgrammingError,
    );
    await assert.rejects(connection.functions({ catalog: '' }), ProgrammingError);
    await connection.close();
  });

  it('sends the statements the official drivers send, with quoted names and LIKE globs', () => {
    assert.equal(like('tp%'), "'tp*'");
    assert.equal(like('na_ion'), "'na.ion'");
    assert.equal(like('a\\_b\\%c'), "'a_b%c'");
    assert.equal(like("it's"), "'it\\'s'");
    assert.equal(
      metadataSql.schemas({ catalog: 'main', schemaPattern: 'jdbc%' }),
      "SHOW SCHEMAS IN `main` LIKE 'jdbc*'",
    );
    assert.equal(metadataSql.schemas({ catalog: '%' }), 'SHOW SCHEMAS IN ALL CATALOGS');
    assert.equal(
      metadataSql.tables({ catalog: 'main', schemaPattern: 's', tableNamePattern: 't%' }),
      "SHOW TABLES IN CATALOG `main` SCHEMA LIKE 's' LIKE 't*'",
    );
    assert.equal(metadataSql.tables({}), 'SHOW TABLES IN ALL CATALOGS');
    assert.equal(
      metadataSql.columns({ catalog: 'we`ird', schemaPattern: 's', tableNamePattern: 't', columnNamePattern: 'c%' }),
      "SHOW COLUMNS IN CATALOG `we``ird` SCHEMA LIKE 's' TABLE LIKE 't' LIKE 'c*'",
    );
    assert.equal(
      metadataSql.primaryKeys({ catalog: 'c', schema: 's', table: 't' }),
      'SHOW KEYS IN CATALOG `c` IN SCHEMA `s` IN TABLE `t`',
    );
    assert.equal(
      metadataSql.foreignKeys({ catalog: 'c', schema: 's`s', table: 't' }),
      'SHOW FOREIGN KEYS IN CATALOG `c` IN SCHEMA `s``s` IN TABLE `t`',
    );
    assert.equal(
      metadataSql.functions({ catalog: 'c', schemaPattern: 's%', functionNamePattern: 'f_' }),
      "SHOW FUNCTIONS IN CATALOG `c` SCHEMA LIKE 's*' LIKE 'f.'",
    );
    assert.equal(metadataSql.functions({ catalog: 'c' }), 'SHOW FUNCTIONS IN CATALOG `c`');
  });
});
