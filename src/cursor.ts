/**
 * The PEP 249 cursor. One backend statement per `execute`; chunks are pulled as rows are fetched
 * and kept as Arrow until their rows are taken, so memory stays bounded by the columnar data of
 * one chunk plus the rows the caller asked for.
 */

import type { Readable, Writable } from 'node:stream';
import { type RecordBatch, Table } from 'apache-arrow';
import { watchAbort } from './abort-watch';
import type { BackendColumn, BackendConnection, BackendResultInfo, BackendStatement, ResultChunk } from './backend';
import { type ExecuteOptions, executeOptions, type FetchOptions, fetchOptions, shown } from './call-options';
import { chunkBatches, ipcSchema } from './chunk-batches';
import { type ColumnDescription, describe } from './description';
import { interfaceError, OperationalError, programmingError, SluiceError } from './errors';
import type { StreamOptions } from './export/options';
import { type RowStreamOptions, rowStream } from './export/rows';
import { type ExportStream, type ExportSummary, type ExportTarget, exportStream, exportTo } from './export/stream';
import { LONE_SURROGATE, type Params, toWireParameters } from './params';
import { RowQueue } from './row-queue';
import { batchRows, rowKeys, type ValuePolicy } from './values';

export interface CursorSettings {
  rowMode: 'object' | 'array';
  policy: ValuePolicy;
  /** Row keys of repeated column names: suffixed `_2`, `_3`... (absent), or one key, the last column's value. */
  repeatedNames?: 'suffix' | 'last';
}

type Row = Record<string, unknown>;

function abortError(signal: AbortSignal): OperationalError {
  return new OperationalError('the operation was aborted', { code: 'Aborted' }, { cause: signal.reason });
}

/**
 * A pending call whose result the cursor let go of meanwhile: it was closed or ran another
 * statement. An execute that resolved says its statement completed: that change was made.
 */
function released(completed: boolean): SluiceError {
  if (completed) {
    return interfaceError(
      'the statement completed on the warehouse, but the cursor was closed or ran another statement meanwhile; its result is gone',
    );
  }
  return new OperationalError('the cursor was closed or ran another statement while this call was pending', {
    code: 'Cancelled',
  });
}

/**
 * Runs `work`, cancelling `statement` when `signal` aborts. A call the abort stopped rejects with
 * an abort error; one that finished anyway (the warehouse completed the statement before the
 * cancel reached it) keeps its outcome, so an abort is never reported for a completed change.
 */
async function withSignal<T>(
  signal: AbortSignal | undefined,
  statement: BackendStatement,
  work: () => Promise<T>,
): Promise<T> {
  if (!signal) return work();
  if (signal.aborted) {
    statement.cancel();
    throw abortError(signal);
  }
  const unwatch = watchAbort(signal, () => statement.cancel());
  try {
    return await work();
  } catch (e) {
    if (signal.aborted && e instanceof SluiceError && e.code === 'Cancelled') throw abortError(signal);
    throw e;
  } finally {
    unwatch();
  }
}

/** A DML statement's keyword, after any leading comments. */
const DML = /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:INSERT|UPDATE|DELETE|MERGE)\b/i;

/**
 * The one-row result Databricks gives DML (`num_affected_rows`, ...): its count is the rowcount.
 * The statement must be DML too, so a query of a column by that name keeps its row count.
 */
function isDmlCount(sql: string, info: BackendResultInfo): boolean {
  return (
    DML.test(sql) && info.columns.length > 0 && info.columns[0].name === 'num_affected_rows' && info.totalRowCount === 1
  );
}

/** Closing a result is best-effort; only a programming error is worth raising. */
async function closeQuietly(statement: BackendStatement | null): Promise<void> {
  try {
    await statement?.close();
  } catch (e) {
    if (!(e instanceof SluiceError)) throw e;
  }
}

export class Cursor<R = Row> implements AsyncIterable<R> {
  #arraysize = 1;
  /** Column descriptions of the last result, or null before a query or after a statement without one. */
  description: ColumnDescription[] | null = null;
  /** Rows in the last result when known, affected rows for DML, else -1. */
  rowcount = -1;
  /** True when the server cut the last result at `rowLimit`. */
  truncated = false;

  // #private fields: util.inspect never walks into the backend, which holds credentials and links.
  #statement: BackendStatement | null = null;
  readonly #connection: BackendConnection;
  private info: BackendResultInfo | null = null;
  private keys: string[] = [];
  private readonly queue = new RowQueue((batch) =>
    batchRows(batch, this.keys, this.settings.rowMode, this.settings.policy),
  );
  /** Rows of the current result were fetched: Arrow access is no longer possible. */
  private rowsFetched = false;
  private done = true;
  /** Why the current result broke: later fetches raise it again instead of ending it early. */
  private failure: unknown = undefined;
  private closed = false;
  private signal: AbortSignal | undefined;
  /** Closes of earlier results still under way (see `release`). */
  private readonly closing = new Set<Promise<void>>();
  /** The last backend chunk call: overlapping fetches take turns (see `inTurn`). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    connection: BackendConnection,
    private readonly settings: CursorSettings,
    private readonly onClose: (cursor: Cursor<unknown>) => void,
  ) {
    this.#connection = connection;
  }

  /** Default size of `fetchmany()`: a positive integer. */
  get arraysize(): number {
    return this.#arraysize;
  }

  set arraysize(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw programmingError(`arraysize must be a positive integer, got ${shown(size)}`);
    this.#arraysize = size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The warehouse's description of the last result's columns (full type text, interval kind), or null. */
  get columns(): readonly BackendColumn[] | null {
    return this.info?.columns ?? null;
  }

  /** The id the warehouse gave the last statement. */
  get statementId(): string | null {
    return this.info?.statementId ?? this.#statement?.statementId ?? null;
  }

  private checkOpen(): void {
    if (this.closed) throw interfaceError('the cursor is closed');
  }

  private checkResult(): BackendStatement {
    this.checkOpen();
    if (!this.#statement || !this.info) throw programmingError('no result to fetch: call execute() first');
    if (this.info.columns.length === 0) throw programmingError('the last statement produced no result set');
    return this.#statement;
  }

  /**
   * Before handing out rows: from then on the result is read as rows, not Arrow. A result that
   * failed stays failed: not even rows buffered before the failure come out.
   */
  private startRows(): BackendStatement {
    const statement = this.checkResult();
    this.checkNotFailed();
    this.rowsFetched = true;
    return statement;
  }

  private checkNotFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** After an await: `statement` must still be the cursor's, or the pending call lost its result. */
  private current(statement: BackendStatement, completed = false): void {
    if (this.#statement !== statement) throw released(completed);
  }

  /** Runs one statement. Resolves to this cursor once the warehouse has finished it. */
  async execute<T = R>(sql: string, params?: Params, given?: ExecuteOptions): Promise<Cursor<T>> {
    this.checkOpen();
    if (typeof sql !== 'string' || sql.trim() === '') throw programmingError('sql must be a non-empty string');
    if (LONE_SURROGATE.test(sql)) throw programmingError('sql holds a lone UTF-16 surrogate');
    const options = executeOptions(given);
    const parameters = toWireParameters(params);
    // The previous result is closed on the warehouse beside this execute, not before it: waiting
    // for that round trip would add it to every execute's latency.
    this.release(this.detach());
    if (options.signal?.aborted) throw abortError(options.signal);
    // Claimed before any await: an overlapping execute or close() then finds this statement and
    // closes it, where it would otherwise run unseen, never closed, its result mixed with another.
    const statement = this.#connection.statement();
    this.#statement = statement;
    this.signal = options.signal;
    // One microtask turn before sending: an execute or close() later in the same tick then
    // supersedes this one before anything reaches the warehouse.
    await undefined;
    this.current(statement);
    const info = await this.call(
      statement,
      options.signal,
      () =>
        statement.execute(sql, {
          parameters,
          timeoutMs: options.timeout,
          rowLimit: options.rowLimit,
          queryTags: options.queryTags && Object.entries(options.queryTags).map(([key, value]) => ({ key, value })),
          stoppable: options.signal !== undefined,
        }),
      true,
    );
    this.info = info;
    this.description = info.columns.length > 0 ? describe(info.columns) : null;
    const names = info.columns.map((c) => c.name);
    this.keys = this.settings.repeatedNames === 'last' ? names : rowKeys(names);
    this.truncated = info.truncated;
    // A statement without a result set (DDL) has no row count to report.
    this.rowcount = info.columns.length > 0 ? (info.totalRowCount ?? -1) : -1;
    this.done = false;
    if (isDmlCount(sql, info)) {
      // Read from the Arrow data, so the result stays available as rows or as Arrow. Without the
      // signal: the change is made, and an abort now must not hide its count behind an abort error.
      while (this.queue.size === 0 && (await this.pull(statement, undefined))) {}
      const count: unknown = this.queue.firstBatch()?.getChildAt(0)?.get(0);
      this.rowcount = typeof count === 'bigint' ? Number(count) : -1;
    }
    return this as unknown as Cursor<T>;
  }

  /**
   * Runs `work` on `statement`, cancelling it when `signal` aborts (and then closing it on the
   * warehouse); rejects if the cursor let go of the statement while `work` was pending.
   */
  private async call<T>(
    statement: BackendStatement,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
    isExecute = false,
  ): Promise<T> {
    try {
      const value = await withSignal(signal, statement, work);
      this.current(statement, isExecute);
      return value;
    } catch (e) {
      if (signal?.aborted && this.#statement === statement) await this.discard();
      throw e;
    }
  }

  /**
   * The next chunk of `statement`'s result. A failure ends the result: a later (or overlapping)
   * fetch raises it again, so a short result never passes for a whole one, even from rows the
   * cursor buffered before the failure.
   */
  private async nextChunk(statement: BackendStatement, signal: AbortSignal | undefined): Promise<ResultChunk | null> {
    if (this.failure !== undefined) throw this.failure;
    let chunk: ResultChunk | null;
    try {
      chunk = await this.call(statement, signal, () =>
        this.inTurn(() => {
          // The cursor may have let go of the result while this call waited for its turn.
          this.current(statement);
          return statement.nextChunk();
        }),
      );
    } catch (e) {
      if (this.#statement === statement) this.failure ??= e;
      throw e;
    }
    if (this.failure !== undefined) throw this.failure;
    return chunk;
  }

  /**
   * Runs `work` after the backend calls before it settled. The native binding may settle
   * overlapping `nextChunk` calls out of order, handing a later chunk (or the end) to an earlier
   * caller: rows would come out reordered, or a fetch would see the end before the last rows.
   */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** Runs the statement once per parameter set; `rowcount` is the sum of affected rows when known. */
  async executemany(sql: string, seq: Iterable<Params>, options?: ExecuteOptions): Promise<this> {
    this.checkOpen();
    executeOptions(options);
    if (typeof (seq as Partial<Iterable<Params>> | null | undefined)?.[Symbol.iterator] !== 'function') {
      throw programmingError('executemany needs an iterable of parameter sets');
    }
    let total = 0;
    let known = true;
    let ran = false;
    for (const params of seq) {
      ran = true;
      await this.execute(sql, params, options);
      if (this.rowcount < 0) known = false;
      else total += this.rowcount;
    }
    // No parameter set ran nothing: the previous result must not pass for this call's.
    if (!ran) this.release(this.detach());
    this.rowcount = known ? total : -1;
    return this;
  }

  /** The next chunk of `statement`'s result as Arrow record batches; null at the end. */
  private async nextBatches(
    statement: BackendStatement,
    signal: AbortSignal | undefined,
  ): Promise<RecordBatch[] | null> {
    this.current(statement);
    if (this.done) return null;
    const chunk = await this.nextChunk(statement, signal);
    if (chunk === null) {
      this.done = true;
      return null;
    }
    return chunkBatches(chunk);
  }

  /** Pulls the next chunk of `statement`'s rows into the buffer; false at the end. */
  private async pull(statement: BackendStatement, signal: AbortSignal | undefined): Promise<boolean> {
    const batches = await this.nextBatches(statement, signal);
    if (batches === null) return false;
    for (const batch of batches) this.queue.push(batch);
    return true;
  }

  /** The next row already pulled, or undefined when a chunk must be pulled first. */
  private buffered(): R | undefined {
    this.startRows();
    return this.queue.size > 0 ? (this.queue.takeOne() as R) : undefined;
  }

  async fetchone(options?: FetchOptions): Promise<R | null> {
    const statement = this.startRows();
    const signal = fetchOptions(options).signal ?? this.signal;
    for (;;) {
      const row = this.buffered();
      if (row !== undefined) return row;
      // Overlapping fetches may have left rows buffered after the last chunk: they come first.
      if (!(await this.pull(statement, signal))) return this.buffered() ?? null;
    }
  }

  async fetchmany(size: number = this.arraysize, options?: FetchOptions): Promise<R[]> {
    const statement = this.startRows();
    if (!Number.isInteger(size) || size < 0) throw programmingError('fetchmany size must be a non-negative integer');
    const signal = fetchOptions(options).signal ?? this.signal;
    while (this.queue.size < size) {
      if (!(await this.pull(statement, signal))) break;
    }
    return this.queue.take(size) as R[];
  }

  async fetchall(options?: FetchOptions): Promise<R[]> {
    const statement = this.startRows();
    const signal = fetchOptions(options).signal ?? this.signal;
    while (await this.pull(statement, signal)) {}
    return this.queue.take(this.queue.size) as R[];
  }

  /** The rest of the result as Arrow record batches, in order. */
  async *arrowBatches(options?: FetchOptions): AsyncGenerator<RecordBatch> {
    const statement = this.checkResult();
    const signal = fetchOptions(options).signal ?? this.signal;
    if (this.rowsFetched) {
      throw programmingError('rows were already fetched from this result; Arrow access must come first');
    }
    this.checkNotFailed();
    // Chunks pulled before (a DML count) come first.
    yield* this.queue.takeBatches();
    for (;;) {
      const batches = await this.nextBatches(statement, signal);
      if (batches === null) return;
      yield* batches;
    }
  }

  /** The rest of the result as one apache-arrow Table. */
  async fetchArrow(options?: FetchOptions): Promise<Table> {
    const statement = this.checkResult();
    // Taken now: an empty result's table is built from this result's schema after the await.
    const info = this.info as BackendResultInfo;
    const batches: RecordBatch[] = [];
    // Every chunk is kept until the table is built, so the collections its memory would trigger
    // on the way could free none of it: the backend counts that memory once, at the end.
    const counted = statement.deferMemoryAccounting?.();
    try {
      for await (const batch of this.arrowBatches(options)) batches.push(batch);
    } finally {
      counted?.();
    }
    if (batches.length > 0) return new Table(batches);
    return new Table(ipcSchema(info.schemaIpc));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<R> {
    for (;;) {
      // A buffered row is taken without awaiting fetchone's promise: one promise per row, not two.
      const row = this.buffered() ?? (await this.fetchone());
      if (row === null) return;
      yield row;
    }
  }

  /** The rest of the result as the bytes of one file (CSV unless told): see src/export/. */
  stream(options?: StreamOptions): ExportStream {
    return exportStream(() => this.exportTarget(), options);
  }

  /** Writes the rest of the result to a path (whole, or not at all) or a Writable. */
  async export(destination: string | Writable, options?: StreamOptions): Promise<ExportSummary> {
    return exportTo(() => this.exportTarget(), destination, options);
  }

  /** The rest of the result as an object-mode Readable of rows. */
  rows(options?: RowStreamOptions): Readable {
    const statement = this.startRows();
    return rowStream<R>(this, options, () => void statement.close().catch(() => undefined));
  }

  /** Hands the whole result to an export, which reads it from the backend itself. */
  private exportTarget(): ExportTarget {
    const statement = this.checkResult();
    if (this.rowsFetched || this.queue.size > 0)
      throw programmingError('an export needs the whole result: call it before fetching');
    this.rowsFetched = true;
    this.done = true;
    return { statement, info: this.info as BackendResultInfo, signal: this.signal };
  }

  /** Asks the warehouse to cancel the running statement; returns at once. */
  cancel(): void {
    this.#statement?.cancel();
  }

  /**
   * PEP 249 `setinputsizes`: does nothing, since the warehouse types every parameter from its
   * value (use `typed()` to choose a type).
   */
  setinputsizes(_sizes: unknown): void {
    this.checkOpen();
  }

  /** PEP 249 `setoutputsize`: does nothing, since values arrive whole in Arrow batches. */
  setoutputsize(_size: number, _column?: number | string): void {
    this.checkOpen();
  }

  private async discard(): Promise<void> {
    await closeQuietly(this.detach());
  }

  /** Lets go of the current result at once; returns its statement, for the caller to close. */
  private detach(): BackendStatement | null {
    const statement = this.#statement;
    this.#statement = null;
    this.info = null;
    this.description = null;
    this.rowcount = -1;
    this.truncated = false;
    this.queue.clear();
    this.rowsFetched = false;
    this.done = true;
    this.failure = undefined;
    return statement;
  }

  /**
   * Closes a result the cursor let go of, in the background. A close that fails with a
   * programming error stays in `closing` for close() to raise; the others leave it when done.
   */
  private release(statement: BackendStatement | null): void {
    if (!statement) return;
    const closing = closeQuietly(statement);
    this.closing.add(closing);
    closing.then(
      () => this.closing.delete(closing),
      () => undefined,
    );
  }

  /** Idempotent. Resolves once every result the cursor had is closed on the warehouse. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this as Cursor<unknown>);
    await this.discard();
    await Promise.all(this.closing);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
