/**
 * One statement execution (as crates/kernel/src/statement.rs): submit, poll to a terminal
 * state, stream the result. `cancel()` and `close()` never queue behind an in-flight call: they
 * abort local work first and talk to the server with their own requests.
 */

import type {
  BackendColumn,
  BackendExecuteArgs,
  BackendParameter,
  BackendResultInfo,
  BackendStatement,
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

function isCode(e: unknown, ...codes: string[]): boolean {
  return e instanceof Error && 'code' in e && codes.includes((e as SluiceError).code);
}

export class Statement implements BackendStatement {
  /** Aborted by cancel(), close() and the client-side timeout: stops every local wait. */
  private readonly controller = new AbortController();
  private id: string | null = null;
  private started = false;
  /** Nothing is left to cancel on the server: the statement ended, or a cancel was sent. */
  private settled = false;
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
    let timer: NodeJS.Timeout | undefined;
    const run = this.run(sql, args);
    try {
      if (args.timeoutMs === undefined) return await run;
      const limit = args.timeoutMs;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.controller.abort();
          reject(
            makeError(`the statement did not finish within ${limit} ms and was cancelled`, {
              code: 'Timeout',
              statementId: this.id ?? undefined,
            }),
          );
        }, limit);
      });
      // The losing `run` settles later with a cancellation nobody needs to see.
      run.catch(() => undefined);
      return await Promise.race([run, timeout]);
    } catch (e) {
      if (isCode(e, 'Cancelled', 'Timeout')) this.cancelOnServer();
      throw withStatementId(this.closedUnder(e), this.id);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async run(sql: string, args: BackendExecuteArgs): Promise<BackendResultInfo> {
    let sessionId = this.session.current();
    let response: StatementResponse;
    for (let reopened = false; ; ) {
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
    this.results = new ResultStream(
      { api: this.session.api, transport: this.transport, config: this.session.config.results, statementId: id },
      manifest,
      first,
      this.controller.signal,
    );
    const info: BackendResultInfo = {
      statementId: id,
      columns: columns.map(toColumn),
      truncated: manifest.truncated ?? false,
      schemaIpc: schemaOnlyIpc(schemaFromColumns(columns)),
    };
    if (manifest.total_row_count !== undefined) info.totalRowCount = manifest.total_row_count;
    return info;
  }

  /**
   * Submits the statement. The request itself is not aborted by a cancel: when the caller
   * cancels while it is in flight, it still completes, so the statement id is learned and the
   * statement cancelled on the server.
   */
  private submit(sql: string, sessionId: string, args: BackendExecuteArgs): Promise<StatementResponse> {
    const config = this.session.config;
    const body: ExecuteRequest = {
      statement: sql,
      warehouse_id: config.warehouseId,
      session_id: sessionId,
      disposition: 'INLINE_OR_EXTERNAL_LINKS',
      format: 'ARROW_STREAM',
      wait_timeout: `${config.waitTimeoutSecs}s`,
      on_wait_timeout: 'CONTINUE',
    };
    if (config.results.lz4) body.result_compression = 'LZ4_FRAME';
    if (args.rowLimit !== undefined) body.row_limit = args.rowLimit;
    if (args.parameters && args.parameters.length > 0) body.parameters = args.parameters.map(toWire);
    if (args.queryTags && args.queryTags.length > 0) body.query_tags = args.queryTags;
    const signal = this.controller.signal;
    const request = this.session.api
      .call('ExecuteStatement', 'POST', '/api/2.0/sql/statements', body)
      .then((answer) => {
        const response = asStatementResponse(answer, 'execute statement');
        this.id = response.statement_id;
        return response;
      });
    return new Promise<StatementResponse>((resolve, reject) => {
      if (signal.aborted) {
        this.cancelWhenSubmitted(request);
        reject(cancelled('the statement was cancelled'));
        return;
      }
      const onAbort = () => {
        this.cancelWhenSubmitted(request);
        reject(cancelled('the statement was cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private cancelWhenSubmitted(request: Promise<StatementResponse>): void {
    request.then(
      async (response) => {
        const running = !isTerminal(response.status.state);
        this.settled = true;
        if (running) await this.cancelRemote(response.statement_id);
        // close() ran before the id was known: it could not close the statement then.
        if (this.closed)
          await this.bestEffort('CloseStatement', 'DELETE', `/api/2.0/sql/statements/${response.statement_id}`);
      },
      () => undefined,
    );
  }

  private async poll(first: StatementResponse): Promise<StatementResponse> {
    const { pollInitialMs, pollMaxMs } = this.session.config;
    const signal = this.controller.signal;
    let response = first;
    let interval = pollInitialMs;
    while (!isTerminal(response.status.state)) {
      try {
        await sleep(interval, signal);
      } catch {
        throw cancelled('the statement was cancelled');
      }
      interval = Math.min(interval * 2, pollMaxMs);
      const path = `/api/2.0/sql/statements/${response.statement_id}`;
      response = asStatementResponse(
        await this.session.api.call('GetStatement', 'GET', path, undefined, signal),
        'get statement status',
      );
    }
    return response;
  }

  async nextChunk(): Promise<Uint8Array | null> {
    this.checkOpen();
    if (this.controller.signal.aborted) throw cancelled('the statement was cancelled', this.id ?? undefined);
    if (!this.results) throw programmingError('the statement has no result: execute it first');
    try {
      return await this.results.nextChunk();
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
    this.controller.abort();
    this.results?.cancel();
    this.cancelOnServer();
  }

  private cancelOnServer(): void {
    if (this.settled || this.id === null) return;
    void this.cancelRemote(this.id);
  }

  /** Idempotent, best-effort: stops downloads, drops buffered results, closes on the server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort();
    this.results?.cancel();
    this.results = null;
    const id = this.id;
    if (id === null) return;
    if (!this.settled) await this.cancelRemote(id);
    await this.bestEffort('CloseStatement', 'DELETE', `/api/2.0/sql/statements/${id}`);
  }

  private cancelRemote(id: string): Promise<void> {
    this.settled = true;
    return this.bestEffort('CancelStatement', 'POST', `/api/2.0/sql/statements/${id}/cancel`);
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
