/**
 * A drop-in for @databricks/sql: `import { DBSQLClient } from 'sluice/databricks-sql'` and the app
 * runs on sluice's engine, with @databricks/sql's API, values and errors.
 */

import type IDBSQLClient from './contracts/IDBSQLClient';
import type IDBSQLSession from './contracts/IDBSQLSession';
import type IOperation from './contracts/IOperation';
import DBSQLClient from './DBSQLClient';
import DBSQLLogger from './DBSQLLogger';
import DBSQLOperation from './DBSQLOperation';
import { DBSQLParameter, DBSQLParameterType, type DBSQLParameterValue } from './DBSQLParameter';
import DBSQLSession from './DBSQLSession';
import Status from './dto/Status';
import AuthenticationError from './errors/AuthenticationError';
import HiveDriverError from './errors/HiveDriverError';
import OperationStateError, { OperationStateErrorCode } from './errors/OperationStateError';
import ParameterError from './errors/ParameterError';
import RetryError, { RetryErrorCode } from './errors/RetryError';
import StagingError from './errors/StagingError';
import StatusError from './errors/StatusError';
import TCLIService_types from './thrift/TCLIService_types';

export type { ClientOptions, ConnectionOptions, ITokenProvider, OpenSessionRequest } from './contracts/IDBSQLClient';
export { LogLevel } from './contracts/IDBSQLLogger';
export type { ExecuteStatementOptions } from './contracts/IDBSQLSession';
export { ResultFormat, type ResultMetadata } from './contracts/ResultMetadata';
export { TOperationState, TStatusCode, TTypeId } from './thrift/TCLIService_types';
export type { DBSQLParameterValue, IDBSQLClient, IDBSQLSession, IOperation };

/** @databricks/sql exposes its Thrift type module here; the drop-in has the enums apps read. */
export const thrift = { TCLIService_types };

export {
  AuthenticationError,
  DBSQLClient,
  DBSQLLogger,
  DBSQLOperation,
  DBSQLParameter,
  DBSQLParameterType,
  DBSQLSession,
  HiveDriverError,
  OperationStateError,
  OperationStateErrorCode,
  ParameterError,
  RetryError,
  RetryErrorCode,
  StagingError,
  Status,
  StatusError,
};
