/**
 * The server session of a connection (as crates/kernel/src/connection.rs): opened once,
 * reopened once and single-flight when the server says it is gone (idle expiry), keeping the
 * same catalog, schema and confs; deleted best-effort on close.
 */

import { interfaceError, makeError, type SluiceError } from '../errors';
import type { Config } from './config';
import type { ApiClient } from './http';
import { type CreateSessionRequest, isRecord } from './wire';

export class Session {
  private sessionId: string | null = null;
  /** The one reopen in flight, shared by every statement that found the session gone. */
  private reopening: Promise<string> | null = null;
  private closed = false;

  constructor(
    readonly api: ApiClient,
    readonly config: Config,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async open(): Promise<void> {
    this.sessionId = await this.create();
  }

  private async create(): Promise<string> {
    const body: CreateSessionRequest = { warehouse_id: this.config.warehouseId };
    if (this.config.catalog !== undefined) body.catalog = this.config.catalog;
    if (this.config.schema !== undefined) body.schema = this.config.schema;
    if (Object.keys(this.config.sessionConfs).length > 0) body.session_confs = this.config.sessionConfs;
    const answer = await this.api.call('CreateSession', 'POST', '/api/2.0/sql/sessions', body);
    const id = isRecord(answer) ? answer.session_id : undefined;
    if (typeof id !== 'string' || id === '') {
      throw makeError('the server opened a session but returned no session_id', { code: 'Internal' });
    }
    return id;
  }

  current(): string {
    if (this.closed || this.sessionId === null) throw interfaceError('the connection is closed');
    return this.sessionId;
  }

  /** Replaces `stale` with a new session unless another caller already did. */
  async reopen(stale: string): Promise<string> {
    if (this.closed || this.sessionId === null) throw interfaceError('the connection is closed');
    if (this.sessionId !== stale) return this.sessionId;
    if (!this.reopening) {
      this.reopening = this.create().then(
        (fresh) => {
          this.reopening = null;
          this.sessionId = fresh;
          return fresh;
        },
        (e: unknown) => {
          this.reopening = null;
          throw e;
        },
      );
    }
    return this.reopening;
  }

  /** Idempotent and best-effort: the server session is deleted if it still exists. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const id = this.sessionId;
    this.sessionId = null;
    if (id === null) return;
    const path = `/api/2.0/sql/sessions/${id}?warehouse_id=${encodeURIComponent(this.config.warehouseId)}`;
    try {
      await this.api.call('CloseSession', 'DELETE', path);
    } catch {
      // Best-effort: an abandoned session expires on the server's idle timeout.
    }
  }
}

/**
 * The server's answer for a statement submitted on a session it no longer has: recognised from
 * status and body together (404/400 with a message naming the session), never from status alone.
 */
export function isSessionGone(error: unknown): boolean {
  if (!(error instanceof Error) || !('httpStatus' in error)) return false;
  const status = (error as SluiceError).httpStatus;
  const message = error.message.toLowerCase();
  return (
    (status === 404 || status === 400) &&
    message.includes('session') &&
    (message.includes('does not exist') || message.includes('not found') || message.includes('expired'))
  );
}
