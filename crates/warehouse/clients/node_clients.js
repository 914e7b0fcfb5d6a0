// Runs Node's official client (@databricks/sql, kernel backend: useKernel) against a local
// warehouse. Prints one PASS/FAIL line per check; exits non-zero if any failed. Reads the
// warehouse's ready line from $WAREHOUSE_READY; resolves @databricks/sql from $NODE_PATH.
const fs = require('node:fs');
const { DBSQLClient } = require('@databricks/sql');

const ready = JSON.parse(process.env.WAREHOUSE_READY);
let failures = 0;

async function check(name, fn) {
  try {
    const detail = await fn();
    console.log(`PASS node ${name}${detail === undefined ? '' : `: ${detail}`}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL node ${name}: ${e && e.message ? e.message : e}`);
  }
}

async function rows(session, sql) {
  const op = await session.executeStatement(sql);
  const out = await op.fetchAll();
  await op.close();
  return out;
}

async function metadata(op) {
  const out = await op.fetchAll();
  await op.close();
  return out;
}

async function main() {
  const client = new DBSQLClient();
  await check('@databricks/sql (useKernel)', async () => {
    const conn = await client.connect({
      // The kernel backend reads the port from the host.
      host: `${ready.host}:${ready.port}`,
      port: Number(new URL(ready.url).port),
      path: ready.http_path,
      token: ready.token,
      customCaCert: fs.readFileSync(ready.ca_path),
      useKernel: true,
    });
    const session = await conn.openSession();
    const [one] = await rows(session, "SELECT 1 AS one, 'a\\\\b' AS s, 1L AS l");
    if (one.one !== 1 || one.s !== 'a\\b') throw new Error(JSON.stringify(one));
    const n = await rows(session, 'SELECT count(*) AS n FROM samples.tpch.nation');
    if (Number(n[0].n) !== 25) throw new Error(JSON.stringify(n));
    await rows(session, 'CREATE OR REPLACE TABLE node_parent (id INT, CONSTRAINT node_parent_pk PRIMARY KEY (id))');
    await rows(
      session,
      'CREATE OR REPLACE TABLE node_child (id INT, pid INT, CONSTRAINT node_child_fk FOREIGN KEY (pid) REFERENCES node_parent (id))',
    );
    const pks = await metadata(
      await session.getPrimaryKeys({ catalogName: 'main', schemaName: 'default', tableName: 'node_parent' }),
    );
    if (pks.length !== 1) throw new Error(`primary keys: ${JSON.stringify(pks)}`);
    const refs = await metadata(
      await session.getCrossReference({
        parentCatalogName: 'main',
        parentSchemaName: 'default',
        parentTableName: 'node_parent',
        foreignCatalogName: 'main',
        foreignSchemaName: 'default',
        foreignTableName: 'node_child',
      }),
    );
    if (refs.length !== 1) throw new Error(`cross reference: ${JSON.stringify(refs)}`);
    const tables = await metadata(await session.getTables({ catalogName: 'samples', schemaName: 'tpch' }));
    if (tables.length !== 8) throw new Error(`tables: ${tables.length}`);
    const columns = await metadata(
      await session.getColumns({ catalogName: 'samples', schemaName: 'tpch', tableName: 'nation' }),
    );
    if (columns.length !== 4) throw new Error(`columns: ${columns.length}`);
    const functions = await metadata(
      await session.getFunctions({ catalogName: 'main', schemaName: 'default', functionName: '%' }),
    );
    await rows(session, 'DROP TABLE node_child');
    await rows(session, 'DROP TABLE node_parent');
    await session.close();
    await conn.close();
    return `pk ${JSON.stringify(pks[0])}, ${functions.length} functions`;
  });
  process.exit(failures ? 1 : 0);
}

main();
