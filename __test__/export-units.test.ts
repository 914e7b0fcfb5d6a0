/** The export's and the CLI's pure parts: timestamp text, script splitting, profile files, arguments. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOfPath, parseCli } from '#dist/cli/args';
import { parseConfigFile, resolveConnection } from '#dist/cli/profile';
import { splitStatements } from '#dist/cli/split-sql';
import { UsageError } from '#dist/cli/usage';
import { timestampText } from '#dist/export/timestamp-text';

describe('timestampText (the form arrow-rs writes)', () => {
  it('writes the wall time and offset of the zone, with 0, 3 or 6 fraction digits', () => {
    assert.equal(timestampText(1719851400123456n, 'America/New_York'), '2024-07-01T12:30:00.123456-04:00');
    assert.equal(timestampText(1710052200000000n, 'America/Los_Angeles'), '2024-03-09T22:30:00-08:00');
    assert.equal(timestampText(1719851400000000n, 'Etc/UTC'), '2024-07-01T16:30:00Z');
    assert.equal(timestampText(1719851400120000n, null), '2024-07-01T16:30:00.120');
    assert.equal(timestampText(-1n, 'UTC'), '1969-12-31T23:59:59.999999Z');
    assert.equal(timestampText(0n, '+05:30'), '1970-01-01T05:30:00+05:30');
  });
});

describe('splitStatements', () => {
  it('splits on semicolons outside quotes and comments, and drops empty statements', () => {
    assert.deepEqual(splitStatements('SELECT 1;\n-- x; y\nSELECT \'a;b\', "c;", `d;`;\n/* e; */ ;  '), [
      'SELECT 1',
      '-- x; y\nSELECT \'a;b\', "c;", `d;`',
    ]);
    assert.deepEqual(splitStatements("SELECT 'it\\'s; fine'"), ["SELECT 'it\\'s; fine'"]);
    assert.deepEqual(splitStatements('-- nothing\n'), []);
  });
});

describe('profiles and the connection', () => {
  it('parses the INI file the Databricks CLI writes', () => {
    const sections = parseConfigFile('; c\n[DEFAULT]\nhost = a\n# c\n[p]\nTOKEN= t = u\n');
    assert.deepEqual(Object.fromEntries(sections), { DEFAULT: { host: 'a' }, p: { token: 't = u' } });
  });

  it('takes flags over the environment, and a warehouse id for the HTTP path', () => {
    const home = '/nonexistent-home';
    const options = resolveConnection(
      { host: 'flag-host', warehouseId: 'w1' },
      { DATABRICKS_HOST: 'env-host', DATABRICKS_TOKEN: 'tok', DATABRICKS_HTTP_PATH: '/p' },
      home,
    );
    assert.deepEqual(options, { host: 'flag-host', httpPath: '/sql/1.0/warehouses/w1', token: 'tok' });
    const m2m = resolveConnection(
      {},
      { DATABRICKS_HOST: 'h', DATABRICKS_WAREHOUSE_ID: 'w', DATABRICKS_CLIENT_ID: 'i', DATABRICKS_CLIENT_SECRET: 's' },
      home,
    );
    assert.deepEqual(m2m, { host: 'h', httpPath: '/sql/1.0/warehouses/w', oauthClientId: 'i', oauthClientSecret: 's' });
    assert.throws(
      () => resolveConnection({}, { DATABRICKS_HOST: 'h', DATABRICKS_WAREHOUSE_ID: 'w' }, home),
      UsageError,
    );
  });
});

describe('the command line', () => {
  it('reads formats from extensions and refuses what it does not know', () => {
    assert.equal(formatOfPath('out/x.PARQUET'), 'parquet');
    assert.equal(formatOfPath('x.jsonl'), 'ndjson');
    assert.equal(formatOfPath('x.txt'), undefined);
    assert.equal(parseCli(['-o', 'a.csv', '--no-header', 'SELECT 1']).header, false);
    assert.throws(() => parseCli(['--format', 'xml']), UsageError);
    assert.throws(() => parseCli(['--progress', '--no-progress']), UsageError);
    assert.throws(() => parseCli(['-f', 'x.sql', 'SELECT 1']), UsageError);
  });
});
