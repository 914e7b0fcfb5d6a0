/**
 * The one table from sluice's error codes to @databricks/sql's classes (the mapping its own
 * kernel backend uses), keeping the SQLSTATE and the sluice error as `cause`.
 */

import { type ErrorCode, SluiceError } from '../errors';
import AuthenticationError from './errors/AuthenticationError';
import HiveDriverError from './errors/HiveDriverError';
import OperationStateError, { OperationStateErrorCode } from './errors/OperationStateError';
import ParameterError from './errors/ParameterError';
import RetryError, { RetryErrorCode } from './errors/RetryError';
import { TOperationState, TStatusCode } from './thrift/TCLIService_types';

type Make = (e: SluiceError) => Error;

function stateError(code: OperationStateErrorCode, state: TOperationState): Make {
  return (e) =>
    new OperationStateError(code, {
      status: { statusCode: TStatusCode.ERROR_STATUS, sqlState: e.sqlState, errorMessage: e.message },
      operationState: state,
      sqlState: e.sqlState,
      errorMessage: e.message,
      displayMessage: e.message,
    });
}

const driverError: Make = (e) => new HiveDriverError(e.message);

const CLASS_OF: Record<ErrorCode, Make> = {
  Unauthenticated: (e) => new AuthenticationError(e.message),
  PermissionDenied: (e) => new AuthenticationError(e.message),
  Cancelled: stateError(OperationStateErrorCode.Canceled, TOperationState.CANCELED_STATE),
  Aborted: stateError(OperationStateErrorCode.Canceled, TOperationState.CANCELED_STATE),
  Timeout: stateError(OperationStateErrorCode.Timeout, TOperationState.TIMEDOUT_STATE),
  SqlError: stateError(OperationStateErrorCode.Error, TOperationState.ERROR_STATE),
  InvalidArgument: (e) => new ParameterError(e.message),
  Closed: driverError,
  NotFound: driverError,
  ResourceExhausted: driverError,
  Unavailable: driverError,
  Network: driverError,
  DataLoss: driverError,
  NotSupported: driverError,
  Internal: driverError,
};

/** A retryable failure the retries gave up on: both engines say `(after N retries)`. */
const RETRIED = /\(after (\d+) retries\)$/;

/** The @databricks/sql error for `e`; anything not sluice's passes through unchanged. */
export function driverErrorOf(e: unknown, maxRetries: number): unknown {
  if (e instanceof HiveDriverError || e instanceof ParameterError || e instanceof RetryError) return e;
  if (!(e instanceof SluiceError)) return e;
  const retried = RETRIED.exec(e.message);
  let error: Error;
  if (retried && e.retryable) {
    const code = Number(retried[1]) >= maxRetries ? RetryErrorCode.AttemptsExceeded : RetryErrorCode.TimeoutExceeded;
    error = new RetryError(code, e);
  } else {
    error = CLASS_OF[e.code](e);
  }
  // Where a failure came from stays readable, as the warehouse's SQLSTATE does.
  Object.defineProperty(error, 'cause', { value: e, enumerable: false, writable: true, configurable: true });
  if (e.sqlState !== undefined) {
    Object.defineProperty(error, 'sqlState', {
      value: e.sqlState,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return error;
}

/** Runs `work`, raising its failure as @databricks/sql's error. */
export async function translated<T>(maxRetries: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw driverErrorOf(e, maxRetries);
  }
}
