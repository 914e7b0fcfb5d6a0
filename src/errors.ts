/**
 * The PEP 249 exception hierarchy, each class carrying the kernel's fields, plus the single
 * decoder for errors that cross from the native binding.
 */

/** Stable error codes: the kernel's (crates/kernel/src/error.rs), plus `Aborted` for an aborted AbortSignal. */
export type ErrorCode =
  | 'InvalidArgument'
  | 'Unauthenticated'
  | 'PermissionDenied'
  | 'NotFound'
  | 'ResourceExhausted'
  | 'Unavailable'
  | 'Timeout'
  | 'Cancelled'
  | 'Network'
  | 'SqlError'
  | 'DataLoss'
  | 'Closed'
  | 'NotSupported'
  | 'Internal'
  | 'Aborted';

export interface ErrorFields {
  code: ErrorCode;
  sqlState?: string;
  errorClass?: string;
  statementId?: string;
  httpStatus?: number;
  retryable?: boolean;
  vendorCode?: string;
  causes?: string[];
}

/** Base class of every error this driver raises (PEP 249 `Error`). */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly sqlState?: string;
  readonly errorClass?: string;
  readonly statementId?: string;
  readonly httpStatus?: number;
  readonly retryable: boolean;
  readonly vendorCode?: string;
  readonly causes: string[];

  constructor(message: string, fields: ErrorFields, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = fields.code;
    this.sqlState = fields.sqlState;
    this.errorClass = fields.errorClass;
    this.statementId = fields.statementId;
    this.httpStatus = fields.httpStatus;
    this.retryable = fields.retryable ?? false;
    this.vendorCode = fields.vendorCode;
    this.causes = fields.causes ?? [];
  }
}

/** PEP 249 `Warning` (raised for nothing today; exported for completeness of the interface). */
export class Warning extends Error {}
export class InterfaceError extends SluiceError {}
export class DatabaseError extends SluiceError {}
export class DataError extends DatabaseError {}
export class OperationalError extends DatabaseError {}
export class IntegrityError extends DatabaseError {}
export class InternalError extends DatabaseError {}
export class ProgrammingError extends DatabaseError {}
export class NotSupportedError extends DatabaseError {}

type ErrorClass = new (message: string, fields: ErrorFields, options?: { cause?: unknown }) => SluiceError;

/** The one mapping from kernel code to PEP 249 class. */
const CLASS_OF: Record<ErrorCode, ErrorClass> = {
  InvalidArgument: ProgrammingError,
  Unauthenticated: OperationalError,
  PermissionDenied: OperationalError,
  NotFound: ProgrammingError,
  ResourceExhausted: OperationalError,
  Unavailable: OperationalError,
  Timeout: OperationalError,
  Cancelled: OperationalError,
  Aborted: OperationalError,
  Network: OperationalError,
  SqlError: DatabaseError,
  DataLoss: DataError,
  Closed: InterfaceError,
  NotSupported: NotSupportedError,
  Internal: InternalError,
};

/** SQLSTATE classes that name a more precise PEP 249 class for SQL errors. */
function sqlErrorClass(sqlState: string | undefined): ErrorClass {
  const cls = sqlState?.slice(0, 2);
  if (cls === '22') return DataError;
  if (cls === '23') return IntegrityError;
  if (cls === '42') return ProgrammingError;
  if (cls === '0A') return NotSupportedError;
  if (cls === 'XX') return InternalError;
  return DatabaseError;
}

export function makeError(message: string, fields: ErrorFields, cause?: unknown): SluiceError {
  const cls = fields.code === 'SqlError' ? sqlErrorClass(fields.sqlState) : CLASS_OF[fields.code];
  return new (cls ?? DatabaseError)(message, fields, cause === undefined ? undefined : { cause });
}

const ENVELOPE_PREFIX = 'SLUICE_ERROR:';
const CODES = new Set<string>(Object.keys(CLASS_OF));

interface Envelope {
  code?: unknown;
  message?: unknown;
  sqlState?: unknown;
  errorClass?: unknown;
  statementId?: unknown;
  httpStatus?: unknown;
  retryable?: unknown;
  vendorCode?: unknown;
  causes?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Turns whatever the native binding threw into a typed error; other errors pass through. */
export function decodeNativeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const at = error.message.indexOf(ENVELOPE_PREFIX);
  if (at < 0) return error;
  let env: Envelope;
  try {
    env = JSON.parse(error.message.slice(at + ENVELOPE_PREFIX.length)) as Envelope;
  } catch {
    return makeError(error.message, { code: 'Internal' });
  }
  const code = typeof env.code === 'string' && CODES.has(env.code) ? (env.code as ErrorCode) : 'Internal';
  return makeError(str(env.message) ?? 'unknown error', {
    code,
    sqlState: str(env.sqlState),
    errorClass: str(env.errorClass),
    statementId: str(env.statementId),
    httpStatus: typeof env.httpStatus === 'number' ? env.httpStatus : undefined,
    retryable: env.retryable === true,
    vendorCode: str(env.vendorCode),
    causes: Array.isArray(env.causes) ? env.causes.filter((c): c is string => typeof c === 'string') : [],
  });
}

/** Awaits a native call and rethrows its error decoded, with the caller's stack appended. */
export async function native<T>(call: () => Promise<T>): Promise<T> {
  const site = new Error();
  try {
    return await call();
  } catch (e) {
    const decoded = decodeNativeError(e);
    if (decoded instanceof SluiceError && site.stack) {
      decoded.stack = `${decoded.name}: ${decoded.message}\n${site.stack.split('\n').slice(1).join('\n')}`;
    }
    throw decoded;
  }
}

export function interfaceError(message: string): InterfaceError {
  return new InterfaceError(message, { code: 'Closed' });
}

export function programmingError(message: string): ProgrammingError {
  return new ProgrammingError(message, { code: 'InvalidArgument' });
}
