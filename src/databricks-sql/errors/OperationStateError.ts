import type { TGetOperationStatusResp } from '../thrift/TCLIService_types';
import HiveDriverError from './HiveDriverError';

export enum OperationStateErrorCode {
  Canceled = 'CANCELED',
  Closed = 'CLOSED',
  Error = 'ERROR',
  Timeout = 'TIMEOUT',
  Unknown = 'UNKNOWN',
}

const MESSAGES: Record<OperationStateErrorCode, string> = {
  [OperationStateErrorCode.Canceled]: 'The operation was canceled by a client',
  [OperationStateErrorCode.Closed]: 'The operation was closed by a client',
  [OperationStateErrorCode.Error]: 'The operation failed due to an error',
  [OperationStateErrorCode.Timeout]: 'The operation is in a timed out state',
  [OperationStateErrorCode.Unknown]: 'The operation is in an unrecognized state',
};

/** An operation that failed, was cancelled, closed or timed out; `response` is its status. */
export default class OperationStateError extends HiveDriverError {
  errorCode: OperationStateErrorCode;
  response?: TGetOperationStatusResp;
  /** SQLSTATE of the failure, when the warehouse gave one. */
  sqlState?: string;

  constructor(errorCode: OperationStateErrorCode, response?: TGetOperationStatusResp) {
    super(response?.displayMessage ?? MESSAGES[errorCode]);
    this.errorCode = errorCode;
    this.response = response;
    this.sqlState = response?.sqlState;
  }
}
