/**
 * One statement execution (as crates/kernel/src/statement.rs): submit, poll to a terminal
 * state, stream the result. `cancel()`, the timeout and `close()` never queue behind an
 * in-flight call. A stop never abandons a running statement: it is cancelled on the server as
 * soon as its id is known, and polled on to the server's verdict, so the caller hears
 * `Cancelled` or `Timeout` only when the statement did not complete, never for a committed change.
 */

import type {
  BackendColumn,
  BackendExecuteArgs,
  BackendParameter,
  BackendResultInfo,
  BackendStatement,
  ResultChunk,
} from '../backend';
import { interfaceError, makeError, programmingError, type SluiceError } from '../errors';
import { cancelled, internal, statementFailure, withStatementId } from './failures';
import { ResultStream } from './results';
import { isSessionGone, type Session } from './session';
import { sleep } from './sleep';
import type { Transport } from './transport';
import { schemaFromColumns, schemaOnlyIpc } from './types';
import {
  asResultData,
  asStatementResponse,
  type ColumnInfo,
  type ExecuteRequest,
  isTerminal,
  type ParameterItem,
  type StatementResponse,
} from './wire';

function toWire(p: BackendParameter): ParameterItem {
  const item: ParameterItem = {};
  if (p.name !== undefined) item.name = p.name;
  if (p.ordinal !== undefined) item.ordinal = p.ordinal;
  if (p.typeName !== undefined) item.type = p.typeName;
  if (p.value !== undefined) item.value = p.value;
  return item;
}

function toColumn(c: ColumnInfo): BackendColumn {
  const column: BackendColumn = { name: c.name };
  if (c.type_text !== undefined) column.typeText = c.type_text;
  if (c.type_name !== undefined) column.typeName = c.type_name;
  if (c.position !== undefined) column.position = c.position;
  if (c.type_precision !== undefined) column.typePrecision = c.type_precision;
  if (c.type_scale !== undefined) column.typeScale = c.type_scale;
  if (c.type_interval_type !== undefined) column.typeIntervalType = c.type_interval_type;
  return column;
}

/**
 * The pause before the next poll of a statement `ageMs` old, as the kernel's `poll_wait`: none
 * while it is younger than `initialMs`, then an eighth of its age, from 1 ms up to `maxMs`.
 */
export function pollWait(ageMs: number, initialMs: number, maxMs: number): number {
  if (ageMs < initialMs) return 0;
  return Math.min(Math.max(ageMs / 8, 1), maxMs);
}

/** Why `stopping` aborts; the stop's own reason is `stopReason`. */
const STOPPED = new Error('the statement was stopped');

function isCode(e: unknown, ...codes: string[]): boolean {
  return e instanceof Error && 'code' in e && codes.includes((e as SluiceError).code);
}

/** What stopped a statement first: decides the error a cancelled statement raises. */
type StopReason = { code: 'Cancelled' } | { code: 'Timeout'; limitMs: number };

export class Statement implements BackendStatement {
  /**
   * Aborted by cancel(), the timeout and close(): execute asks the server to cancel (as soon as
   * the statement id is known) and polls on to the verdict. The result stream is stopped apart
   * (`results.cancel()`): a stop before it exists leaves it alone, since the statement completed
   * despite the stop and its result is the caller's to read.
   */
  private readonly stopping = new AbortController();
  private stopReason: StopReason | null = null;
  private id: string | null = null;
  private started = false;
  /** An execute is in flight: it closes the statement on the server itself if close() came meanwhile. */
  private executing = false;
  /** Nothing is left to cancel on the server: the statement ended, or the cancel was sent. */
  private settled = false;
  /** The one cancel request, shared by every caller that needs it sent. */
  private cancelRequest: Promise<void> | null = null;
  private closed = false;
  private results: ResultStream | null = null;

  constructor(
    private readonly session: Session,
    private readonly transport: Transport,
  ) {}

  get statementId(): string | null {
    return this.id;
  }

  private checkOpen(): void {
    if (this.closed) throw interfaceError('the statement is closed');
    if (this.session.isClosed) throw interfaceError('the connection is closed');
  }

  async execute(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo> {
    this.checkOpen();
    if (this.started) throw programmingError('a statement handle runs one statement; create another');
    this.started = true;
    this.executing = true;
    const limit = args.timeoutMs;
    const timer =
      limit === undefined ? undefined : setTimeout(() => this.stop({ code: 'Timeout', limitMs: limit }), limit);
    try {
      return await this.run(sql, args);
    } catch (e) {
      throw withStatementId(this.closedUnder(this.stoppedAs(e)), this.id);
    } finally {
      clearTimeout(timer);
      this.executing = false;
      // close() came while the statement ran: it was left to this call, which knows the id now.
      if (this.closed && this.id !== null) await this.closeRemote(this.id);
    }
  }

  private async run(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo> {
    let sessionId = this.session.current();
    let response: StatementResponse;
    for (let reopened = false; ; ) {
      // Nothing was accepted yet: a stop ends the call here, and nothing ran.
      if (this.stopping.signal.aborted) throw cancelled('the statement was cancelled before it was sent');
      try {
        response = await this.submit(sql, sessionId, args);
        break;
      } catch (e) {
        if (reopened || !isSessionGone(e)) throw e;
        sessionId = await this.session.reopen(sessionId);
        reopened = true;
      }
    }
    response = await this.poll(response);
    this.settled = true;
    const id = response.statement_id;
    switch (response.status.state) {
      case 'SUCCEEDED':
        // Completed, even if a stop came meanwhile: the caller is told the truth.
        break;
      case 'FAILED':
        throw statementFailure(id, response.status);
      case 'CANCELED':
        throw cancelled('the statement was cancelled', id);
      case 'CLOSED':
        throw makeError('the statement (on the server) is closed', { code: 'Closed', statementId: id });
      default:
        throw internal(`the statement ended in an unexpected state ${response.status.state}`, id);
    }
    const manifest = response.manifest ?? {};
    const columns = manifest.schema?.columns ?? [];
    const first = response.result ? asResultData(response.result, 'execute statement') : undefined;
    if (!this.closed) {
      this.results = new ResultStream(
        { api: this.session.api, transport: this.transport, config: this.session.config.results, statementId: id },
        manifest,
        first,
      );
    }
    let schemaIpc: Uint8Array | undefined;
    const info: BackendResultInfo = {
      statementId: id,
      columns: columns.map(toColumn),
      truncated: manifest.truncated ?? false,
      // Built when asked for (an empty result read as Arrow): encoding it took about 50 µs, a
      // third of a SELECT 1's time in the driver.
      get schemaIpc() {
        schemaIpc ??= schemaOnlyIpc(schemaFromColumns(columns));
        return schemaIpc;
      },
    };
    if (manifest.total_row_count !== undefined) info.totalRowCount = manifest.total_row_count;
    return info;
  }

  /**
   * Submits the statement. A stop does not abandon the request in flight (its answer names the
   * statement to cancel); it only ends a wait between retries, when nothing was accepted.
   *
   * By default (`waitTimeoutSecs` 0) the submission does not wait on the warehouse, so the id is
   * known at once and a stop reaches the statement whatever the moment; a connection that asks
   * for a wait trades that for one round trip less on tiny statements (see
   * crates/kernel/src/statement.rs, `submit`).
   */
  private async submit(sql: string, sessionId: string, args: BackendExecuteArgs): Promise<StatementResponse> {
    const config = this.session.config;
    const body: ExecuteRequest = {
      statement: sql,
      warehouse_id: config.warehouseId,
      session_id: sessionId,
      disposition: 'INLINE_OR_EXTERNAL_LINKS',
      format: 'ARROW_STREAM',
      wait_timeout: args.timeoutMs !== undefined || args.stoppable ? '0s' : `${config.waitTimeoutSecs}s`,
      on_wait_timeout: 'CONTINUE',
    };
    if (config.results.lz4) body.result_compression = 'LZ4_FRAME';
    if (args.rowLimit !== undefined) body.row_limit = args.rowLimit;
    if (args.parameters && args.parameters.length > 0) body.parameters = args.parameters.map(toWire);
    if (args.queryTags && args.queryTags.length > 0) body.query_tags = args.queryTags;
    const answer = await this.session.api.call(
      'ExecuteStatement',
      'POST',
      '/api/2.0/sql/statements',
      body,
      this.stopping.signal,
    );
    const response = asStatementResponse(answer, 'execute statement');
    this.id = response.statement_id;
    if (isTerminal(response.status.state)) this.settled = true;
    return response;
  }

  /**
   * Polls to a terminal state (see `pollWait`). A stop sends the cancel (once) and polls on at
   * once, to learn whether the server cancelled or completed the statement.
   */
  private async poll(first: StatementResponse): Promise<StatementResponse> {
    const { pollInitialMs, pollMaxMs } = this.session.config;
    const stop = this.stopping.signal;
    const path = `/api/2.0/sql/statements/${first.statement_id}`;
    const submitted = performance.now();
    let response = first;
    let wait = 0;
    while (!isTerminal(response.status.state)) {
      if (stop.aborted) {
        await this.requestCancel();
      } else if (wait > 0) {
        await sleep(wait, stop).catch(() => undefined);
        if (stop.aborted) continue;
      }
      wait = pollWait(performance.now() - submitted, pollInitialMs, pollMaxMs);
      response = asStatementResponse(await this.session.api.call('GetStatement', 'GET', path), 'get statement status');
    }
    return response;
  }

  /** The error a stopped call raises: a cancellation reads as the timeout when that stopped it. */
  private stoppedAs(e: unknown): unknown {
    const reason = this.stopReason;
    if (reason?.code !== 'Timeout' || !isCode(e, 'Cancelled')) return e;
    return makeError(`the statement did not finish within ${reason.limitMs} ms and was cancelled`, {
      code: 'Timeout',
      statementId: this.id ?? undefined,
    });
  }

  async nextChunk(): Promise<ResultChunk | null> {
    this.checkOpen();
    if (!this.results) throw programmingError('the statement has no result: execute it first');
    try {
      const ipc = await this.results.nextChunk();
      return ipc === null ? null : { ipc };
    } catch (e) {
      throw this.closedUnder(e);
    }
  }

  /**
   * Closing the connection destroys the transport under requests in flight: their failure is the
   * close, not the network, and reads as the native backend's.
   */
  private closedUnder(e: unknown): unknown {
    return this.session.isClosed && isCode(e, 'Network') ? interfaceError('the connection is closed') : e;
  }

  /** Stops local work at once and asks the server to cancel; does not wait. */
  cancel(): void {
    this.stop({ code: 'Cancelled' });
  }

  private stop(reason: StopReason): void {
    this.stopReason ??= reason;
    // With a reason: abort() alone builds a DOMException, stack trace and all, on every close.
    this.stopping.abort(STOPPED);
    this.results?.cancel();
    void this.requestCancel();
  }

  /**
   * Sends the cancel once, when the statement is known and not known to be finished; resolves
   * when the server answered it. Before the id is known the running execute sends it later.
   */
  private requestCancel(): Promise<void> {
    if (this.cancelRequest === null && !this.settled && this.id !== null) {
      this.settled = true;
      this.cancelRequest = this.bestEffort('CancelStatement', 'POST', `/api/2.0/sql/statements/${this.id}/cancel`);
    }
    return this.cancelRequest ?? Promise.resolve();
  }

  /**
   * Idempotent, best-effort: stops downloads, drops buffered results, cancels a running statement
   * and closes it on the server. An execute in flight is not abandoned: it learns its verdict, then
   * closes the statement itself.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop({ code: 'Cancelled' });
    this.results = null;
    if (this.executing || this.id === null) return;
    await this.requestCancel();
    await this.closeRemote(this.id);
  }

  private closeRemote(id: string): Promise<void> {
    return this.bestEffort('CloseStatement', 'DELETE', `/api/2.0/sql/statements/${id}`);
  }

  private async bestEffort(
    op: 'CancelStatement' | 'CloseStatement',
    method: 'POST' | 'DELETE',
    path: string,
  ): Promise<void> {
    try {
      await this.session.api.call(op, method, path);
    } catch {
      // The server cleans up abandoned statements itself; nothing useful to report.
    }
  }
}
