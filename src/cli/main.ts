#!/usr/bin/env node
/**
 * `sluice`: runs SQL on a Databricks SQL warehouse and writes the last statement's result to
 * stdout or a file (see HELP in args.ts). Data goes to stdout, everything else to stderr.
 */

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Connection, connect } from '../connection';
import { SluiceError } from '../errors';
import type { ExportProgress } from '../export/options';
import { type LocalWarehouse, startLocalWarehouse } from '../local-warehouse';
import { OptionsError } from '../options';
import { PACKAGE_ROOT } from '../package-root';
import { type CliArgs, formatOfPath, HELP, parseCli } from './args';
import { resolveConnection } from './profile';
import { ProgressLine } from './progress';
import { splitStatements } from './split-sql';
import { renderTable } from './table';
import { EXIT, UsageError } from './usage';

/** Rows a terminal table shows at most; the other formats have no limit. */
const TABLE_ROWS = 1000;

/** The CLI sets no statement timeout: a Timeout is a request to the warehouse that got no answer. */
const CONNECTION_CODES = new Set([
  'Unauthenticated',
  'PermissionDenied',
  'Network',
  'Unavailable',
  'Timeout',
  'NotFound',
  'Closed',
]);

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function sqlOf(args: CliArgs): Promise<string> {
  if (args.sql !== undefined) return args.sql;
  if (args.file === '-') return readStdin();
  if (args.file !== undefined) {
    try {
      return readFileSync(args.file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${args.file}: ${(e as Error).message}`);
    }
  }
  if (process.stdin.isTTY)
    throw new UsageError('no SQL: give it as an argument, with -f FILE, or on stdin (see --help)');
  return readStdin();
}

/** Runs the command; resolves to the exit code. `interrupt` aborts on Ctrl-C. */
async function run(argv: string[], interrupt: AbortSignal): Promise<number> {
  const args = parseCli(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (args.version) {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`sluice ${version}\n`);
    return EXIT.ok;
  }
  const statements = splitStatements(await sqlOf(args));
  if (statements.length === 0) throw new UsageError('the SQL holds no statement');
  const format =
    args.format ??
    (args.output !== undefined ? (formatOfPath(args.output) ?? 'csv') : process.stdout.isTTY ? 'table' : 'csv');
  if (args.output === undefined && process.stdout.isTTY && (format === 'arrow' || format === 'parquet')) {
    throw new UsageError(`${format} is binary: write it to a file with -o, or pipe stdout`);
  }
  const configured = args.local ? undefined : resolveConnection(args.connection, process.env, homedir());

  let warehouse: LocalWarehouse | undefined;
  let connection: Connection | undefined;
  try {
    try {
      let options = configured;
      if (args.local) {
        warehouse = await startLocalWarehouse();
        options = warehouse.connectOptions();
      }
      if (!options) throw new UsageError('no connection settings');
      connection = await connect({
        ...options,
        ...(args.backend ? { backend: args.backend } : {}),
        rowMode: 'array',
        dateAs: 'string',
      });
    } catch (e) {
      if (e instanceof OptionsError || e instanceof UsageError) throw e;
      report(e);
      return EXIT.connection;
    }
    for (let i = 0; i < statements.length; i++) {
      const last = i === statements.length - 1;
      await using cursor = connection.cursor<unknown[]>();
      await cursor.execute(statements[i], undefined, { signal: interrupt });
      if (cursor.description === null) continue;
      if (format === 'table') {
        const rows = await cursor.fetchmany(TABLE_ROWS, { signal: interrupt });
        const columns = cursor.description.map((d) => d[0]);
        process.stdout.write(`${renderTable(columns, rows)}\n`);
        if (cursor.rowcount > rows.length) {
          process.stderr.write(
            `(showing the first ${rows.length} of ${cursor.rowcount} rows; use --format csv for all)\n`,
          );
        }
        continue;
      }
      // Earlier statements run for their effects (USE, SET, CREATE ...); the last one's result is the output.
      if (!last) continue;
      await exportResult(args, format, cursor, interrupt);
    }
    return EXIT.ok;
  } finally {
    await connection?.close().catch(() => undefined);
    await warehouse?.stop();
  }
}

async function exportResult(
  args: CliArgs,
  format: Exclude<CliArgs['format'], 'table' | undefined>,
  cursor: import('../cursor').Cursor<unknown[]>,
  interrupt: AbortSignal,
): Promise<void> {
  const showProgress = args.progress ?? process.stderr.isTTY === true;
  const progress = showProgress ? new ProgressLine(process.stderr, process.stderr.isTTY === true) : undefined;
  let last: ExportProgress = { rows: 0, bytes: 0, totalRows: cursor.rowcount >= 0 ? cursor.rowcount : null };
  try {
    await cursor.export(args.output ?? process.stdout, {
      format,
      header: args.header,
      ...(args.nullText !== undefined ? { nullText: args.nullText } : {}),
      ...(args.exactNumbers ? { exactNumbers: args.exactNumbers } : {}),
      signal: interrupt,
      onProgress: (p) => {
        last = p;
        progress?.update(p);
      },
    });
    progress?.done(last);
  } finally {
    progress?.close();
  }
}

function report(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`sluice: ${message}\n`);
}

function exitCode(e: unknown, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  if (e instanceof UsageError || e instanceof OptionsError) return EXIT.usage;
  if (e instanceof SluiceError) {
    if (CONNECTION_CODES.has(e.code)) return EXIT.connection;
    if (e.code === 'InvalidArgument' && e.sqlState === undefined) return EXIT.usage;
  }
  return EXIT.sql;
}

async function main(): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\nsluice: interrupted, cancelling\n');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  let code: number;
  try {
    code = await run(process.argv.slice(2), controller.signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') code = EXIT.ok;
    else {
      code = exitCode(e, controller.signal.aborted);
      if (code !== EXIT.interrupted) report(e);
      if (code === EXIT.usage) process.stderr.write('(see sluice --help)\n');
    }
  }
  process.exitCode = code;
  // Native handles may outlive the work: leave once the output is flushed.
  setTimeout(() => process.exit(code), 200).unref();
}

void main();
