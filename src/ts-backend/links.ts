/**
 * Pre-signed links by chunk index (as crates/kernel/src/results/links.rs): the ones the
 * statement answer carried, and fresh ones from `GET …/result/chunks/{n}` when a link is
 * missing, close to expiry, or was refused. Keyed by chunk index, so no chunk is invented,
 * skipped or duplicated.
 */

import { dataLoss, withStatementId } from './failures';
import type { ApiClient } from './http';
import { asResultData, type ExternalLink, type ResultData } from './wire';

/** What a chunk's data is, once known. */
export type ChunkSource = { kind: 'link'; link: ExternalLink } | { kind: 'inline'; data: ResultData };

export class LinkCache {
  private readonly known = new Map<number, ChunkSource>();
  /** Link fetches run one at a time, so downloads needing the same chunk share one fetch. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly api: ApiClient,
    private readonly statementId: string,
    private readonly expiryThresholdMs: number,
    first: ResultData | undefined,
  ) {
    if (first) this.remember(first);
  }

  /**
   * The source of `chunk`, fetching a fresh link when none is known or the known one is within
   * the expiry threshold. `refused` names a link the blob store just refused: it is replaced
   * even if it looks valid.
   */
  source(chunk: number, refused: ExternalLink | undefined, signal: AbortSignal): Promise<ChunkSource> {
    const run = this.queue.then(() => this.resolve(chunk, refused, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async resolve(chunk: number, refused: ExternalLink | undefined, signal: AbortSignal): Promise<ChunkSource> {
    const known = this.known.get(chunk);
    if (known) {
      if (known.kind === 'inline') return known;
      const sameAsRefused = refused !== undefined && refused.external_link === known.link.external_link;
      if (!sameAsRefused && !this.expiresSoon(known.link)) return known;
    }
    const path = `/api/2.0/sql/statements/${this.statementId}/result/chunks/${chunk}`;
    let data: ResultData;
    try {
      data = asResultData(await this.api.call('GetChunk', 'GET', path, undefined, signal), 'get result chunk links');
    } catch (e) {
      throw withStatementId(e, this.statementId);
    }
    this.remember(data);
    const fresh = this.known.get(chunk);
    if (!fresh) {
      throw dataLoss(`the server's answer for result chunk ${chunk} holds no data or link for it`, this.statementId);
    }
    return fresh;
  }

  /** Drops what is held for a consumed chunk so links and inline data do not pile up. */
  forget(chunk: number): void {
    this.known.delete(chunk);
  }

  private expiresSoon(link: ExternalLink): boolean {
    if (!link.expiration) return false;
    const at = Date.parse(link.expiration);
    if (Number.isNaN(at)) return false;
    return Date.now() + this.expiryThresholdMs >= at;
  }

  private remember(data: ResultData): void {
    if (data.external_links) {
      for (const link of data.external_links) this.known.set(link.chunk_index, { kind: 'link', link });
    } else if (data.attachment !== undefined || data.data_array !== undefined) {
      this.known.set(data.chunk_index ?? 0, { kind: 'inline', data });
    }
  }
}
