/**
 * A statement's result as an in-order stream of chunks (as crates/kernel/src/results/mod.rs):
 * inline Arrow attachments or pre-signed links downloaded in parallel ahead of the consumer. A
 * byte budget bounds what is downloaded but not yet consumed; sizes and row counts are checked
 * against the manifest, so a result is complete or an error, never silently short.
 */

import { setMaxListeners } from 'node:events';
import { makeError } from '../errors';
import type { ResultConfig } from './config';
import { decodePool } from './decode';
import type { Decoded } from './decode-job';
import { download } from './download';
import { cancelled, dataLoss, internal, withStatementId } from './failures';
import type { ApiClient } from './http';
import { rowsToIpc } from './json';
import { LinkCache } from './links';
import { sleep } from './sleep';
import type { Transport } from './transport';
import type { ColumnInfo, ExternalLink, Manifest, ResultData } from './wire';

/** What the manifest promises about one chunk. */
export interface Plan {
  index: number;
  rows?: number;
  /** Uncompressed Arrow IPC size. */
  bytes?: number;
}

/** Why the stream's signal aborts; what callers raise is `cancelled(...)`. */
const CANCELLED = new Error('the result stream was cancelled');

type Settled = { ok: true; bytes: Uint8Array; rows: number } | { ok: false; error: unknown };

interface Slot {
  plan: Plan;
  /** Budget bytes held until the consumer takes the chunk. */
  cost: number;
  result: Promise<Settled>;
}

export interface StreamContext {
  api: ApiClient;
  transport: Transport;
  config: ResultConfig;
  statementId: string;
}

/**
 * The chunks of a result in order: listed by the manifest, else only counted. A count is never
 * made into an array: a garbage `total_chunk_count` must not allocate one entry per chunk.
 */
export interface Plans {
  count: number;
  at(position: number): Plan;
}

export function plansOf(manifest: Manifest, first: ResultData | undefined, statementId: string): Plans {
  if (manifest.chunks) {
    const listed = manifest.chunks
      .map((c) => ({ index: c.chunk_index, rows: c.row_count, bytes: c.byte_count }))
      .sort((a, b) => a.index - b.index);
    // A chunk listed twice would hand its rows out twice.
    const twice = listed.find((plan, i) => i > 0 && listed[i - 1].index === plan.index);
    if (twice) throw internal(`the result manifest lists chunk ${twice.index} twice`, statementId);
    return { count: listed.length, at: (position) => listed[position] };
  }
  if (manifest.total_chunk_count !== undefined) {
    return { count: manifest.total_chunk_count, at: (index) => ({ index }) };
  }
  const hasData =
    first !== undefined &&
    (first.attachment !== undefined || first.data_array !== undefined || first.external_links !== undefined);
  const index = first?.chunk_index ?? 0;
  return { count: hasData ? 1 : 0, at: () => ({ index }) };
}

export class ResultStream {
  private readonly links: LinkCache;
  private readonly plans: Plans;
  private readonly lz4: boolean;
  private readonly columns: ColumnInfo[];
  private readonly expectedRows: number | undefined;
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private readonly slots: Slot[] = [];
  private nextPlan = 0;
  private held = 0;
  private downloading = 0;
  private deliveredRows = 0;
  private finished = false;
  /** Why the stream ended early, raised again by every later call. */
  private failure: unknown = undefined;
  /** A download failed: nothing after it is started (the consumer gets the error in order). */
  private broken = false;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: StreamContext,
    manifest: Manifest,
    first: ResultData | undefined,
  ) {
    this.links = new LinkCache(ctx.api, ctx.statementId, ctx.config.linkExpiryThresholdMs, first);
    this.plans = plansOf(manifest, first, ctx.statementId);
    this.lz4 = manifest.result_compression === 'LZ4_FRAME';
    this.columns = manifest.schema?.columns ?? [];
    this.expectedRows = manifest.total_row_count;
    this.signal = this.controller.signal;
    // Every download in flight listens on this signal, up to maxConcurrentDownloads of them by
    // design: past ten, Node would print a "possible memory leak" warning.
    setMaxListeners(0, this.signal);
    this.pump();
  }

  /** The next chunk as one Arrow IPC stream, in order, or null once every promised row arrived. */
  nextChunk(): Promise<Uint8Array | null> {
    // Calls queue behind each other, so overlapping callers cannot take the same chunk.
    const next = this.turn.then(() => this.take());
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async take(): Promise<Uint8Array | null> {
    if (this.failure !== undefined) throw this.failure;
    // Cancelled first: cancel() also marks the stream finished, and a call queued behind the one
    // it interrupted must not read that as the end of the result.
    if (this.signal.aborted) return this.stop(cancelled('the result stream was cancelled'));
    if (this.finished) return null;
    const slot = this.slots[0];
    if (slot === undefined) {
      if (this.expectedRows !== undefined && this.expectedRows !== this.deliveredRows) {
        return this.stop(dataLoss(`the result promised ${this.expectedRows} rows but ${this.deliveredRows} arrived`));
      }
      this.finished = true;
      return null;
    }
    const settled = await this.untilAborted(slot.result);
    if (this.signal.aborted) return this.stop(cancelled('the result stream was cancelled'));
    this.slots.shift();
    this.held -= slot.cost;
    if (!settled.ok) return this.stop(settled.error);
    this.deliveredRows += settled.rows;
    this.pump();
    return settled.bytes;
  }

  /**
   * `result`, or a cancellation as soon as the stream is cancelled, even if a download ignores
   * its signal. Not `Promise.race` against one promise pending for the whole result: every race
   * would leave a reaction on it holding its chunk, and the whole result would stay reachable.
   */
  private untilAborted(result: Promise<Settled>): Promise<Settled> {
    const signal = this.signal;
    return new Promise<Settled>((resolve) => {
      const onAbort = () => resolve({ ok: false, error: cancelled('the result stream was cancelled') });
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      void result.then((settled) => {
        signal.removeEventListener('abort', onAbort);
        resolve(settled);
      });
    });
  }

  /** Stops every download now and drops what was buffered. */
  cancel(): void {
    this.finished = true;
    // With a reason: abort() alone builds a DOMException, stack trace and all.
    this.controller.abort(CANCELLED);
    this.slots.length = 0;
    this.held = 0;
  }

  /** Ends the stream with `error`: every later call raises it again, never the end of the result. */
  private stop(error: unknown): never {
    this.cancel();
    this.failure = withStatementId(error, this.ctx.statementId);
    throw this.failure;
  }

  /**
   * Starts downloads in chunk order while fewer than `maxConcurrentDownloads` run and the
   * budget allows; a chunk's cost is clamped to the budget so the head can always start.
   */
  private pump(): void {
    const { memoryBudgetBytes: budget, maxConcurrentDownloads } = this.ctx.config;
    const defaultCost = Math.max(1, Math.floor(budget / maxConcurrentDownloads));
    while (
      !this.finished &&
      !this.broken &&
      this.nextPlan < this.plans.count &&
      this.downloading < maxConcurrentDownloads
    ) {
      const plan = this.plans.at(this.nextPlan);
      const cost = Math.min(plan.bytes !== undefined ? Math.max(plan.bytes, 1) : defaultCost, budget);
      if (this.held + cost > budget) return;
      this.nextPlan += 1;
      this.held += cost;
      this.downloading += 1;
      const result = this.load(plan).then(
        (r): Settled => ({ ok: true, ...r }),
        (error: unknown): Settled => {
          this.broken = true;
          return { ok: false, error };
        },
      );
      void result.then(() => {
        this.downloading -= 1;
        this.pump();
      });
      this.slots.push({ plan, cost, result });
    }
  }

  private async load(plan: Plan): Promise<{ bytes: Uint8Array; rows: number }> {
    const loaded = await this.fetch(plan);
    this.links.forget(plan.index);
    if (plan.rows !== undefined && loaded.rows !== plan.rows) {
      throw dataLoss(`result chunk ${plan.index} holds ${loaded.rows} rows but the manifest promised ${plan.rows}`);
    }
    return loaded;
  }

  private async fetch(plan: Plan): Promise<{ bytes: Uint8Array; rows: number }> {
    let refused: ExternalLink | undefined;
    for (let attempt = 1; ; attempt++) {
      const source = await this.links.source(plan.index, refused, this.signal);
      if (source.kind === 'inline') return this.decodeInline(plan, source.data);
      const link = source.link;
      // Compressed data can be slightly larger than the plain bytes; allow for LZ4's worst case.
      const maxBytes = plan.bytes !== undefined ? plan.bytes + Math.floor(plan.bytes / 64) + 64 * 1024 : undefined;
      const outcome = await download(this.ctx.transport, link, maxBytes, this.signal);
      let error: unknown;
      switch (outcome.kind) {
        case 'ok':
          return this.decode(plan, outcome.body);
        case 'fatal':
          throw outcome.error;
        case 'refused':
          refused = link;
          error = makeError(
            `the result link for chunk ${plan.index} was refused (HTTP ${outcome.status}) and refreshing it did not help`,
            { code: 'DataLoss', httpStatus: outcome.status },
          );
          break;
        case 'transient':
          // A timeout or reset is not an expiry: retry the same link after a short pause.
          error = outcome.error;
          try {
            await sleep(100 * attempt, this.signal);
          } catch {
            throw cancelled('the result download was cancelled');
          }
          break;
      }
      if (attempt >= this.ctx.config.maxDownloadAttempts) throw error;
    }
  }

  private async decodeInline(plan: Plan, data: ResultData): Promise<Decoded> {
    if (data.attachment === undefined) {
      const rows = data.data_array ?? [];
      return { bytes: rowsToIpc(this.columns, rows), rows: rows.length };
    }
    const text = data.attachment.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw dataLoss('the inline result is not valid base64');
    return this.decode(plan, Buffer.from(text, 'base64'));
  }

  /** Decodes off the event loop when the chunk is large (see decode.ts). */
  private decode(plan: Plan, body: Uint8Array): Promise<Decoded> {
    return decodePool.decode({ body, lz4: this.lz4, expectedBytes: plan.bytes, chunkIndex: plan.index });
  }
}
