/** Result columns in @databricks/sql's `TTableSchema` shape, with the Thrift type numbers. */

import type { BackendColumn } from '../backend';
import { type TColumnDesc, type TTableSchema, TTypeId } from './thrift/TCLIService_types';

/** Spark's type names (and the internal ones the warehouse may give) to Thrift type ids. */
const TYPE_ID: Record<string, TTypeId> = {
  BOOLEAN: TTypeId.BOOLEAN_TYPE,
  TINYINT: TTypeId.TINYINT_TYPE,
  BYTE: TTypeId.TINYINT_TYPE,
  SMALLINT: TTypeId.SMALLINT_TYPE,
  SHORT: TTypeId.SMALLINT_TYPE,
  INT: TTypeId.INT_TYPE,
  INTEGER: TTypeId.INT_TYPE,
  BIGINT: TTypeId.BIGINT_TYPE,
  LONG: TTypeId.BIGINT_TYPE,
  FLOAT: TTypeId.FLOAT_TYPE,
  DOUBLE: TTypeId.DOUBLE_TYPE,
  STRING: TTypeId.STRING_TYPE,
  TIMESTAMP: TTypeId.TIMESTAMP_TYPE,
  TIMESTAMP_NTZ: TTypeId.TIMESTAMP_TYPE,
  BINARY: TTypeId.BINARY_TYPE,
  ARRAY: TTypeId.ARRAY_TYPE,
  MAP: TTypeId.MAP_TYPE,
  STRUCT: TTypeId.STRUCT_TYPE,
  DECIMAL: TTypeId.DECIMAL_TYPE,
  NULL: TTypeId.NULL_TYPE,
  VOID: TTypeId.NULL_TYPE,
  DATE: TTypeId.DATE_TYPE,
  VARCHAR: TTypeId.VARCHAR_TYPE,
  CHAR: TTypeId.CHAR_TYPE,
};

function typeId(column: BackendColumn): TTypeId {
  const name = (column.typeName ?? 'STRING').toUpperCase();
  if (name === 'INTERVAL') {
    const kind = (column.typeIntervalType ?? column.typeText ?? '').toUpperCase();
    return /YEAR|MONTH/.test(kind) ? TTypeId.INTERVAL_YEAR_MONTH_TYPE : TTypeId.INTERVAL_DAY_TIME_TYPE;
  }
  return TYPE_ID[name] ?? TTypeId.STRING_TYPE;
}

function describeColumn(column: BackendColumn, index: number): TColumnDesc {
  const type = typeId(column);
  const qualified =
    type === TTypeId.DECIMAL_TYPE && column.typePrecision !== undefined
      ? {
          typeQualifiers: {
            qualifiers: { precision: { i32Value: column.typePrecision }, scale: { i32Value: column.typeScale ?? 0 } },
          },
        }
      : {};
  return {
    columnName: column.name,
    typeDesc: { types: [{ primitiveEntry: { type, ...qualified } }] },
    // 1-based, as theirs: the warehouse numbers columns from 0.
    position: index + 1,
  };
}

export function tableSchema(columns: readonly BackendColumn[]): TTableSchema {
  return { columns: columns.map(describeColumn) };
}
