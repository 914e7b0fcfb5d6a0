/**
 * pyarrow as the independent reader of exported files. Installed once into a cache outside the
 * clone (~/.cache/sluice-test-py, or $SLUICE_TEST_PY) with pip, then run with that PYTHONPATH.
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TARGET = process.env.SLUICE_TEST_PY ?? join(homedir(), '.cache', 'sluice-test-py');

export function ensurePyarrow(): void {
  if (existsSync(join(TARGET, 'pyarrow'))) return;
  execFileSync('python3', ['-m', 'pip', 'install', '-q', '--target', TARGET, 'pyarrow'], { stdio: 'inherit' });
}

/** What the reader found in an exported lineitem file. */
export interface Digest {
  rows: number;
  /** Lines equal to the header line (CSV and TSV), else null. */
  headers: number | null;
  /** True when (l_orderkey, l_linenumber) strictly increase: rows in order, each once. */
  ordered: boolean;
  sum_orderkey: string;
  sum_linenumber: string;
  sum_extendedprice: string;
  sum_comment_length: string;
  max_shipdate: string;
}

const SCRIPT = String.raw`
import sys, json, decimal
import pyarrow as pa, pyarrow.csv as pcsv, pyarrow.json as pjson, pyarrow.ipc as ipc, pyarrow.parquet as pq
fmt, path = sys.argv[1], sys.argv[2]
headers = None
if fmt in ('csv', 'tsv'):
    delim = ',' if fmt == 'csv' else '\t'
    with open(path, encoding='utf-8') as f:
        first = f.readline()
        headers = 1 + sum(1 for line in f if line == first)
    names = first.rstrip('\n').split(delim)
    t = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=delim),
        convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    cols = {n: t.column(n).to_pylist() for n in ('l_orderkey','l_linenumber','l_extendedprice','l_comment','l_shipdate')}
elif fmt == 'ndjson':
    t = pjson.read_json(path)
    cols = {n: t.column(n).to_pylist() for n in ('l_orderkey','l_linenumber','l_extendedprice','l_comment','l_shipdate')}
elif fmt == 'json':
    with open(path, encoding='utf-8') as f:
        rows = json.load(f, parse_float=decimal.Decimal)
    cols = {n: [r[n] for r in rows] for n in ('l_orderkey','l_linenumber','l_extendedprice','l_comment','l_shipdate')}
else:
    t = ipc.open_stream(path).read_all() if fmt == 'arrow' else pq.read_table(path)
    cols = {n: t.column(n).to_pylist() for n in ('l_orderkey','l_linenumber','l_extendedprice','l_comment','l_shipdate')}
ok = [int(v) for v in cols['l_orderkey']]
ln = [int(v) for v in cols['l_linenumber']]
keys = list(zip(ok, ln))
ordered = all(a < b for a, b in zip(keys, keys[1:]))
price = sum((decimal.Decimal(str(v)) for v in cols['l_extendedprice']), decimal.Decimal(0))
print(json.dumps({
    'rows': len(ok), 'headers': headers, 'ordered': ordered,
    'sum_orderkey': str(sum(ok)), 'sum_linenumber': str(sum(ln)), 'sum_extendedprice': str(price),
    'sum_comment_length': str(sum(len(c) for c in cols['l_comment'])),
    'max_shipdate': max(str(d)[:10] for d in cols['l_shipdate']),
}))
`;

/** Reads an exported lineitem file with pyarrow (or Python's json for a JSON array). */
export function digest(format: string, path: string): Digest {
  const out = execFileSync('python3', ['-c', SCRIPT, format, path], {
    env: { ...process.env, PYTHONPATH: TARGET },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as Digest;
}

/** Runs a short Python snippet with pyarrow importable; returns its stdout. */
export function python(code: string, ...args: string[]): string {
  return execFileSync('python3', ['-c', code, ...args], { env: { ...process.env, PYTHONPATH: TARGET } }).toString();
}
