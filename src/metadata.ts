/**
 * Metadata calls, written once for both engines: each is a SHOW statement (protocol.md §6) run
 * through `BackendConnection.statement()`, its rows renamed as JDBC's DatabaseMetaData names them
 * (TABLE_CAT, TABLE_SCHEM, ...). Type info and table types are fixed tables, as in the official
 * drivers. Patterns are SQL LIKE patterns: `%` any run, `_` one character, `\` escapes.
 */

import type { BackendStatement } from './backend';
import { chunkBatches } from './chunk-batches';
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

/** One column of a table's primary key (JDBC `getPrimaryKeys`). */
export interface PrimaryKeyRow {
  TABLE_CAT: string;
  TABLE_SCHEM: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  /** 1-based position of the column in the key. */
  KEY_SEQ: number;
  PK_NAME?: string;
}

/** One column of a foreign key (JDBC `getImportedKeys` and `getCrossReference`). */
export interface ForeignKeyRow {
  PKTABLE_CAT: string;
  PKTABLE_SCHEM: string;
  PKTABLE_NAME: string;
  PKCOLUMN_NAME: string;
  FKTABLE_CAT: string;
  FKTABLE_SCHEM: string;
  FKTABLE_NAME: string;
  FKCOLUMN_NAME: string;
  KEY_SEQ: number;
  UPDATE_RULE?: number;
  DELETE_RULE?: number;
  FK_NAME?: string;
  PK_NAME?: string;
  DEFERRABILITY?: number;
}

/** A function (JDBC `getFunctions`). */
export interface FunctionRow {
  FUNCTION_CAT: string;
  FUNCTION_SCHEM: string;
  FUNCTION_NAME: string;
  REMARKS?: string;
  /** JDBC's functionResultUnknown (0), functionNoTable (1) or functionReturnsTable (2). */
  FUNCTION_TYPE?: number;
  SPECIFIC_NAME: string;
}

/** A data type of the warehouse (JDBC `getTypeInfo`). */
export interface TypeInfoRow {
  TYPE_NAME: string;
  /** The `java.sql.Types` code. */
  DATA_TYPE: number;
  PRECISION?: number;
  LITERAL_PREFIX?: string;
  LITERAL_SUFFIX?: string;
  CREATE_PARAMS?: string;
  /** JDBC's typeNullable (1). */
  NULLABLE: number;
  CASE_SENSITIVE: boolean;
  /** JDBC's typePredNone (0) or typeSearchable (3). */
  SEARCHABLE: number;
  UNSIGNED_ATTRIBUTE: boolean;
  FIXED_PREC_SCALE: boolean;
  AUTO_INCREMENT: boolean;
  LOCAL_TYPE_NAME?: string;
  MINIMUM_SCALE?: number;
  MAXIMUM_SCALE?: number;
  NUM_PREC_RADIX?: number;
}

export interface TableTypeRow {
  TABLE_TYPE: string;
}

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

/** One table, named exactly (no patterns), as SHOW KEYS and SHOW FOREIGN KEYS take it. */
export interface TableQuery {
  catalog: string;
  schema: string;
  table: string;
}

/** The foreign keys of `foreign*` that reference `parent*` (JDBC `getCrossReference`). */
export interface CrossReferenceQuery {
  parentCatalog: string;
  parentSchema: string;
  parentTable: string;
  foreignCatalog: string;
  foreignSchema: string;
  foreignTable: string;
}

export interface FunctionsQuery {
  /** Required, as for columns. */
  catalog: string;
  schemaPattern?: string;
  functionNamePattern?: string;
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

/** The catalog a call cannot do without, checked before anything is sent. */
function oneCatalog(call: string, catalog: string | undefined): string {
  if (typeof catalog !== 'string' || everyCatalog(catalog)) throw programmingError(`${call}() needs a catalog name`);
  return catalog;
}

function oneTable(call: string, q: TableQuery): string {
  const catalog = oneCatalog(call, q.catalog);
  for (const key of ['schema', 'table'] as const) {
    if (typeof q[key] !== 'string' || q[key] === '') throw programmingError(`${call}() needs a ${key} name`);
  }
  return `IN CATALOG ${identifier(catalog)} IN SCHEMA ${identifier(q.schema)} IN TABLE ${identifier(q.table)}`;
}

/** Appends ` <clause> LIKE '<glob>'` for each pattern given. */
function likes(sql: string, clauses: [string, string | undefined][]): string {
  for (const [clause, pattern] of clauses) {
    if (pattern !== undefined) sql += ` ${clause}LIKE ${like(pattern)}`;
  }
  return sql;
}

/** The statement each call sends: the texts of JDBC and ADBC, with backtick-quoted names. */
export const metadataSql = {
  catalogs: () => 'SHOW CATALOGS',
  schemas: ({ catalog, schemaPattern }: SchemasQuery) =>
    likes(everyCatalog(catalog) ? 'SHOW SCHEMAS IN ALL CATALOGS' : `SHOW SCHEMAS IN ${identifier(catalog as string)}`, [
      ['', schemaPattern],
    ]),
  tables: ({ catalog, schemaPattern, tableNamePattern }: TablesQuery) =>
    likes(
      everyCatalog(catalog) ? 'SHOW TABLES IN ALL CATALOGS' : `SHOW TABLES IN CATALOG ${identifier(catalog as string)}`,
      [
        ['SCHEMA ', schemaPattern],
        ['', tableNamePattern],
      ],
    ),
  columns: (q: ColumnsQuery) =>
    likes(`SHOW COLUMNS IN CATALOG ${identifier(oneCatalog('columns', q.catalog))}`, [
      ['SCHEMA ', q.schemaPattern],
      ['TABLE ', q.tableNamePattern],
      ['', q.columnNamePattern],
    ]),
  primaryKeys: (q: TableQuery) => `SHOW KEYS ${oneTable('primaryKeys', q)}`,
  foreignKeys: (q: TableQuery) => `SHOW FOREIGN KEYS ${oneTable('foreignKeys', q)}`,
  functions: (q: FunctionsQuery) =>
    likes(`SHOW FUNCTIONS IN CATALOG ${identifier(oneCatalog('functions', q.catalog))}`, [
      ['SCHEMA ', q.schemaPattern],
      ['', q.functionNamePattern],
    ]),
};

type Raw = Record<string, unknown>;

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const optionalText = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : String(v));
const optionalInt = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
const int = (v: unknown) => optionalInt(v) ?? 0;

/** A row without its absent keys, so `{ REMARKS: undefined }` never shows in JSON or Object.keys. */
function row<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}

function foreignKey(r: Raw): ForeignKeyRow {
  return row({
    PKTABLE_CAT: text(r.parentCatalogName),
    PKTABLE_SCHEM: text(r.parentNamespace),
    PKTABLE_NAME: text(r.parentTableName),
    PKCOLUMN_NAME: text(r.parentColName),
    FKTABLE_CAT: text(r.catalogName),
    FKTABLE_SCHEM: text(r.namespace),
    FKTABLE_NAME: text(r.tableName),
    FKCOLUMN_NAME: text(r.col_name),
    KEY_SEQ: int(r.keySeq),
    UPDATE_RULE: optionalInt(r.updateRule),
    DELETE_RULE: optionalInt(r.deleteRule),
    FK_NAME: optionalText(r.constraintName),
    PK_NAME: optionalText(r.pkName),
    DEFERRABILITY: optionalInt(r.deferrability),
  });
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `java.sql.Types` codes. */
const T = {
  BOOLEAN: 16,
  TINYINT: -6,
  SMALLINT: 5,
  INTEGER: 4,
  BIGINT: -5,
  FLOAT: 6,
  DOUBLE: 8,
  DECIMAL: 3,
  VARCHAR: 12,
  BINARY: -2,
  DATE: 91,
  TIMESTAMP: 93,
  OTHER: 1111,
  ARRAY: 2003,
  STRUCT: 2002,
  MAP: 2000,
  NULL: 0,
} as const;

/** [name, JDBC type, precision, literal quote, create params, searchable, scale range, radix] */
type TypeSpec = [string, number, number?, string?, string?, boolean?, [number, number]?, number?];

const TYPES: TypeSpec[] = [
  ['VOID', T.NULL, undefined, undefined, undefined, false],
  ['BOOLEAN', T.BOOLEAN, 1],
  ['TINYINT', T.TINYINT, 3, undefined, undefined, true, [0, 0], 10],
  ['SMALLINT', T.SMALLINT, 5, undefined, undefined, true, [0, 0], 10],
  ['INT', T.INTEGER, 10, undefined, undefined, true, [0, 0], 10],
  ['BIGINT', T.BIGINT, 19, undefined, undefined, true, [0, 0], 10],
  ['FLOAT', T.FLOAT, 7, undefined, undefined, true, undefined, 10],
  ['DOUBLE', T.DOUBLE, 15, undefined, undefined, true, undefined, 10],
  ['DECIMAL', T.DECIMAL, 38, undefined, 'precision,scale', true, [0, 38], 10],
  ['STRING', T.VARCHAR, 2_147_483_647, "'"],
  ['BINARY', T.BINARY, 2_147_483_647, "X'"],
  ['DATE', T.DATE, 10, "DATE '"],
  ['TIMESTAMP', T.TIMESTAMP, 29, "TIMESTAMP '"],
  ['TIMESTAMP_NTZ', T.TIMESTAMP, 29, "TIMESTAMP_NTZ '"],
  ['INTERVAL', T.OTHER, undefined, 'INTERVAL ', undefined, false],
  ['VARIANT', T.OTHER, undefined, undefined, undefined, false],
  ['ARRAY', T.ARRAY, undefined, undefined, 'element_type', false],
  ['STRUCT', T.STRUCT, undefined, undefined, 'field_name:field_type,...', false],
  ['MAP', T.MAP, undefined, undefined, 'key_type,value_type', false],
];

/** JDBC orders type info by DATA_TYPE (stably: the closest match first). */
const TYPE_INFO: readonly TypeInfoRow[] = TYPES.map(
  ([name, dataType, precision, prefix, createParams, searchable = true, scales, radix]): TypeInfoRow =>
    row({
      TYPE_NAME: name,
      DATA_TYPE: dataType,
      PRECISION: precision,
      LITERAL_PREFIX: prefix,
      // A literal quoted on the left is closed by a quote.
      LITERAL_SUFFIX: prefix?.endsWith("'") ? "'" : undefined,
      CREATE_PARAMS: createParams,
      NULLABLE: 1,
      CASE_SENSITIVE: dataType === T.VARCHAR,
      SEARCHABLE: searchable ? 3 : 0,
      UNSIGNED_ATTRIBUTE: false,
      FIXED_PREC_SCALE: false,
      AUTO_INCREMENT: false,
      LOCAL_TYPE_NAME: name,
      MINIMUM_SCALE: scales?.[0],
      MAXIMUM_SCALE: scales?.[1],
      NUM_PREC_RADIX: radix,
    }),
).sort((a, b) => a.DATA_TYPE - b.DATA_TYPE);

/** The table types SHOW TABLES reports, sorted as JDBC's getTableTypes returns them. */
const TABLE_TYPES: readonly string[] = ['METRIC_VIEW', 'SYSTEM TABLE', 'TABLE', 'VIEW'];

/** Runs one SHOW statement to the end and returns its rows keyed by column name. */
export type ShowRunner = (sql: string) => Promise<Record<string, unknown>[]>;

/** A ShowRunner over backend statements, one statement per call, closed after it. */
export function showThrough(statement: () => BackendStatement): ShowRunner {
  return async (sql) => {
    const s = statement();
    try {
      const info = await s.execute(sql, {});
      const keys = info.columns.map((c) => c.name);
      const rows: Raw[] = [];
      for (let chunk = await s.nextChunk(); chunk !== null; chunk = await s.nextChunk()) {
        for (const batch of chunkBatches(chunk)) {
          for (const r of batchRows(batch, keys, 'object', DEFAULT_POLICY)) rows.push(r as Raw);
        }
      }
      return rows;
    } finally {
      await s.close();
    }
  };
}

/**
 * The metadata calls, over any way of running a SHOW statement: a connection's own statements,
 * or another driver's session (the Kysely introspector's fallback for catalogs without
 * information_schema).
 */
export class Metadata {
  constructor(private readonly show: ShowRunner) {}

  async catalogs(): Promise<CatalogRow[]> {
    return (await this.show(metadataSql.catalogs())).map((r) => ({ TABLE_CAT: text(r.catalog) }));
  }

  async schemas(query: SchemasQuery): Promise<SchemaRow[]> {
    return (await this.show(metadataSql.schemas(query))).map((r) => ({
      TABLE_SCHEM: text(r.databaseName),
      // SHOW SCHEMAS IN <catalog> has no catalog column: it is the one asked for.
      TABLE_CATALOG: everyCatalog(query.catalog) ? text(r.catalog) : (query.catalog as string),
    }));
  }

  async tables(query: TablesQuery): Promise<TableRow[]> {
    const types = (query.tableTypes ?? []).map((t) => t.toUpperCase());
    return (await this.show(metadataSql.tables(query)))
      .filter((r) => types.length === 0 || types.includes(text(r.tableType).toUpperCase()))
      .map((r) =>
        row({
          TABLE_CAT: text(r.catalogName),
          TABLE_SCHEM: text(r.namespace),
          TABLE_NAME: text(r.tableName),
          TABLE_TYPE: text(r.tableType),
          REMARKS: optionalText(r.remarks),
        }),
      );
  }

  async columns(query: ColumnsQuery): Promise<ColumnRow[]> {
    return (await this.show(metadataSql.columns(query))).map((r) =>
      row({
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
      }),
    );
  }

  async primaryKeys(query: TableQuery): Promise<PrimaryKeyRow[]> {
    return (await this.show(metadataSql.primaryKeys(query))).map((r) =>
      row({
        TABLE_CAT: text(r.catalogName),
        TABLE_SCHEM: text(r.namespace),
        TABLE_NAME: text(r.tableName),
        COLUMN_NAME: text(r.col_name),
        KEY_SEQ: int(r.keySeq),
        PK_NAME: optionalText(r.constraintName),
      }),
    );
  }

  /** The foreign keys of one table: the primary keys it references. */
  async foreignKeys(query: TableQuery): Promise<ForeignKeyRow[]> {
    return (await this.show(metadataSql.foreignKeys(query))).map(foreignKey);
  }

  /** The foreign keys of the foreign table that reference the parent table (names match case-insensitively). */
  async crossReference(q: CrossReferenceQuery): Promise<ForeignKeyRow[]> {
    const sql = metadataSql.foreignKeys({ catalog: q.foreignCatalog, schema: q.foreignSchema, table: q.foreignTable });
    return (await this.show(sql))
      .map(foreignKey)
      .filter(
        (k) =>
          sameName(k.PKTABLE_CAT, q.parentCatalog) &&
          sameName(k.PKTABLE_SCHEM, q.parentSchema) &&
          sameName(k.PKTABLE_NAME, q.parentTable),
      );
  }

  async functions(query: FunctionsQuery): Promise<FunctionRow[]> {
    return (await this.show(metadataSql.functions(query))).map((r) =>
      row({
        FUNCTION_CAT: text(r.catalogName),
        FUNCTION_SCHEM: text(r.namespace),
        FUNCTION_NAME: text(r.functionName),
        REMARKS: optionalText(r.remarks),
        FUNCTION_TYPE: optionalInt(r.functionType),
        SPECIFIC_NAME: text(r.specificName ?? r.functionName),
      }),
    );
  }

  /** The warehouse's data types: a fixed table (the server has no command listing them). */
  typeInfo(): TypeInfoRow[] {
    return TYPE_INFO.map((r) => ({ ...r }));
  }

  tableTypes(): TableTypeRow[] {
    return TABLE_TYPES.map((t) => ({ TABLE_TYPE: t }));
  }
}
