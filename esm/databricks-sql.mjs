// ESM entry point of the @databricks/sql drop-in: re-exports the CommonJS build, so both module
// systems share one copy of every class (`instanceof` holds across them).
import dropIn from '../dist/databricks-sql/index.js';

export const {
  AuthenticationError,
  DBSQLClient,
  DBSQLLogger,
  DBSQLOperation,
  DBSQLParameter,
  DBSQLParameterType,
  DBSQLSession,
  HiveDriverError,
  LogLevel,
  OperationStateError,
  OperationStateErrorCode,
  ParameterError,
  ResultFormat,
  RetryError,
  RetryErrorCode,
  StagingError,
  Status,
  StatusError,
  TOperationState,
  TStatusCode,
  TTypeId,
  thrift,
} = dropIn;
export default dropIn;
