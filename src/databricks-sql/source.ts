/**
 * What an operation reads: a statement on a sluice cursor, or the rows of a metadata call. Both
 * hand out rows under the drop-in's value policy; the operation adds @databricks/sql's contract.
 */

import { randomUUID } from 'node:crypto';
import type { BackendColumn } from '../backend';
import type { Cursor } from '../cursor';

type Row = Record<string, unknown>;

export interface OperationSource {
  readonly id: string;
  /** Settles when the statement finished: rejects with its failure. */
  readonly ready: Promise<void>;
  /** The result's columns, or null without a result set. */
  columns(): readonly BackendColumn[] | null;
  fetch(count: number): Promise<Row[]>;
  fetchAll(): Promise<Row[]>;
  /** Rows a DML statement changed, when it says. */
  modifiedRows(): number | undefined;
  cancel(): void;
  close(): Promise<void>;
}

/** A statement running on its own cursor; `execution` is the cursor's `execute()`. */
export class CursorSource implements OperationSource {
  readonly ready: Promise<void>;
  private readonly fallbackId = randomUUID();

  constructor(
    private readonly cursor: Cursor<Row>,
    execution: Promise<unknown>,
  ) {
    this.ready = execution.then(() => undefined);
    // Observed here: a failure of a statement nobody waits on must not be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  get id(): string {
    return this.cursor.statementId ?? this.fallbackId;
  }

  columns(): readonly BackendColumn[] | null {
    const columns = this.cursor.columns;
    return columns && columns.length > 0 ? columns : null;
  }

  fetch(count: number): Promise<Row[]> {
    return this.cursor.fetchmany(count);
  }

  fetchAll(): Promise<Row[]> {
    return this.cursor.fetchall();
  }

  modifiedRows(): number | undefined {
    const columns = this.cursor.columns;
    return columns?.[0]?.name === 'num_affected_rows' && this.cursor.rowcount >= 0 ? this.cursor.rowcount : undefined;
  }

  cancel(): void {
    this.cursor.cancel();
  }

  close(): Promise<void> {
    return this.cursor.close();
  }
}

/** Rows already in hand (a metadata call's), with the columns that describe them. */
export class RowsSource implements OperationSource {
  readonly id = randomUUID();
  readonly ready = Promise.resolve();
  private next = 0;

  constructor(
    private readonly all: Row[],
    private readonly described: BackendColumn[],
  ) {}

  columns(): readonly BackendColumn[] {
    return this.described;
  }

  async fetch(count: number): Promise<Row[]> {
    const rows = this.all.slice(this.next, this.next + count);
    this.next += rows.length;
    return rows;
  }

  async fetchAll(): Promise<Row[]> {
    return this.fetch(this.all.length);
  }

  modifiedRows(): undefined {
    return undefined;
  }

  cancel(): void {}

  async close(): Promise<void> {
    this.next = this.all.length;
  }
}
