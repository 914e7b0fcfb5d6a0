/** @databricks/sql's IOperation over a sluice cursor (or the rows of a metadata call). */

import { Readable } from 'node:stream';
import type IOperation from './contracts/IOperation';
import type {
  FetchOptions,
  FinishedOptions,
  GetSchemaOptions,
  IOperationChunksIterator,
  IOperationRowsIterator,
  IteratorOptions,
  NodeStreamOptions,
} from './contracts/IOperation';
import { ResultFormat, type ResultMetadata } from './contracts/ResultMetadata';
import Status from './dto/Status';
import { translated } from './error-mapping';
import HiveDriverError from './errors/HiveDriverError';
import OperationStateError, { OperationStateErrorCode } from './errors/OperationStateError';
import { tableSchema } from './schema';
import type { OperationSource } from './source';
import {
  type TGetOperationStatusResp,
  TOperationState,
  TStatusCode,
  type TTableSchema,
} from './thrift/TCLIService_types';

/** Rows `iterateRows` reads from the cursor at a time. */
const ROWS_AHEAD = 1024;

/** @databricks/sql's default page size of `fetchChunk`. */
const DEFAULT_MAX_ROWS = 100_000;

type Row = Record<string, unknown>;

function pageSize(options: FetchOptions | undefined): number {
  const n = options?.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Number.isInteger(n) || n < 1) throw new HiveDriverError(`maxRows must be a positive integer, got ${String(n)}`);
  return n;
}

/** Runs `next` per step; closes the operation at the end (or an early `return`) with `autoClose`. */
function iterator<T>(
  operation: DBSQLOperation,
  options: IteratorOptions | undefined,
  next: () => Promise<IteratorResult<T, undefined>>,
): AsyncIterableIterator<T> & { readonly operation: IOperation } {
  const close = async () => {
    if (options?.autoClose) await operation.close();
  };
  return {
    operation,
    async next() {
      const result = await next();
      if (result.done) await close();
      return result;
    },
    async return() {
      await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export default class DBSQLOperation implements IOperation {
  private closed = false;
  private cancelled = false;
  /** Rows read ahead by `hasMoreRows()`, handed out first. */
  private ahead: Row[] = [];
  private exhausted = false;
  /** The statement's failure, for `status()` to report. */
  private failure: { message: string; sqlState?: string } | undefined;

  constructor(
    private readonly source: OperationSource,
    private readonly maxRetries: number,
    private readonly onClose: (operation: DBSQLOperation) => void,
  ) {
    source.ready.catch((e: unknown) => {
      const error = e as { message?: unknown; sqlState?: unknown };
      this.failure = {
        message: String(error?.message ?? e),
        sqlState: typeof error?.sqlState === 'string' ? error.sqlState : undefined,
      };
    });
  }

  get id(): string {
    return this.source.id;
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return translated(this.maxRetries, work);
  }

  private failIfClosed(): void {
    if (this.closed) throw new OperationStateError(OperationStateErrorCode.Closed);
    if (this.cancelled) throw new OperationStateError(OperationStateErrorCode.Canceled);
  }

  /** Waits for the statement; false when it has no result set. */
  private async readyWithResult(): Promise<boolean> {
    this.failIfClosed();
    await this.source.ready;
    this.failIfClosed();
    return this.source.columns() !== null;
  }

  async fetchChunk(options?: FetchOptions): Promise<object[]> {
    return this.run(async () => {
      const size = pageSize(options);
      if (!(await this.readyWithResult())) return [];
      const rows = this.ahead.splice(0, size);
      if (rows.length < size && !this.exhausted) {
        const more = await this.source.fetch(size - rows.length);
        this.failIfClosed();
        if (more.length < size - rows.length) this.exhausted = true;
        for (const row of more) rows.push(row);
      }
      return rows;
    });
  }

  async fetchAll(options?: FetchOptions): Promise<object[]> {
    return this.run(async () => {
      if (options?.maxRows !== undefined) pageSize(options);
      if (!(await this.readyWithResult())) return [];
      const rows = this.ahead;
      this.ahead = [];
      if (!this.exhausted) {
        const rest = await this.source.fetchAll();
        this.failIfClosed();
        this.exhausted = true;
        if (rows.length === 0) return rest;
        for (const row of rest) rows.push(row);
      }
      return rows;
    });
  }

  async hasMoreRows(): Promise<boolean> {
    return this.run(async () => {
      if (this.closed || this.cancelled) return false;
      if (!(await this.readyWithResult())) return false;
      if (this.ahead.length > 0) return true;
      if (this.exhausted) return false;
      this.ahead = await this.source.fetch(1);
      if (this.ahead.length === 0) this.exhausted = true;
      return this.ahead.length > 0;
    });
  }

  async status(_progress = false): Promise<TGetOperationStatusResp> {
    return this.run(async () => {
      this.failIfClosed();
      let state = TOperationState.FINISHED_STATE;
      // Settled statements answer at once; a running one says so instead of waiting.
      const settled = await Promise.race([
        this.source.ready.then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => setImmediate(() => resolve(false))),
      ]);
      if (!settled) state = TOperationState.RUNNING_STATE;
      else if (this.failure) {
        const { message, sqlState } = this.failure;
        return {
          status: { statusCode: TStatusCode.SUCCESS_STATUS },
          operationState: TOperationState.ERROR_STATE,
          sqlState,
          errorMessage: message,
          displayMessage: message,
        };
      }
      const modified = settled ? this.source.modifiedRows() : undefined;
      return {
        status: { statusCode: TStatusCode.SUCCESS_STATUS },
        operationState: state,
        hasResultSet: settled ? this.source.columns() !== null : undefined,
        ...(modified !== undefined ? { numModifiedRows: modified } : {}),
      };
    });
  }

  /** Cancels the statement on the warehouse; pending and later calls raise CANCELED. */
  async cancel(): Promise<Status> {
    if (this.closed || this.cancelled) return Status.success();
    this.cancelled = true;
    this.source.cancel();
    await this.release();
    return Status.success();
  }

  async close(): Promise<Status> {
    if (this.closed || this.cancelled) return Status.success();
    this.closed = true;
    await this.release();
    return Status.success();
  }

  private async release(): Promise<void> {
    this.ahead = [];
    this.onClose(this);
    await this.run(() => this.source.close());
  }

  async finished(_options?: FinishedOptions): Promise<void> {
    return this.run(async () => {
      await this.readyWithResult();
    });
  }

  async getSchema(_options?: GetSchemaOptions): Promise<TTableSchema | null> {
    return this.run(async () => {
      if (!(await this.readyWithResult())) return null;
      return tableSchema(this.source.columns() ?? []);
    });
  }

  async getResultMetadata(): Promise<ResultMetadata> {
    return this.run(async () => {
      const hasResult = await this.readyWithResult();
      return {
        ...(hasResult ? { schema: tableSchema(this.source.columns() ?? []) } : {}),
        resultFormat: ResultFormat.ArrowBased,
        lz4Compressed: false,
        isStagingOperation: false,
      };
    });
  }

  iterateChunks(options?: IteratorOptions): IOperationChunksIterator {
    return iterator(this, options, async () =>
      (await this.hasMoreRows())
        ? { done: false, value: await this.fetchChunk(options) }
        : { done: true, value: undefined },
    );
  }

  /**
   * Rows one by one. They are read from the cursor a page at a time (`ROWS_AHEAD`) into the
   * rows-ahead buffer, so most calls hand out a buffered row without a round through the
   * cursor; memory stays within the cursor's byte budget plus one page of rows.
   */
  iterateRows(options?: IteratorOptions): IOperationRowsIterator {
    return iterator(this, options, async () => {
      this.failIfClosed();
      const early = this.ahead.shift();
      if (early !== undefined) return { done: false, value: early };
      return this.run(async () => {
        if (!(await this.readyWithResult()) || this.exhausted) return { done: true, value: undefined };
        this.ahead = await this.source.fetch(ROWS_AHEAD);
        this.failIfClosed();
        if (this.ahead.length < ROWS_AHEAD) this.exhausted = true;
        const row = this.ahead.shift();
        return row === undefined ? { done: true, value: undefined } : { done: false, value: row };
      });
    });
  }

  toNodeStream(options?: NodeStreamOptions): Readable {
    const mode = options?.mode ?? 'chunks';
    if (mode !== 'chunks' && mode !== 'rows') {
      throw new Error(`IOperation.toNodeStream: unsupported mode ${String(mode)}`);
    }
    const iterable =
      mode === 'rows' ? this.iterateRows(options?.iteratorOptions) : this.iterateChunks(options?.iteratorOptions);
    return Readable.from(iterable, options?.streamOptions);
  }
}
