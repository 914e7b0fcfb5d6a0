/**
 * Reads a result chunk (an Arrow IPC stream, from either backend) as record batches. The native
 * kernel has decoded and validated the chunk already; the ts backend checked only its framing
 * and row count, so its column data is first read here. Either way a stream apache-arrow cannot
 * read is the result's fault: DataLoss, not apache-arrow's bare Error.
 *
 * With the kernel's layout of the chunk (where each batch's nodes and buffers lie), the batches
 * are built over the chunk's bytes by apache-arrow's own loader, without reading the messages
 * again: that reading was most of a chunk's cost on the JavaScript thread, since real chunks
 * hold one small batch per few thousand rows (measured in docs/reliability-and-performance.md).
 */

import {
  MetadataVersion,
  makeData,
  RecordBatch,
  RecordBatchReader,
  type Schema,
  Struct,
  tableFromIPC,
} from 'apache-arrow';
import { BufferRegion, FieldNode } from 'apache-arrow/ipc/metadata/message';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import type { ResultChunk } from './backend';
import { DataError } from './errors';

export function chunkBatches(chunk: ResultChunk): RecordBatch[] {
  try {
    return chunk.layout ? laidOut(chunk.ipc, chunk.layout) : tableFromIPC(chunk.ipc).batches;
  } catch (e) {
    throw unreadable('a result chunk', e);
  }
}

/**
 * The schema an IPC stream starts with, each field with its own type (see schemaOf): what an
 * empty result's table or exported file is built from.
 */
export function ipcSchema(ipc: Uint8Array): Schema {
  try {
    return schemaOf(ipc);
  } catch (e) {
    throw unreadable("a result's schema", e);
  }
}

function unreadable(what: string, e: unknown): DataError {
  return new DataError(
    `${what} could not be read as Arrow IPC: ${e instanceof Error ? e.message : String(e)}`,
    { code: 'DataLoss' },
    { cause: e },
  );
}

/** The batches of `ipc` where `layout` (see ResultChunk) places them. */
function laidOut(ipc: Uint8Array, layout: Float64Array): RecordBatch[] {
  const schema = schemaOf(ipc.subarray(0, layout[0]));
  const type = new Struct(schema.fields);
  const batches: RecordBatch[] = [];
  let at = 1;
  while (at < layout.length) {
    const rows = layout[at++];
    const bodyOffset = layout[at++];
    const body = ipc.subarray(bodyOffset, bodyOffset + layout[at++]);
    const nodes: FieldNode[] = [];
    for (let n = layout[at++]; n > 0; n--) nodes.push(new FieldNode(layout[at++], layout[at++]));
    const buffers: BufferRegion[] = [];
    for (let n = layout[at++]; n > 0; n--) buffers.push(new BufferRegion(layout[at++], layout[at++]));
    const variadic: number[] = [];
    for (let n = layout[at++]; n > 0; n--) variadic.push(layout[at++]);
    const loader = new VectorLoader(body, nodes, buffers, new Map(), MetadataVersion.V5, variadic);
    const children = loader.visitMany(schema.fields);
    batches.push(new RecordBatch(schema, makeData({ type, length: rows, children })));
  }
  return batches;
}

/** The last schema read, by its message bytes: a result's chunks all carry the same one. */
let lastSchema: { bytes: Uint8Array; schema: Schema } | undefined;

/**
 * The stream's own schema: its field types tell the loader how many buffers each column has. Not
 * a table's: apache-arrow merges same-named fields when it builds batches and tables
 * (apache/arrow-js#288), and `SELECT ?, ?` would load the second column as the first one's type.
 */
function schemaOf(bytes: Uint8Array): Schema {
  if (lastSchema !== undefined && sameBytes(lastSchema.bytes, bytes)) return lastSchema.schema;
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const schema = reader.schema;
  if (schema === undefined) throw new Error('the stream holds no schema');
  lastSchema = { bytes: bytes.slice(), schema };
  return schema;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
