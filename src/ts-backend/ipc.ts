/**
 * A light walk over an Arrow IPC stream's framing: checks that it is whole (a schema first,
 * every message and body complete) and counts its rows, without decoding column data. The
 * consumer decodes the chunk anyway; this is only what the manifest checks need.
 */

import { Message, MessageHeader } from 'apache-arrow';
import { dataLoss } from './failures';

export interface IpcSummary {
  rows: number;
}

export function summarizeIpc(bytes: Uint8Array, chunkIndex: number): IpcSummary {
  const fail = (why: string) => dataLoss(`result chunk ${chunkIndex} is not a valid Arrow IPC stream: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let rows = 0;
  let sawSchema = false;
  while (pos < bytes.length) {
    if (pos + 4 > bytes.length) throw fail('it ends in the middle of a message');
    let length = view.getInt32(pos, true);
    pos += 4;
    if (length === -1) {
      // Continuation marker of the current format; the length follows.
      if (pos + 4 > bytes.length) throw fail('it ends in the middle of a message');
      length = view.getInt32(pos, true);
      pos += 4;
    }
    if (length === 0) break; // end-of-stream marker
    if (length < 0 || pos + length > bytes.length) throw fail('it ends in the middle of a message');
    let message: Message;
    try {
      message = Message.decode(bytes.subarray(pos, pos + length));
    } catch (e) {
      throw fail(`a message header cannot be read (${(e as Error).message})`);
    }
    pos += length;
    if (pos + message.bodyLength > bytes.length) throw fail('it ends in the middle of a message body');
    pos += message.bodyLength;
    if (message.headerType === MessageHeader.Schema) {
      sawSchema = true;
    } else if (!sawSchema) {
      throw fail('it does not start with a schema');
    } else if (message.isRecordBatch()) {
      rows += message.header().length;
    }
  }
  if (!sawSchema) throw fail('it holds no schema');
  return { rows };
}
