/**
 * Typed errors from what the wire says, with the kernel's codes (crates/kernel/src/http.rs,
 * sql_error.rs) so both backends raise the same classes with the same fields.
 */

import { STATUS_CODES } from 'node:http';
import { type ErrorCode, makeError, SluiceError } from '../errors';
import { isCredentialRejection } from './rejection';
import { describe, type Operation } from './retry';
import type { TransportFailure } from './transport';
import { codeStr, messageOf, type PlatformError, type StatementStatus } from './wire';

/** Maps a non-2xx answer: string error codes win over the status, integer codes count as absent. */
export function errorFromStatus(op: Operation, status: number, body: PlatformError): SluiceError {
  const vendor = codeStr(body);
  let code: ErrorCode;
  switch (vendor) {
    case 'INVALID_PARAMETER_VALUE':
    case 'INVALID_STATE':
    case 'BAD_REQUEST':
      code = 'InvalidArgument';
      break;
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'NOT_FOUND':
      code = 'NotFound';
      break;
    case 'RESOURCE_EXHAUSTED':
    case 'REQUEST_LIMIT_EXCEEDED':
      code = 'ResourceExhausted';
      break;
    case 'UNAUTHENTICATED':
      code = 'Unauthenticated';
      break;
    case 'PERMISSION_DENIED':
      code = 'PermissionDenied';
      break;
    case 'TEMPORARILY_UNAVAILABLE':
      code = 'Unavailable';
      break;
    case 'DEADLINE_EXCEEDED':
      code = 'Timeout';
      break;
    default:
      code = isCredentialRejection(status, body) ? 'Unauthenticated' : codeOfStatus(status);
  }
  const reason = STATUS_CODES[status] ?? '';
  const message = messageOf(body);
  const detail = message !== undefined ? `: ${message.trim()}` : '';
  return makeError(`${describe(op)} failed with HTTP ${status} ${reason}${detail}`, {
    code,
    httpStatus: status,
    retryable: status === 429 || (status >= 500 && status <= 599),
    vendorCode: vendor,
  });
}

function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    // The request itself is refused (too large a body, URL or header): changing it, not a retry, helps.
    case 400:
    case 413:
    case 414:
    case 431:
      return 'InvalidArgument';
    case 401:
      return 'Unauthenticated';
    case 403:
      return 'PermissionDenied';
    case 404:
      return 'NotFound';
    case 429:
      return 'ResourceExhausted';
    case 499:
      return 'Cancelled';
    case 501:
      return 'NotSupported';
    case 504:
      return 'Timeout';
    default:
      return status >= 500 && status <= 599 ? 'Unavailable' : 'Internal';
  }
}

/** A transport failure as a typed error: Timeout for timeouts, Network otherwise (retryable). */
export function transportError(context: string, failure: TransportFailure): SluiceError {
  if (failure.kind === 'aborted') return cancelled(`${context}: the request was cancelled`);
  return makeError(`${context}: ${failure.message}`, {
    code: failure.kind === 'timeout' ? 'Timeout' : failure.kind === 'tooLarge' ? 'DataLoss' : 'Network',
    retryable: failure.kind !== 'tooLarge' && failure.healable,
  });
}

export function cancelled(message: string, statementId?: string): SluiceError {
  return makeError(message, { code: 'Cancelled', statementId });
}

export function dataLoss(message: string, statementId?: string): SluiceError {
  return makeError(message, { code: 'DataLoss', statementId });
}

export function internal(message: string, statementId?: string): SluiceError {
  return makeError(message, { code: 'Internal', statementId });
}

/** Copies `error` with a statement id (errors are immutable once raised). */
export function withStatementId(error: unknown, statementId: string | null | undefined): unknown {
  // Node's own errors carry a `code` too: only a SluiceError's code is one of ours.
  if (!statementId || !(error instanceof SluiceError)) return error;
  const e = error;
  if (e.statementId !== undefined) return e;
  return makeError(
    e.message,
    {
      code: e.code,
      sqlState: e.sqlState,
      errorClass: e.errorClass,
      statementId,
      httpStatus: e.httpStatus,
      retryable: e.retryable,
      vendorCode: e.vendorCode,
      causes: e.causes,
    },
    e.cause,
  );
}

/** Turns a FAILED status into a typed error: SQLSTATE from `sql_state` or the message, class from `[CLASS]`. */
export function statementFailure(statementId: string, status: StatementStatus): SluiceError {
  const vendor = status.error?.error_code;
  const message = (status.error?.message ?? '').trim();
  const sqlState = status.sql_state ?? sqlStateIn(message);
  let code: ErrorCode;
  switch (vendor) {
    case 'CANCELLED':
      code = 'Cancelled';
      break;
    case 'DEADLINE_EXCEEDED':
      code = 'Timeout';
      break;
    case 'TEMPORARILY_UNAVAILABLE':
    case 'SERVICE_UNDER_MAINTENANCE':
    case 'WORKSPACE_TEMPORARILY_UNAVAILABLE':
      code = 'Unavailable';
      break;
    case 'RESOURCE_EXHAUSTED':
      code = 'ResourceExhausted';
      break;
    case 'PERMISSION_DENIED':
      code = 'PermissionDenied';
      break;
    case 'UNAUTHENTICATED':
      code = 'Unauthenticated';
      break;
    case 'INTERNAL_ERROR':
      code = 'Internal';
      break;
    default:
      code = 'SqlError';
  }
  return makeError(message === '' ? 'the statement failed without a message' : message, {
    code,
    sqlState,
    errorClass: errorClassIn(message),
    statementId,
    vendorCode: vendor,
  });
}

export function sqlStateIn(message: string): string | undefined {
  const at = message.indexOf('SQLSTATE: ');
  if (at < 0) return undefined;
  const state = /^[A-Za-z0-9]*/.exec(message.slice(at + 10))?.[0] ?? '';
  return state.length === 5 ? state : undefined;
}

export function errorClassIn(message: string): string | undefined {
  const m = /^\[([A-Z0-9_.]+)\]/.exec(message.trimStart());
  return m ? m[1] : undefined;
}
