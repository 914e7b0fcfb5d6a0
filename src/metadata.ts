/**
 * Metadata over the SHOW commands (protocol.md §6), as rows named like other drivers' results.
 * The native backend runs this logic in the kernel (crates/kernel/src/metadata.rs); this module is
 * the same logic for the ts backend, over its statements. The cross-backend tests hold both equal.
 */

import { tableFromIPC } from 'apache-arrow';
import type { BackendStatement } from './backend';
import { programmingError } from './errors';
import { batchRows, DEFAULT_POLICY } from './values';

export interface CatalogRow {
  TABLE_CAT: string;
}

export interface SchemaRow {
  TABLE_SCHEM: string;
  TABLE_CATALOG: string;
}

export interface TableRow {
  TABLE_CAT: string;
  TABLE_SCHEM: string;
  TABLE_NAME: string;
  TABLE_TYPE: string;
  REMARKS?: string;
}

export interface ColumnRow {
  TABLE_CAT: string;
  TABLE_SCHEM: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  TYPE_NAME: string;
  COLUMN_SIZE?: number;
  DECIMAL_DIGITS?: number;
  NUM_PREC_RADIX?: number;
  IS_NULLABLE: string;
  REMARKS?: string;
  ORDINAL_POSITION?: number;
  IS_AUTO_INCREMENT?: string;
  IS_GENERATEDCOLUMN?: string;
}

/** Patterns are SQL LIKE patterns: `%` any run, `_` one character, `\` escapes. */
export interface SchemasQuery {
  catalog?: string;
  schemaPattern?: string;
}

export interface TablesQuery extends SchemasQuery {
  tableNamePattern?: string;
  /** Case-insensitive filter, e.g. `['TABLE', 'VIEW']`; all types when absent or empty. */
  tableTypes?: string[];
}

export interface ColumnsQuery {
  /** Required: warehouses cannot list the columns of every catalog at once. */
  catalog: string;
  schemaPattern?: string;
  tableNamePattern?: string;
  columnNamePattern?: string;
}

const identifier = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/** A SQL LIKE pattern as the glob SHOW ... LIKE takes, quoted as a string literal. */
export function like(pattern: string): string {
  let glob = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      if (i < pattern.length) glob += pattern[i];
    } else if (c === '%') glob += '*';
    else if (c === '_') glob += '.';
    else glob += c;
  }
  return `'${glob.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

const everyCatalog = (catalog: string | undefined) =>
  catalog === undefined || catalog === '' || catalog === '%' || catalog === '*';

export function schemasSql({ catalog, schemaPattern }: SchemasQuery): string {
  let sql = everyCatalog(catalog) ? 'SHOW SCHEMAS IN ALL CATALOGS' : `SHOW SCHEMAS IN ${identifier(catalog as string)}`;
  if (schemaPattern !== undefined) sql += ` LIKE ${like(schemaPattern)}`;
  return sql;
}

export function tablesSql({ catalog, schemaPattern, tableNamePattern }: TablesQuery): string {
  let sql = everyCatalog(catalog)
    ? 'SHOW TABLES IN ALL CATALOGS'
    : `SHOW TABLES IN CATALOG ${identifier(catalog as string)}`;
  if (schemaPattern !== undefined) sql += ` SCHEMA LIKE ${like(schemaPattern)}`;
  if (tableNamePattern !== undefined) sql += ` LIKE ${like(tableNamePattern)}`;
  return sql;
}

export function columnsSql({ catalog, schemaPattern, tableNamePattern, columnNamePattern }: ColumnsQuery): string {
  if (everyCatalog(catalog)) throw programmingError('columns() needs a catalog name');
  let sql = `SHOW COLUMNS IN CATALOG ${identifier(catalog)}`;
  if (schemaPattern !== undefined) sql += ` SCHEMA LIKE ${like(schemaPattern)}`;
  if (tableNamePattern !== undefined) sql += ` TABLE LIKE ${like(tableNamePattern)}`;
  if (columnNamePattern !== undefined) sql += ` LIKE ${like(columnNamePattern)}`;
  return sql;
}

type Raw = Record<string, unknown>;

/** Runs one SHOW statement to the end and returns its rows keyed by column name. */
export async function show(statement: BackendStatement, sql: string): Promise<Raw[]> {
  try {
    const info = await statement.execute(sql, {});
    const keys = info.columns.map((c) => c.name);
    const rows: Raw[] = [];
    for (let chunk = await statement.nextChunk(); chunk !== null; chunk = await statement.nextChunk()) {
      for (const batch of tableFromIPC(chunk).batches) {
        for (const row of batchRows(batch, keys, 'object', DEFAULT_POLICY)) rows.push(row as Raw);
      }
    }
    return rows;
  } finally {
    await statement.close();
  }
}

/**
 * Rows without the keys whose value is absent and, given `order`, with their keys in that order,
 * so both backends produce the same objects (what JSON.stringify and Object.keys show included).
 */
export function defined<T extends object>(rows: T[], order?: readonly (keyof T & string)[]): T[] {
  return rows.map((row) => {
    const keys = order ?? (Object.keys(row) as (keyof T & string)[]);
    return Object.fromEntries(keys.filter((k) => row[k] !== undefined).map((k) => [k, row[k]])) as T;
  });
}

/** The keys of a column row in the order of the ColumnRow interface (and of JDBC's getColumns). */
export const COLUMN_ROW_KEYS: readonly (keyof ColumnRow)[] = [
  'TABLE_CAT',
  'TABLE_SCHEM',
  'TABLE_NAME',
  'COLUMN_NAME',
  'TYPE_NAME',
  'COLUMN_SIZE',
  'DECIMAL_DIGITS',
  'NUM_PREC_RADIX',
  'IS_NULLABLE',
  'REMARKS',
  'ORDINAL_POSITION',
  'IS_AUTO_INCREMENT',
  'IS_GENERATEDCOLUMN',
];

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const optionalText = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : String(v));
const optionalInt = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

export const mapRows = {
  catalogs: (rows: Raw[]): CatalogRow[] => rows.map((r) => ({ TABLE_CAT: text(r.catalog) })),
  schemas: (rows: Raw[], query: SchemasQuery): SchemaRow[] =>
    rows.map((r) => ({
      TABLE_SCHEM: text(r.databaseName),
      // SHOW SCHEMAS IN <catalog> has no catalog column: it is the one asked for.
      TABLE_CATALOG: everyCatalog(query.catalog) ? text(r.catalog) : (query.catalog as string),
    })),
  tables: (rows: Raw[], query: TablesQuery): TableRow[] => {
    const types = (query.tableTypes ?? []).map((t) => t.toUpperCase());
    return defined(
      rows
        .filter((r) => types.length === 0 || types.includes(text(r.tableType).toUpperCase()))
        .map((r) => ({
          TABLE_CAT: text(r.catalogName),
          TABLE_SCHEM: text(r.namespace),
          TABLE_NAME: text(r.tableName),
          TABLE_TYPE: text(r.tableType),
          REMARKS: optionalText(r.remarks),
        })),
    );
  },
  columns: (rows: Raw[]): ColumnRow[] =>
    defined(
      rows.map((r) => ({
        TABLE_CAT: text(r.catalogName),
        TABLE_SCHEM: text(r.namespace),
        TABLE_NAME: text(r.tableName),
        COLUMN_NAME: text(r.col_name),
        TYPE_NAME: text(r.columnType),
        COLUMN_SIZE: optionalInt(r.columnSize),
        DECIMAL_DIGITS: optionalInt(r.decimalDigits),
        NUM_PREC_RADIX: optionalInt(r.radix),
        IS_NULLABLE: r.isNullable === 'false' || r.isNullable === 'NO' ? 'NO' : 'YES',
        REMARKS: optionalText(r.remarks),
        ORDINAL_POSITION: optionalInt(r.ordinalPosition),
        IS_AUTO_INCREMENT: optionalText(r.isAutoIncrement),
        IS_GENERATEDCOLUMN: optionalText(r.isGenerated),
      })),
    ),
};
