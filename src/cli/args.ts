/** The CLI's command line: parsed with node:util, checked, and turned into what a run needs. */

import { parseArgs } from 'node:util';
import { type ExportFormat, FORMATS } from '../export/options';
import type { ConnectionFlags } from './profile';
import { UsageError } from './usage';

export type OutputFormat = 'table' | ExportFormat;

export interface CliArgs {
  help: boolean;
  version: boolean;
  sql?: string;
  file?: string;
  format?: OutputFormat;
  output?: string;
  local: boolean;
  backend?: 'native' | 'ts';
  progress?: boolean;
  header: boolean;
  nullText?: string;
  exactNumbers?: 'string' | 'number';
  connection: ConnectionFlags;
}

export const HELP = `Usage: sluice [options] [SQL]

Runs SQL on a Databricks SQL warehouse and writes the result of the last statement
to stdout or a file: one file, every row once, in bounded memory.

SQL comes from the argument, from -f FILE (- for stdin), or from piped stdin. A
script's statements run in order and stop at the first error.

Output
  --format F         table, csv, tsv, json, ndjson, arrow or parquet. Default: from
                     the -o extension, else table on a terminal and csv otherwise
  -o, --output FILE  write here (whole, or not at all); default stdout
  --no-header        CSV/TSV without the header line
  --null TEXT        CSV/TSV text of NULL (default: empty field)
  --numbers MODE     JSON/NDJSON: BIGINT and DECIMAL as "string" (default) or "number"
  --progress         progress on stderr even when it is not a terminal
  --no-progress      no progress line

Connection (flags, else environment, else a ~/.databrickscfg profile)
  --host HOST        workspace host            DATABRICKS_HOST
  --http-path PATH   warehouse HTTP path       DATABRICKS_HTTP_PATH
  --warehouse-id ID  warehouse id              DATABRICKS_WAREHOUSE_ID
  --token TOKEN      personal access token     DATABRICKS_TOKEN
  --client-id ID     OAuth M2M client          DATABRICKS_CLIENT_ID
  --client-secret S                            DATABRICKS_CLIENT_SECRET
  --profile NAME     profile of ~/.databrickscfg  DATABRICKS_CONFIG_PROFILE
  --ca-file PATH     PEM CA certificates to trust  SLUICE_CA_FILE
  --local            start the embedded local warehouse for this run
  --backend B        native (default) or ts

  -f, --file FILE    read SQL from FILE (- for stdin)
  -h, --help         this help
  -V, --version      the version

Exit codes: 0 ok, 1 SQL error, 2 connection or auth error, 3 bad usage,
130 interrupted (the statement is cancelled and partial output removed).
`;

const EXTENSIONS: Record<string, ExportFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  arrow: 'arrow',
  arrows: 'arrow',
  parquet: 'parquet',
};

/** The format a file name implies, if its extension names one. */
export function formatOfPath(path: string): ExportFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext ? EXTENSIONS[ext] : undefined;
}

export function parseCli(argv: string[]): CliArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError('give the SQL as one argument (quote it)');
  if (positionals.length === 1 && v.file !== undefined)
    throw new UsageError('give SQL as an argument or with -f, not both');
  const format = v.format;
  if (format !== undefined && format !== 'table' && !FORMATS.includes(format as ExportFormat)) {
    throw new UsageError(`--format must be table, ${FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  }
  if (v.backend !== undefined && v.backend !== 'native' && v.backend !== 'ts') {
    throw new UsageError('--backend must be native or ts');
  }
  if (v.numbers !== undefined && v.numbers !== 'string' && v.numbers !== 'number') {
    throw new UsageError('--numbers must be string or number');
  }
  if (v.progress && v['no-progress']) throw new UsageError('--progress and --no-progress contradict each other');
  return {
    help: v.help ?? false,
    version: v.version ?? false,
    sql: positionals[0],
    file: v.file,
    format: format as OutputFormat | undefined,
    output: v.output,
    local: v.local ?? false,
    backend: v.backend as CliArgs['backend'],
    progress: v.progress ? true : v['no-progress'] ? false : undefined,
    header: !v['no-header'],
    nullText: v.null,
    exactNumbers: v.numbers as CliArgs['exactNumbers'],
    connection: {
      host: v.host,
      httpPath: v['http-path'],
      warehouseId: v['warehouse-id'],
      token: v.token,
      clientId: v['client-id'],
      clientSecret: v['client-secret'],
      profile: v.profile,
      caFile: v['ca-file'],
    },
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
      file: { type: 'string', short: 'f' },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      'no-header': { type: 'boolean' },
      null: { type: 'string' },
      numbers: { type: 'string' },
      progress: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      host: { type: 'string' },
      'http-path': { type: 'string' },
      'warehouse-id': { type: 'string' },
      token: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      profile: { type: 'string' },
      'ca-file': { type: 'string' },
      local: { type: 'boolean' },
      backend: { type: 'string' },
    },
  });
}
