/** Metadata calls on both backends: typed rows with JDBC-style names, patterns, and parity. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, InterfaceError, ProgrammingError } from '../src/index';
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
});
