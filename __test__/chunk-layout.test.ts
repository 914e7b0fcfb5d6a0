/**
 * The native kernel hands each Arrow chunk over with where its batches lie, and the facade builds
 * the batches from that instead of reading the stream's messages again (src/chunk-batches.ts).
 * A layout that was wrong by one buffer would give wrong values without any error, so the built
 * batches are compared byte for byte with apache-arrow's own reading of the same chunk.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RecordBatch, RecordBatchStreamWriter } from 'apache-arrow';
import type { BackendStatement, ResultChunk } from '#dist/backend';
import { chunkBatches } from '#dist/chunk-batches';
import { nativeBackend } from '#dist/native-backend';
import { mixedRows } from './helpers/queries';
import { backendOptions, useWarehouse } from './helpers/warehouse';

/** 50 000 rows make chunks of several batches each. */
const MIXED = mixedRows(50000);

async function chunksOf(statement: BackendStatement, sql: string): Promise<ResultChunk[]> {
  await statement.execute(sql, {});
  const chunks: ResultChunk[] = [];
  for (let chunk = await statement.nextChunk(); chunk !== null; chunk = await statement.nextChunk()) chunks.push(chunk);
  return chunks;
}

/** The batches written out again under their own schema (a Table would merge same-named fields). */
const ipcOf = (batches: RecordBatch[]) => RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);

describe('chunks laid out by the native kernel', () => {
  const warehouse = useWarehouse({ args: ['--chunk-rows', '20000', '--inline-limit', '65536'] });

  for (const [name, sql] of [
    ['through LZ4 links, several batches per chunk', MIXED],
    ['inline, one small chunk', 'SELECT 1 AS one, CAST(NULL AS STRING) AS s'],
    ['columns of one name and different types', "SELECT 1 AS x, 'a' AS x, NULL AS x, 2.5D AS x"],
    ['an empty result', 'SELECT id FROM range(0)'],
  ] as const) {
    it(`build the batches apache-arrow reads from the stream: ${name}`, async () => {
      const connection = await nativeBackend.connect(backendOptions(warehouse()));
      try {
        const chunks = await chunksOf(connection.statement(), sql);
        let rows = 0;
        let batches = 0;
        for (const chunk of chunks) {
          assert.ok(chunk.layout instanceof Float64Array, 'the chunk comes with its layout');
          const laidOut = chunkBatches(chunk);
          const read = chunkBatches({ ipc: chunk.ipc });
          assert.equal(laidOut.length, read.length);
          assert.deepEqual(
            laidOut.map((b) => b.numRows),
            read.map((b) => b.numRows),
          );
          if (read.length > 0) assert.deepEqual(ipcOf(laidOut), ipcOf(read));
          rows += laidOut.reduce((n, b) => n + b.numRows, 0);
          batches += laidOut.length;
        }
        if (sql === MIXED) {
          assert.equal(rows, 50000);
          assert.ok(chunks.length >= 3 && batches > chunks.length, `${batches} batches in ${chunks.length} chunks`);
        }
      } finally {
        await connection.close();
      }
    });
  }
});
