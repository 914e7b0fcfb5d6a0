export enum RetryErrorCode {
  AttemptsExceeded = 'ATTEMPTS_EXCEEDED',
  TimeoutExceeded = 'TIMEOUT_EXCEEDED',
}

const MESSAGES: Record<RetryErrorCode, string> = {
  [RetryErrorCode.AttemptsExceeded]: 'Max retry count exceeded',
  [RetryErrorCode.TimeoutExceeded]: 'Retry timeout exceeded',
};

/** Retries of a request ran out; `payload` is the last failure. */
export default class RetryError extends Error {
  readonly errorCode: RetryErrorCode;
  readonly payload: unknown;

  constructor(errorCode: RetryErrorCode, payload?: unknown) {
    super(MESSAGES[errorCode]);
    this.errorCode = errorCode;
    this.payload = payload;
  }
}
