/** PEP 249 `description`: one seven-item sequence per column. */

import type { BackendColumn } from './backend';

/** [name, type_code, display_size, internal_size, precision, scale, null_ok] */
export type ColumnDescription = [
  name: string,
  typeCode: string,
  displaySize: null,
  internalSize: null,
  precision: number | null,
  scale: number | null,
  nullOk: null,
];

/** Spark's internal type names (`LONG`, `SHORT`, ...) as the SQL names users write. */
const SQL_NAME: Record<string, string> = {
  LONG: 'BIGINT',
  SHORT: 'SMALLINT',
  BYTE: 'TINYINT',
  NULL: 'VOID',
};

export function describe(columns: readonly BackendColumn[]): ColumnDescription[] {
  return columns.map((c) => {
    const type = c.typeName ?? 'STRING';
    return [c.name, SQL_NAME[type] ?? type, null, null, c.typePrecision ?? null, c.typeScale ?? null, null];
  });
}
