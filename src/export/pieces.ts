/**
 * The pieces of one exported file, pulled one at a time: from the kernel's writers on the
 * native backend (bytes never become JavaScript rows), from the JS encoder on the ts backend.
 */

import type { BackendResultInfo, BackendStatement } from '../backend';
import { chunkBatches, ipcSchema } from '../chunk-batches';
import { NotSupportedError } from '../errors';
import { JsEncoder } from './js-encoder';
import type { EncodeOptions } from './options';

export interface Piece {
  bytes: Uint8Array;
  /** Rows encoded so far, this piece included. */
  rowsDone: number;
}

export interface PieceSource {
  /** The next piece, or null after the last. */
  next(): Promise<Piece | null>;
}

/** A piece of the JS encoder is handed on once it holds this many bytes (or at the end). */
const PIECE_BYTES = 1024 * 1024;

class JsPieces implements PieceSource {
  private readonly encoder: JsEncoder;
  private rowsDone = 0;
  private done = false;

  constructor(
    private readonly statement: BackendStatement,
    private readonly info: BackendResultInfo,
    options: EncodeOptions,
  ) {
    this.encoder = new JsEncoder(options);
  }

  async next(): Promise<Piece | null> {
    if (this.done) return null;
    const parts: Uint8Array[] = [];
    let size = 0;
    const add = (part: Uint8Array | string) => {
      const bytes = typeof part === 'string' ? Buffer.from(part) : part;
      parts.push(bytes);
      size += bytes.length;
    };
    while (size < PIECE_BYTES) {
      const chunk = await this.statement.nextChunk();
      if (chunk === null) {
        this.done = true;
        add(this.encoder.finish(ipcSchema(this.info.schemaIpc)));
        break;
      }
      const batches = chunkBatches(chunk);
      for (const batch of batches) this.rowsDone += batch.numRows;
      add(this.encoder.encode(batches));
    }
    return { bytes: Buffer.concat(parts), rowsDone: this.rowsDone };
  }
}

export function pieceSource(statement: BackendStatement, info: BackendResultInfo, options: EncodeOptions): PieceSource {
  if (statement.export) return statement.export(options);
  if (options.format === 'parquet') {
    throw new NotSupportedError(
      "Parquet export needs the native backend (connect with backend: 'native'); the ts backend writes csv, tsv, ndjson, json and arrow",
      { code: 'NotSupported' },
    );
  }
  return new JsPieces(statement, info, options);
}
