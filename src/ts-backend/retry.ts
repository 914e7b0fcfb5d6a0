/**
 * The retry rules of the connector retry spec (reliability-and-performance.md §1.5), as in
 * crates/kernel/src/retry.rs: idempotent calls retry transient failures; statement submission
 * retries only 429, 503 with `Retry-After`, or a failure to connect. Pure decisions; the waiting
 * lives in http.ts.
 */

import type { RetryConfig } from './config';

/** Which API call a request is: decides whether repeating it is safe. */
export type Operation =
  | 'CreateSession'
  | 'CloseSession'
  | 'ExecuteStatement'
  | 'GetStatement'
  | 'GetChunk'
  | 'CancelStatement'
  | 'CloseStatement'
  | 'Token';

const DESCRIPTIONS: Record<Operation, string> = {
  CreateSession: 'open session',
  CloseSession: 'close session',
  ExecuteStatement: 'execute statement',
  GetStatement: 'get statement status',
  GetChunk: 'get result chunk links',
  CancelStatement: 'cancel statement',
  CloseStatement: 'close statement',
  Token: 'fetch OAuth token',
};

export function describe(op: Operation): string {
  return DESCRIPTIONS[op];
}

export function isIdempotent(op: Operation): boolean {
  return op !== 'ExecuteStatement';
}

/** What went wrong with one attempt, as far as retrying is concerned. */
export type Failure =
  | { kind: 'status'; status: number; retryAfterMs?: number }
  /** The TCP/TLS connection could not be established: nothing was sent. */
  | { kind: 'connect' }
  /** The request may have reached the server (reset, timeout, cut body). */
  | { kind: 'transport' }
  /** No retry can fix it: a host name that does not exist, a certificate not trusted. */
  | { kind: 'permanent' };

/** Statuses that a retry cannot fix. */
const NEVER_RETRIED = new Set([400, 401, 403, 404, 405, 409, 410, 411, 412, 413, 414, 415, 416, 422, 501, 505]);

export function isRetryable(op: Operation, failure: Failure): boolean {
  switch (failure.kind) {
    case 'connect':
      return true;
    case 'permanent':
      return false;
    case 'transport':
      return isIdempotent(op);
    case 'status':
      if (isIdempotent(op)) return failure.status >= 400 && !NEVER_RETRIED.has(failure.status);
      return failure.status === 429 || (failure.status === 503 && failure.retryAfterMs !== undefined);
  }
}

/**
 * The wait before retry number `retry` (1-based): `Retry-After` clamped to the policy's bounds,
 * or exponential backoff; both plus 5-25 % jitter (at least 50 ms) so clients do not retry in
 * lockstep.
 */
export function backoffMs(policy: RetryConfig, retry: number, retryAfterMs?: number, random = Math.random): number {
  let base: number;
  if (retryAfterMs !== undefined) {
    base = Math.min(Math.max(retryAfterMs, policy.minBackoffMs), policy.maxBackoffMs);
  } else {
    const exp = 2 ** Math.min(Math.max(retry - 1, 0), 20);
    base = Math.min(policy.minBackoffMs * exp, policy.maxBackoffMs);
  }
  const fraction = 0.05 + random() * 0.2;
  return base + Math.max(base * fraction, 50);
}

/** `Retry-After` in whole seconds (the form the service uses); HTTP dates are ignored. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number.parseInt(text.trim(), 10) * 1000;
}
