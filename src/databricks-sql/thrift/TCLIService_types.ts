/**
 * The Thrift names @databricks/sql apps use (`TTypeId`, `TStatusCode`, `TOperationState` and
 * the shapes of schemas and statuses), with the wire protocol's numbers. The drop-in speaks no
 * Thrift: these only describe results in the form apps read them.
 */

export enum TTypeId {
  BOOLEAN_TYPE = 0,
  TINYINT_TYPE = 1,
  SMALLINT_TYPE = 2,
  INT_TYPE = 3,
  BIGINT_TYPE = 4,
  FLOAT_TYPE = 5,
  DOUBLE_TYPE = 6,
  STRING_TYPE = 7,
  TIMESTAMP_TYPE = 8,
  BINARY_TYPE = 9,
  ARRAY_TYPE = 10,
  MAP_TYPE = 11,
  STRUCT_TYPE = 12,
  UNION_TYPE = 13,
  USER_DEFINED_TYPE = 14,
  DECIMAL_TYPE = 15,
  NULL_TYPE = 16,
  DATE_TYPE = 17,
  VARCHAR_TYPE = 18,
  CHAR_TYPE = 19,
  INTERVAL_YEAR_MONTH_TYPE = 20,
  INTERVAL_DAY_TIME_TYPE = 21,
}

export enum TStatusCode {
  SUCCESS_STATUS = 0,
  SUCCESS_WITH_INFO_STATUS = 1,
  STILL_EXECUTING_STATUS = 2,
  ERROR_STATUS = 3,
  INVALID_HANDLE_STATUS = 4,
}

export enum TOperationState {
  INITIALIZED_STATE = 0,
  RUNNING_STATE = 1,
  FINISHED_STATE = 2,
  CANCELED_STATE = 3,
  CLOSED_STATE = 4,
  ERROR_STATE = 5,
  UKNOWN_STATE = 6,
  PENDING_STATE = 7,
  TIMEDOUT_STATE = 8,
}

export interface TTypeQualifierValue {
  i32Value?: number;
  stringValue?: string;
}

export interface TTypeQualifiers {
  qualifiers: { [k: string]: TTypeQualifierValue };
}

export interface TPrimitiveTypeEntry {
  type: TTypeId;
  typeQualifiers?: TTypeQualifiers;
}

export interface TTypeEntry {
  primitiveEntry?: TPrimitiveTypeEntry;
}

export interface TTypeDesc {
  types: TTypeEntry[];
}

export interface TColumnDesc {
  columnName: string;
  typeDesc: TTypeDesc;
  position: number;
  comment?: string;
}

export interface TTableSchema {
  columns: TColumnDesc[];
}

export interface TStatus {
  statusCode: TStatusCode;
  infoMessages?: string[];
  sqlState?: string;
  errorCode?: number;
  errorMessage?: string;
  displayMessage?: string;
  errorDetailsJson?: string;
}

export interface TGetOperationStatusResp {
  status: TStatus;
  operationState?: TOperationState;
  sqlState?: string;
  errorCode?: number;
  errorMessage?: string;
  hasResultSet?: boolean;
  numModifiedRows?: number;
  displayMessage?: string;
}

/** The module as a default import gives it (`import TCLIService_types from ...`). */
export default { TTypeId, TStatusCode, TOperationState };
