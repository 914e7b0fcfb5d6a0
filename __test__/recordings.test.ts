/**
 * Ground truth for the value policy: every result body recorded from live Databricks SQL
 * warehouses (testdata/databricks-recordings: inline Arrow attachments, JSON_ARRAY rows
 * and CloudFetch downloads) is decoded the way the ts backend decodes it and turned into rows by
 * `batchRows` under the default and the alternative policy options. Every value must have the
 * JavaScript type the README's value policy promises for its column's SQL type, row counts must
 * match what the server promised, and where the recording spells values out (the SQL text, the
 * bound parameters, a JSON_ARRAY answer to the same query) the values must be those.
 * Pairing follows crates/kernel/tests/recordings.rs.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import type { BackendColumn } from '#dist/backend';
import { describe as describeColumns } from '#dist/description';
import { PACKAGE_ROOT } from '#dist/package-root';
import { decodeInPlace } from '#dist/ts-backend/decode-job';
import { rowsToIpc } from '#dist/ts-backend/json';
import { arrowType } from '#dist/ts-backend/types';
import {
  asResultData,
  asStatementResponse,
  type ColumnInfo,
  type Manifest,
  type ResultData,
  type StatementResponse,
} from '#dist/ts-backend/wire';
import { batchRows, DEFAULT_POLICY, rowKeys, type ValuePolicy } from '#dist/values/index';

const ROOT = process.env.SLUICE_RECORDINGS ?? join(PACKAGE_ROOT, 'testdata', 'databricks-recordings');

/** Every option away from its default. */
const ALTERNATE: ValuePolicy = { decimalAs: 'number', dateAs: 'string', timestampAs: 'bigint' };
const POLICIES: [string, ValuePolicy][] = [
  ['default', DEFAULT_POLICY],
  ['alternate', ALTERNATE],
];

// ---- reading the recordings ----------------------------------------------------------------

interface Recorded {
  file: string;
  method: string;
  url: string;
  status: number;
  body?: string;
  binary?: Uint8Array;
  /** The statement and parameters a POST asked for, as one key. */
  request?: string;
}

interface Mapping {
  request?: { method?: string; bodyPatterns?: Record<string, unknown>[] } & Record<string, unknown>;
  response?: { status?: number; body?: string; base64Body?: string; bodyFileName?: string };
}

function mappingFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return mappingFiles(path);
      return path.endsWith('.json') ? [path] : [];
    })
    .sort();
}

/** `statement` and `parameters` of a recorded request body, from WireMock's body patterns. */
function requestKey(patterns: Record<string, unknown>[] | undefined): string | undefined {
  for (const pattern of patterns ?? []) {
    const raw = pattern.equalToJson ?? pattern.equalTo;
    const body: unknown = typeof raw === 'string' && raw.startsWith('{') ? JSON.parse(raw) : raw;
    if (body !== null && typeof body === 'object' && 'statement' in body) {
      const { statement, parameters } = body as { statement: string; parameters?: unknown[] };
      return JSON.stringify([statement, parameters ?? []]);
    }
  }
  return undefined;
}

function load(file: string): Recorded {
  const v = JSON.parse(readFileSync(file, 'utf8')) as Mapping;
  const request = v.request ?? {};
  const response = v.response ?? {};
  const url = ['url', 'urlPath', 'urlPattern', 'urlPathPattern']
    .map((k) => request[k])
    .find((u) => typeof u === 'string');
  let binary: Uint8Array | undefined;
  if (response.base64Body !== undefined) binary = Buffer.from(response.base64Body, 'base64');
  else if (response.bodyFileName !== undefined) {
    const path = join(ROOT, '__files', response.bodyFileName);
    if (existsSync(path)) binary = readFileSync(path);
  }
  return {
    file,
    method: request.method ?? '',
    url: (url as string | undefined) ?? '',
    status: response.status ?? 0,
    body: response.body,
    binary,
    request: requestKey(request.bodyPatterns),
  };
}

/** A pre-signed link without host and query: how a download mapping names its URL. */
function linkPath(url: string): string {
  const noQuery = url.split('?')[0];
  const scheme = noQuery.indexOf('://');
  if (scheme < 0) return noQuery;
  const slash = noQuery.indexOf('/', scheme + 3);
  return slash < 0 ? '' : noQuery.slice(slash);
}

function statementIdIn(url: string): string | undefined {
  return url.split('/sql/statements/')[1]?.split(/[/?]/)[0] || undefined;
}

// ---- pairing bodies with manifests -------------------------------------------------------

type Kind = 'inline' | 'json' | 'download';

/** One recorded result body, ready to decode. */
interface Body {
  /** The mapping file, for assertion messages. */
  where: string;
  /** The scenario folder that ran the statement (a download's is its link's). */
  scenario: string;
  kind: Kind;
  /** The recorded request's statement and parameters, when known. */
  request?: string;
  columns: ColumnInfo[];
  /** Arrow IPC stream, decoded as the ts backend decodes (LZ4 frames, IPC checks). */
  ipc: Uint8Array;
  /** Rows the server promised for this body (chunk or link row_count). */
  promised?: number;
  /** Rows the IPC walk counted. */
  counted: number;
}

interface Pending {
  where: string;
  scenario: string;
  kind: Kind;
  statementId: string;
  request?: string;
  data: ResultData;
  chunkIndex: number;
  bytes?: Uint8Array;
}

function scenarioOf(file: string): string {
  return relative(ROOT, file).split('/mappings/')[0];
}

function whereOf(file: string): string {
  return relative(ROOT, file);
}

function collectBodies(): Body[] {
  const manifests = new Map<string, Manifest>();
  const requests = new Map<string, string>();
  const pending: Pending[] = [];
  const links = new Map<string, { scenario: string; statementId: string; chunkIndex: number; rows?: number }>();

  const noteResult = (r: Recorded, statementId: string, data: ResultData) => {
    for (const link of data.external_links ?? []) {
      links.set(linkPath(link.external_link), {
        scenario: scenarioOf(r.file),
        statementId,
        chunkIndex: link.chunk_index,
        rows: link.row_count,
      });
    }
    if (data.attachment !== undefined || data.data_array !== undefined) {
      pending.push({
        where: whereOf(r.file),
        scenario: scenarioOf(r.file),
        kind: data.attachment !== undefined ? 'inline' : 'json',
        statementId,
        request: r.request,
        data,
        chunkIndex: data.chunk_index ?? 0,
      });
    }
  };

  for (const folder of ['sqlexecapi', 'sqlgatewayapi']) {
    for (const file of mappingFiles(join(ROOT, folder))) {
      const r = load(file);
      if (r.body === undefined || r.body.trim() === '' || r.status < 200 || r.status >= 300) continue;
      if (r.url.includes('/result/chunks/')) {
        const id = statementIdIn(r.url);
        assert.ok(id, `${whereOf(file)}: a chunk URL names its statement`);
        noteResult(r, id, asResultData(JSON.parse(r.body), whereOf(file)));
      } else if (r.url.includes('/sql/statements') && (r.method === 'POST' || r.method === 'GET')) {
        if (r.url.endsWith('/cancel')) continue;
        const s: StatementResponse = asStatementResponse(JSON.parse(r.body), whereOf(file));
        if (s.manifest) manifests.set(s.statement_id, s.manifest);
        if (r.request) requests.set(s.statement_id, r.request);
        if (s.result) noteResult(r, s.statement_id, s.result);
      }
    }
  }

  for (const file of mappingFiles(join(ROOT, 'cloudfetchapi'))) {
    const r = load(file);
    const link = r.binary && links.get(linkPath(r.url));
    // Volume file transfers (CSV, text) are downloads too, but no result link names them.
    if (!r.binary || !link) continue;
    pending.push({
      where: whereOf(file),
      // The scenario that ran the query, whose statements the download is paired with.
      scenario: link.scenario,
      kind: 'download',
      statementId: link.statementId,
      data: { chunk_index: link.chunkIndex, row_count: link.rows },
      chunkIndex: link.chunkIndex,
      bytes: r.binary,
    });
  }

  return pending.map((p) => {
    const manifest = manifests.get(p.statementId);
    assert.ok(manifest, `${p.where}: no manifest recorded for statement ${p.statementId}`);
    const columns = manifest.schema?.columns ?? [];
    const base = { where: p.where, scenario: p.scenario, kind: p.kind, columns };
    const request = p.request ?? requests.get(p.statementId);
    if (p.kind === 'json') {
      const rows = p.data.data_array ?? [];
      return { ...base, request, ipc: rowsToIpc(columns, rows), promised: p.data.row_count, counted: rows.length };
    }
    const body = p.bytes ?? Buffer.from(p.data.attachment ?? '', 'base64');
    // The size the manifest promises is checked as the ts backend checks it.
    const expectedBytes = manifest.chunks?.find((c) => c.chunk_index === p.chunkIndex)?.byte_count;
    const decoded = decodeInPlace({
      body,
      lz4: manifest.result_compression === 'LZ4_FRAME',
      expectedBytes,
      chunkIndex: p.chunkIndex,
    });
    return { ...base, request, ipc: decoded.bytes, promised: p.data.row_count, counted: decoded.rows };
  });
}

let cached: Body[] | undefined;
function bodies(): Body[] {
  cached ??= collectBodies();
  return cached;
}

// ---- rows and the policy -----------------------------------------------------------------

function rowsOf(body: Body, policy: ValuePolicy, mode: 'array' | 'object' = 'array'): unknown[] {
  const keys = rowKeys(body.columns.map((c) => c.name));
  return tableFromIPC(body.ipc).batches.flatMap((batch) => batchRows(batch, keys, mode, policy));
}

interface Check {
  what: string;
  ok: (v: unknown) => boolean;
}

const DAY_MS = 86_400_000;
const is = (what: string, ok: (v: unknown) => boolean): Check => ({ what, ok });
const INTEGER = is('an integer number', Number.isInteger);
const NUMBER = is('a number', (v) => typeof v === 'number');
const BIGINT = is('a bigint', (v) => typeof v === 'bigint');
const STRING = is('a string', (v) => typeof v === 'string');

function isYearMonth(column: ColumnInfo): boolean {
  const unit = column.type_interval_type ?? column.type_text ?? '';
  return /YEAR|MONTH/.test(unit);
}

/** What the README's value policy table promises for a column of this manifest type. */
function promised(column: ColumnInfo, policy: ValuePolicy): Check {
  switch ((column.type_name ?? 'STRING').toUpperCase()) {
    case 'TINYINT':
    case 'BYTE':
    case 'SMALLINT':
    case 'SHORT':
    case 'INT':
    case 'INTEGER':
      return INTEGER;
    case 'FLOAT':
    case 'DOUBLE':
      return NUMBER;
    case 'BIGINT':
    case 'LONG':
      return BIGINT;
    case 'DECIMAL': {
      if (policy.decimalAs === 'number') return NUMBER;
      const scale = column.type_scale ?? 0;
      const exact = new RegExp(`^-?\\d+${scale > 0 ? `\\.\\d{${scale}}` : ''}$`);
      return is(`exact text with ${scale} decimals`, (v) => typeof v === 'string' && exact.test(v));
    }
    case 'STRING':
    case 'VARIANT':
    case 'CHAR':
    case 'VARCHAR':
      return STRING;
    case 'BOOLEAN':
      return is('a boolean', (v) => typeof v === 'boolean');
    case 'BINARY':
      return is('a Uint8Array', (v) => v instanceof Uint8Array);
    case 'DATE':
      return policy.dateAs === 'string'
        ? is('YYYY-MM-DD text', (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v))
        : is('a Date at UTC midnight', (v) => v instanceof Date && v.getTime() % DAY_MS === 0);
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return policy.timestampAs === 'bigint'
        ? BIGINT
        : is('a valid Date', (v) => v instanceof Date && !Number.isNaN(v.getTime()));
    case 'INTERVAL':
      return isYearMonth(column) ? is('a number of months', Number.isInteger) : is('bigint microseconds', BIGINT.ok);
    case 'ARRAY':
      return is('an Array', Array.isArray);
    case 'STRUCT':
      return is('a plain object', (v) => v !== null && Object.getPrototypeOf(v) === Object.prototype);
    case 'MAP':
      return is('a Map', (v) => v instanceof Map);
    case 'NULL':
    case 'VOID':
      return is('null', (v) => v === null);
    default:
      return is(`something the policy table names (it does not name ${column.type_name})`, () => false);
  }
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()})`;
  return `${Object.prototype.toString.call(v)} ${JSON.stringify(v)}`;
}

/** Checks one body under one policy; returns how many rows it built. */
function checkBody(body: Body, name: string, policy: ValuePolicy): number {
  const at = `${body.where} (${body.kind}, ${name} policy)`;
  let rows: unknown[][];
  try {
    rows = rowsOf(body, policy) as unknown[][];
  } catch (e) {
    assert.fail(`${at}: building rows threw ${(e as Error).stack}`);
  }
  const schema = tableFromIPC(body.ipc).schema;
  assert.deepEqual(
    schema.fields.map((f) => f.name),
    body.columns.map((c) => c.name),
    `${at}: Arrow fields against the manifest's columns`,
  );
  assert.equal(rows.length, body.counted, `${at}: rows built against rows in the IPC stream`);
  if (body.promised !== undefined) assert.equal(rows.length, body.promised, `${at}: rows against the row_count`);
  const checks = body.columns.map((c) => promised(c, policy));
  rows.forEach((row, r) => {
    assert.equal(row.length, body.columns.length, `${at}: row ${r} width`);
    row.forEach((v, c) => {
      const column = body.columns[c];
      assert.ok(
        v === null || checks[c].ok(v),
        `${at}: row ${r} column ${JSON.stringify(column.name)} (${column.type_text}, Arrow ${schema.fields[c].type}) ` +
          `should be ${checks[c].what} but is ${show(v)}`,
      );
    });
  });
  // Object rows hold the same values under the keys rowKeys gives.
  const keys = rowKeys(body.columns.map((c) => c.name));
  const objects = rowsOf(body, policy, 'object') as Record<string, unknown>[];
  objects.forEach((o, r) => {
    assert.deepEqual(Object.keys(o), keys, `${at}: row ${r} keys`);
    assert.deepEqual(Object.values(o), rows[r], `${at}: row ${r} as an object`);
  });
  return rows.length;
}

function toBackendColumn(c: ColumnInfo): BackendColumn {
  return {
    name: c.name,
    typeText: c.type_text,
    typeName: c.type_name,
    typePrecision: c.type_precision,
    typeScale: c.type_scale,
  };
}

/** Bodies of one scenario (a folder name, or its last part) whose request contains `sql`. */
function find(scenario: string, sql: string, kinds: Kind[] = ['inline', 'download']): Body[] {
  const found = bodies().filter(
    (b) =>
      (b.scenario === scenario || b.scenario.endsWith(`/${scenario}`)) &&
      kinds.includes(b.kind) &&
      (b.request ?? '').includes(sql),
  );
  assert.ok(found.length > 0, `no recorded ${kinds.join('/')} body of ${scenario} for ${JSON.stringify(sql)}`);
  return found;
}

/** Rows of every matching body, under `policy`, must be `expected`. */
function expectRows(scenario: string, sql: string, policy: ValuePolicy, expected: unknown[][], kinds?: Kind[]): void {
  for (const body of find(scenario, sql, kinds)) {
    assert.deepEqual(rowsOf(body, policy), expected, `${body.where} (${body.kind})`);
  }
}

/** Epoch microseconds of an ISO instant with up to millisecond precision. */
const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

/** An INTERVAL DAY TO SECOND value in microseconds. */
function dayTime(days: number, hours: number, minutes: number, seconds: string): bigint {
  const [whole, fraction = ''] = seconds.split('.');
  const totalSeconds = BigInt(((days * 24 + hours) * 60 + minutes) * 60 + Number(whole));
  return totalSeconds * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

// ---- the tests ---------------------------------------------------------------------------

describe('recorded Databricks results through the value policy', () => {
  it('finds the recordings and pairs every result body with its manifest', () => {
    assert.ok(existsSync(ROOT), `the recordings are missing at ${ROOT} (or set SLUICE_RECORDINGS)`);
    const all = bodies();
    const byKind = (k: Kind) => all.filter((b) => b.kind === k);
    const scenarios = new Set(all.map((b) => b.scenario));
    const rows = all.reduce((n, b) => n + b.counted, 0);
    assert.ok(
      byKind('inline').length >= 1 && byKind('json').length >= 18 && byKind('download').length >= 90,
      `bodies: ${byKind('inline').length} inline, ${byKind('json').length} JSON_ARRAY, ${byKind('download').length} downloads`,
    );
    assert.ok(scenarios.size >= 50, `${scenarios.size} scenarios`);
    assert.ok(rows >= 60_000, `${rows} rows`);
  });

  it('builds every row under both policies with the types the README promises', () => {
    let built = 0;
    for (const body of bodies()) {
      for (const [name, policy] of POLICIES) built += checkBody(body, name, policy);
    }
    assert.ok(built > 0);
  });

  it('describes every recorded column with its SQL type name, precision and scale', () => {
    for (const body of bodies()) {
      describeColumns(body.columns.map(toBackendColumn)).forEach(([name, typeCode, , , precision, scale], c) => {
        const column = body.columns[c];
        const at = `${body.where}: column ${JSON.stringify(column.name)} (${column.type_text})`;
        assert.equal(name, column.name, at);
        // type_text is what the user wrote: DECIMAL(18,2), INTERVAL DAY TO HOUR, BIGINT, VOID.
        assert.ok(column.type_text?.startsWith(typeCode), `${at}: type code ${typeCode}`);
        const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(column.type_text ?? '');
        if (decimal) assert.deepEqual([precision, scale], [Number(decimal[1]), Number(decimal[2])], at);
      });
    }
  });

  it('maps every manifest type to the Arrow type the server sent (the JSON_ARRAY and empty-result schema)', () => {
    // The zone a TIMESTAMP carries is the session's; its values are UTC instants either way.
    const kind = (t: unknown) => String(t).replace(/^(Timestamp<\w+), [^>]+>$/, '$1, zone>');
    let columns = 0;
    for (const body of bodies().filter((b) => b.kind !== 'json')) {
      const fields = tableFromIPC(body.ipc).schema.fields;
      body.columns.forEach((column, c) => {
        assert.equal(kind(arrowType(column)), kind(fields[c].type), `${body.where}: column ${column.name}`);
        columns += 1;
      });
    }
    assert.ok(columns > 0);
  });

  it('gives the same rows for a JSON_ARRAY answer and an Arrow answer to the same request', () => {
    let pairs = 0;
    for (const json of bodies().filter((b) => b.kind === 'json' && b.request !== undefined)) {
      const arrow = bodies().filter(
        (b) => b.kind !== 'json' && b.scenario === json.scenario && b.request === json.request,
      );
      for (const other of arrow) {
        for (const [name, policy] of POLICIES) {
          assert.deepEqual(rowsOf(other, policy), rowsOf(json, policy), `${other.where} vs ${json.where} (${name})`);
        }
        pairs += 1;
      }
    }
    assert.ok(pairs >= 5, `${pairs} JSON_ARRAY/Arrow pairs`);
  });

  it('reads the values the recorded SQL text and parameters spell out', () => {
    const set = 'preparedstatementintegrationtests/testsetobject.invocation';
    const select = 'SELECT col1 FROM main.jdbc_test_schema.prepared_statement_set_object_test_table';
    // The parameters the recorded INSERTs bound: INT 1, DOUBLE 1.236, DECIMAL(10,2) 123.45 and
    // 123.46, DECIMAL(10,4) 0.0000, STRING 'test', a STRING without a value (NULL), BOOLEAN true.
    expectRows(`${set}1`, select, DEFAULT_POLICY, [[1]]);
    expectRows(`${set}2`, select, DEFAULT_POLICY, [[1.236]]);
    expectRows(`${set}3`, select, DEFAULT_POLICY, [['123.45']]);
    expectRows(`${set}3`, select, ALTERNATE, [[123.45]]);
    expectRows(`${set}4`, select, DEFAULT_POLICY, [['123.46']]);
    expectRows(`${set}5`, select, DEFAULT_POLICY, [['0.0000']]);
    expectRows(`${set}6`, select, DEFAULT_POLICY, [['test']]);
    expectRows(`${set}7`, select, DEFAULT_POLICY, [[null]]);
    expectRows(`${set}8`, select, DEFAULT_POLICY, [[true]]);

    // INSERT ... VALUES (1, X'010203') and (1, X'').
    const bytes = 'testpreparedstatementsetbytesvalidarray.invocation';
    const selectBytes = 'SELECT col1, col2 FROM';
    expectRows(`${bytes}1`, selectBytes, DEFAULT_POLICY, [[1, Uint8Array.of(1, 2, 3)]]);
    expectRows(`${bytes}2`, selectBytes, DEFAULT_POLICY, [[1, new Uint8Array(0)]]);

    // INSERT ... VALUES (1, '2021-01-01 00:00:00', 123.45, '2021-01-01'), in a UTC session.
    const complex = 'testretrievalofcomplexdatatypes';
    const selectComplex = 'SELECT datetime_col, decimal_col, date_col';
    const newYear = '2021-01-01T00:00:00Z';
    expectRows(complex, selectComplex, DEFAULT_POLICY, [[new Date(newYear), '123.45', new Date(newYear)]]);
    expectRows(complex, selectComplex, ALTERNATE, [[micros(newYear), 123.45, '2021-01-01']]);

    // The literal strings of the recorded VALUES list, one NULL among them.
    expectRows(
      'teststringedgecases',
      'string_edge_cases',
      DEFAULT_POLICY,
      [
        [1, '   leading and trailing spaces   '],
        [2, 'こんにちは'],
        [3, 'special chars: !@#$%^&*()'],
        [4, 'string with "double quotes" inside'],
        [5, null],
      ],
      ['download', 'json'],
    );

    // SELECT NULL (type VOID), SELECT CAST(NULL AS DOUBLE), SELECT NULL UNION (SELECT 1).
    expectRows('testnullhandling.invocation1', 'SELECT NULL', DEFAULT_POLICY, [[null]], ['download', 'json']);
    expectRows('testnullhandling.invocation2', 'CAST(NULL AS DOUBLE)', DEFAULT_POLICY, [[null]], ['download', 'json']);
    expectRows('testnullhandling.invocation3', 'UNION', DEFAULT_POLICY, [[null], [1]], ['download', 'json']);

    // BIGINT counts of a recorded three-row INSERT (Arrow) and a one-row INSERT (JSON_ARRAY).
    expectRows('testvarianttypes', 'INSERT INTO', DEFAULT_POLICY, [[3n, 3n]]);
    expectRows(`${set}1`, 'INSERT INTO', DEFAULT_POLICY, [[1n, 1n]], ['json']);
  });

  it('reads intervals as months and as microseconds', () => {
    // INSERT ... VALUES (INTERVAL '100' YEAR, INTERVAL '1200' MONTH, INTERVAL '100-0' YEAR TO
    // MONTH, INTERVAL '3' DAY, '3 4' DAY TO HOUR, '3 04:30' DAY TO MINUTE, '3 04:30:20.123' DAY
    // TO SECOND, '27' HOUR, '27:15' HOUR TO MINUTE, '27:15:20.456' HOUR TO SECOND, '90:30.5'
    // MINUTE TO SECOND, '45.789' SECOND).
    const expected = [
      1200,
      1200,
      1200,
      dayTime(3, 0, 0, '0'),
      dayTime(3, 4, 0, '0'),
      dayTime(3, 4, 30, '0'),
      dayTime(3, 4, 30, '20.123'),
      dayTime(0, 27, 0, '0'),
      dayTime(0, 27, 15, '0'),
      dayTime(0, 27, 15, '20.456'),
      dayTime(0, 0, 90, '30.5'),
      dayTime(0, 0, 0, '45.789'),
    ];
    for (const [, policy] of POLICIES) {
      expectRows('testintervaltypes', 'SELECT * FROM main.jdbc_test_schema.intervals_demo', policy, [expected]);
    }
  });

  it('reads TIMESTAMP columns with a session time zone as the instants the server meant', () => {
    // The JSON_ARRAY answer to the same SELECT spells the instants out with their offsets:
    // 2021-01-01T10:00:00.000-08:00 and 2021-06-15T12:34:56.789-07:00; the Arrow answer carries
    // America/Los_Angeles in its Timestamp type.
    const select = 'SELECT id, ts FROM main.jdbc_test_schema.timestamp_test_table';
    const first = '2021-01-01T18:00:00.000Z';
    const second = '2021-06-15T19:34:56.789Z';
    const kinds: Kind[] = ['download', 'json'];
    expectRows(
      'testtimestamp',
      select,
      ALTERNATE,
      [
        [1, micros(first)],
        [2, micros(second)],
        [3, null],
      ],
      kinds,
    );
    expectRows(
      'testtimestamp',
      select,
      DEFAULT_POLICY,
      [
        [1, new Date(first)],
        [2, new Date(second)],
        [3, null],
      ],
      kinds,
    );
    // from_utc_timestamp('2021-06-15 12:34:56.789', 'America/Los_Angeles') in a Los Angeles
    // session: the UTC wall clock shown in Los Angeles, 05:34:56.789 PDT, is 12:34:56.789Z.
    expectRows('testtimestampwithtimezoneconversion', 'SELECT id, ts', ALTERNATE, [
      [1, micros('2021-06-15T12:34:56.789Z')],
    ]);
  });

  it('reads VARIANT as its JSON text', () => {
    // INSERT ... VALUES (1, PARSE_JSON('{"key": "value", "number": 123}')),
    // (2, PARSE_JSON('{"nested": {"a": "b", "c": [1, 2, 3]}, "flag": true}')), (3, NULL).
    for (const body of find('testvarianttypes', 'SELECT id, variant_col')) {
      const rows = rowsOf(body, DEFAULT_POLICY) as [number, string | null][];
      assert.deepEqual(
        rows.map(([id, v]) => [id, v === null ? null : JSON.parse(v)]),
        [
          [1, { key: 'value', number: 123 }],
          [2, { nested: { a: 'b', c: [1, 2, 3] }, flag: true }],
          [3, null],
        ],
        body.where,
      );
    }
  });
});
