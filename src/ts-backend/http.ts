/**
 * The one execute path every API request goes through (as crates/kernel/src/http.rs): bearer
 * auth, the exactly-once refresh on a recognised credential rejection, the retry policy,
 * cancellable waits, and the mapping of non-2xx answers to typed errors.
 */

import { makeError, type SluiceError } from '../errors';
import type { Auth } from './auth';
import type { RetryConfig } from './config';
import { cancelled, errorFromStatus, transportError } from './failures';
import { isCredentialRejection } from './rejection';
import { backoffMs, describe, type Failure, isIdempotent, isRetryable, type Operation, parseRetryAfter } from './retry';
import { sleep } from './sleep';
import { type RawResponse, type Transport, TransportFailure } from './transport';
import { parseJson, parsePlatformError } from './wire';

export type Method = 'GET' | 'POST' | 'DELETE';

export class ApiClient {
  constructor(
    readonly transport: Transport,
    private readonly base: string,
    private readonly auth: Auth,
    private readonly retry: RetryConfig,
    /** The user's extra headers: first, so the driver's own always win. */
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  /**
   * Sends one API request and returns its parsed JSON answer. `signal` aborts it (Cancelled); a
   * request that changes state on the server (a submission) is never abandoned in flight, as only
   * its answer tells what it did: the signal then ends only the waits between attempts.
   */
  async call(op: Operation, method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(`${this.base}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = Date.now();
    let retries = 0;
    let refreshed = false;
    for (;;) {
      if (signal?.aborted) throw cancelled(`${describe(op)} was cancelled`);
      const credential = await this.auth.current();
      const headers: Record<string, string> = {
        ...this.extraHeaders,
        authorization: `Bearer ${credential.token}`,
        accept: 'application/json',
      };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      let outcome: { failure: Failure; error: SluiceError };
      try {
        const response = await this.transport.request({
          url,
          method,
          headers,
          body: payload,
          signal: isIdempotent(op) ? signal : undefined,
        });
        if (response.status >= 200 && response.status < 300) return parseJson(response.body, describe(op));
        const platform = parsePlatformError(response.body);
        if (isCredentialRejection(response.status, platform) && !refreshed) {
          const fresh = await this.auth.refreshAfterRejection(credential);
          if (fresh !== null) {
            refreshed = true;
            continue;
          }
        }
        outcome = statusOutcome(op, response, platform);
      } catch (e) {
        if (!(e instanceof TransportFailure)) throw e;
        if (e.kind === 'aborted') throw cancelled(`${describe(op)} was cancelled`);
        outcome = {
          failure: !e.healable ? { kind: 'permanent' } : e.beforeSend ? { kind: 'connect' } : { kind: 'transport' },
          error: transportError('request failed', e),
        };
      }
      const { failure: f, error: err } = outcome;
      if (retries < this.retry.maxRetries && isRetryable(op, f)) {
        const wait = backoffMs(this.retry, retries + 1, f.kind === 'status' ? f.retryAfterMs : undefined);
        if (Date.now() - started + wait <= this.retry.budgetMs) {
          retries += 1;
          try {
            await sleep(wait, signal);
          } catch {
            throw cancelled(`${describe(op)} was cancelled`);
          }
          continue;
        }
      }
      if (retries === 0) throw err;
      throw makeError(
        `${err.message} (after ${retries} retries)`,
        {
          code: err.code,
          httpStatus: err.httpStatus,
          retryable: err.retryable,
          vendorCode: err.vendorCode,
        },
        err.cause,
      );
    }
  }
}

function statusOutcome(
  op: Operation,
  response: RawResponse,
  platform: ReturnType<typeof parsePlatformError>,
): { failure: Failure; error: SluiceError } {
  const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
  return {
    failure: { kind: 'status', status: response.status, retryAfterMs },
    error: errorFromStatus(op, response.status, platform),
  };
}
