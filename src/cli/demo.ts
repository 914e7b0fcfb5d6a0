/**
 * The demo: starts the embedded local warehouse, runs a few queries through the native driver,
 * prints each result as a table, and stops the warehouse.
 */

import { connect } from '../connection';
import { startLocalWarehouse } from '../local-warehouse';
import { renderTable } from './table';

const QUERIES: readonly [title: string, sql: string][] = [
  ['Spark range()', 'SELECT id, id * id AS square, id % 2 = 0 AS even FROM range(5)'],
  [
    'An aggregate over range()',
    'SELECT id % 3 AS bucket, count(*) AS n, sum(id) AS total, avg(id) AS mean FROM range(1000) GROUP BY id % 3 ORDER BY bucket',
  ],
  [
    'Types and NULL',
    "SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST('12345.67' AS DECIMAL(10,2)) AS price, DATE '2024-02-29' AS day, 'héllo' AS text, NULL AS nothing",
  ],
  [
    'TPC-H pricing summary (samples.tpch.lineitem)',
    'SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty FROM samples.tpch.lineitem GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus',
  ],
];

async function main(): Promise<void> {
  const warehouse = await startLocalWarehouse();
  try {
    console.log(`local warehouse at ${warehouse.info.url} (warehouse ${warehouse.info.warehouse_id})\n`);
    await using connection = await connect(warehouse.connectOptions({ rowMode: 'array' }));
    for (const [title, sql] of QUERIES) {
      await using cursor = connection.cursor<unknown[]>();
      await cursor.execute(sql);
      const rows = await cursor.fetchall();
      const columns = (cursor.description ?? []).map((d) => d[0]);
      console.log(`${title}\n${sql}\n${renderTable(columns, rows)}\n`);
    }
  } finally {
    await warehouse.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
