/**
 * Metadata results as @databricks/sql returns them: JDBC's column names, every column present
 * (null where the warehouse has no value), described by typed columns for `getSchema()`.
 */

import type { BackendColumn } from '../backend';

type Row = Record<string, unknown>;

/** A result's columns: name and Spark type, in JDBC's order. */
export type Layout = readonly (readonly [name: string, type: string])[];

const S = 'STRING';
const I = 'INT';

export const LAYOUTS = {
  catalogs: [['TABLE_CAT', S]],
  schemas: [
    ['TABLE_SCHEM', S],
    ['TABLE_CATALOG', S],
  ],
  tables: [
    ['TABLE_CAT', S],
    ['TABLE_SCHEM', S],
    ['TABLE_NAME', S],
    ['TABLE_TYPE', S],
    ['REMARKS', S],
    ['TYPE_CAT', S],
    ['TYPE_SCHEM', S],
    ['TYPE_NAME', S],
    ['SELF_REFERENCING_COL_NAME', S],
    ['REF_GENERATION', S],
  ],
  tableTypes: [['TABLE_TYPE', S]],
  typeInfo: [
    ['TYPE_NAME', S],
    ['DATA_TYPE', I],
    ['PRECISION', I],
    ['LITERAL_PREFIX', S],
    ['LITERAL_SUFFIX', S],
    ['CREATE_PARAMS', S],
    ['NULLABLE', 'SMALLINT'],
    ['CASE_SENSITIVE', 'BOOLEAN'],
    ['SEARCHABLE', 'SMALLINT'],
    ['UNSIGNED_ATTRIBUTE', 'BOOLEAN'],
    ['FIXED_PREC_SCALE', 'BOOLEAN'],
    ['AUTO_INCREMENT', 'BOOLEAN'],
    ['LOCAL_TYPE_NAME', S],
    ['MINIMUM_SCALE', 'SMALLINT'],
    ['MAXIMUM_SCALE', 'SMALLINT'],
    ['SQL_DATA_TYPE', I],
    ['SQL_DATETIME_SUB', I],
    ['NUM_PREC_RADIX', I],
  ],
  functions: [
    ['FUNCTION_CAT', S],
    ['FUNCTION_SCHEM', S],
    ['FUNCTION_NAME', S],
    ['REMARKS', S],
    ['FUNCTION_TYPE', 'SMALLINT'],
    ['SPECIFIC_NAME', S],
  ],
  primaryKeys: [
    ['TABLE_CAT', S],
    ['TABLE_SCHEM', S],
    ['TABLE_NAME', S],
    ['COLUMN_NAME', S],
    ['KEY_SEQ', I],
    ['PK_NAME', S],
  ],
  crossReference: [
    ['PKTABLE_CAT', S],
    ['PKTABLE_SCHEM', S],
    ['PKTABLE_NAME', S],
    ['PKCOLUMN_NAME', S],
    ['FKTABLE_CAT', S],
    ['FKTABLE_SCHEM', S],
    ['FKTABLE_NAME', S],
    ['FKCOLUMN_NAME', S],
    ['KEY_SEQ', I],
    ['UPDATE_RULE', 'SMALLINT'],
    ['DELETE_RULE', 'SMALLINT'],
    ['FK_NAME', S],
    ['PK_NAME', S],
    ['DEFERRABILITY', 'SMALLINT'],
  ],
  columns: [
    ['TABLE_CAT', S],
    ['TABLE_SCHEM', S],
    ['TABLE_NAME', S],
    ['COLUMN_NAME', S],
    ['DATA_TYPE', I],
    ['TYPE_NAME', S],
    ['COLUMN_SIZE', I],
    ['BUFFER_LENGTH', 'TINYINT'],
    ['DECIMAL_DIGITS', I],
    ['NUM_PREC_RADIX', I],
    ['NULLABLE', I],
    ['REMARKS', S],
    ['COLUMN_DEF', S],
    ['SQL_DATA_TYPE', I],
    ['SQL_DATETIME_SUB', I],
    ['CHAR_OCTET_LENGTH', I],
    ['ORDINAL_POSITION', I],
    ['IS_NULLABLE', S],
    ['SCOPE_CATALOG', S],
    ['SCOPE_SCHEMA', S],
    ['SCOPE_TABLE', S],
    ['SOURCE_DATA_TYPE', 'SMALLINT'],
    ['IS_AUTO_INCREMENT', S],
  ],
} as const satisfies Record<string, Layout>;

/** java.sql.Types of Spark's type names: JDBC's DATA_TYPE. */
const JDBC_TYPE: Record<string, number> = {
  BOOLEAN: 16,
  TINYINT: -6,
  BYTE: -6,
  SMALLINT: 5,
  SHORT: 5,
  INT: 4,
  INTEGER: 4,
  BIGINT: -5,
  LONG: -5,
  FLOAT: 6,
  REAL: 7,
  DOUBLE: 8,
  DECIMAL: 3,
  STRING: 12,
  VARCHAR: 12,
  CHAR: 1,
  BINARY: -2,
  DATE: 91,
  TIMESTAMP: 93,
  TIMESTAMP_NTZ: 93,
  ARRAY: 2003,
  MAP: 2000,
  STRUCT: 2002,
  VOID: 0,
  NULL: 0,
};

/** The JDBC type number of a type text such as `DECIMAL(10,2)` or `ARRAY<INT>`. */
export function jdbcType(typeName: unknown): number | null {
  if (typeof typeName !== 'string') return null;
  const base = /^[A-Za-z_]+/.exec(typeName.trim())?.[0]?.toUpperCase() ?? '';
  return JDBC_TYPE[base] ?? 1111; // java.sql.Types.OTHER
}

/** Rows with exactly the layout's keys, in its order; `derive` fills columns the source lacks. */
export function shaped(layout: Layout, rows: readonly object[], derive: (row: Row) => Row = () => ({})): Row[] {
  return rows.map((source) => {
    const row = { ...(source as Row), ...derive(source as Row) };
    const out: Row = {};
    for (const [name] of layout) out[name] = row[name] ?? null;
    return out;
  });
}

export function layoutColumns(layout: Layout): BackendColumn[] {
  return layout.map(([name, typeName], i) => ({ name, typeName, typeText: typeName, position: i + 1 }));
}

/** A table row's REMARKS: empty text when the table has none, as theirs. */
export function tableExtras(row: Row): Row {
  return { REMARKS: row.REMARKS ?? '' };
}

/** JDBC's derived column values of a getColumns row. */
export function columnExtras(row: Row): Row {
  return {
    DATA_TYPE: jdbcType(row.TYPE_NAME),
    NULLABLE: row.IS_NULLABLE === 'NO' ? 0 : 1,
    REMARKS: row.REMARKS ?? '',
    IS_AUTO_INCREMENT: row.IS_AUTO_INCREMENT ?? 'NO',
  };
}
