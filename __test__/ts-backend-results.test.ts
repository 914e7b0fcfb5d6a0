/**
 * The ts backend's result stream against a scripted API and blob store: in-order delivery of
 * out-of-order downloads, the concurrency and memory bounds, link refresh after a refusal,
 * retries of a failed transfer with the same link, LZ4 decided by the manifest, headers, and the
 * DataLoss checks against the manifest.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { DataError, OperationalError, type SluiceError } from '#dist/errors';
import type { ResultConfig } from '#dist/ts-backend/config';
import type { ApiClient } from '#dist/ts-backend/http';
import { ResultStream } from '#dist/ts-backend/results';
import type { RawRequest, RawResponse, Transport } from '#dist/ts-backend/transport';
import type { ExternalLink, Manifest, ResultData } from '#dist/ts-backend/wire';
import { xxhash32 } from '#dist/ts-backend/xxhash32';

const CONFIG: ResultConfig = {
  lz4: true,
  maxConcurrentDownloads: 8,
  memoryBudgetBytes: 1 << 30,
  linkExpiryThresholdMs: 30_000,
  maxDownloadAttempts: 5,
};

function ipcOf(from: number, count: number): Uint8Array {
  const ids = BigInt64Array.from({ length: count }, (_, i) => BigInt(from + i));
  return tableToIPC(tableFromArrays({ id: ids }), 'stream');
}

/** Wraps bytes in an LZ4 frame of stored (uncompressed) blocks. */
function storedFrame(data: Uint8Array): Uint8Array {
  const descriptor = Uint8Array.from([0x60, 0x70]);
  const parts: Uint8Array[] = [Uint8Array.from([0x04, 0x22, 0x4d, 0x18]), descriptor];
  parts.push(Uint8Array.from([(xxhash32(descriptor) >>> 8) & 0xff]));
  const size = Buffer.alloc(4);
  size.writeUInt32LE((data.length | 0x80000000) >>> 0);
  parts.push(size, data, Buffer.alloc(4));
  return Buffer.concat(parts);
}

interface Chunk {
  rows: number;
  ipc: Uint8Array;
}

function chunksOf(sizes: number[]): Chunk[] {
  let offset = 0;
  return sizes.map((rows) => {
    const chunk = { rows, ipc: ipcOf(offset, rows) };
    offset += rows;
    return chunk;
  });
}

function manifestOf(chunks: Chunk[], lz4: boolean): Manifest {
  let offset = 0;
  return {
    chunks: chunks.map((c, i) => {
      const info = { chunk_index: i, row_offset: offset, row_count: c.rows, byte_count: c.ipc.length };
      offset += c.rows;
      return info;
    }),
    total_chunk_count: chunks.length,
    total_row_count: offset,
    ...(lz4 ? { result_compression: 'LZ4_FRAME' } : {}),
  };
}

const link = (i: number, version = 0, expiration = '2999-01-01T00:00:00.000Z'): ExternalLink => ({
  chunk_index: i,
  external_link: `https://blob.invalid/chunk/${i}?v=${version}`,
  expiration,
  http_headers: { 'x-amz-sse-key': 'k', Authorization: 'must-not-be-sent' },
});

/** A scripted blob store and API: `respond` decides each download's answer. */
class Fake {
  downloads: RawRequest[] = [];
  chunkFetches: number[] = [];
  inflight = 0;
  maxInflight = 0;
  respond: (req: RawRequest, chunk: number, version: number) => Promise<RawResponse>;

  constructor(
    readonly chunks: Chunk[],
    readonly lz4: boolean,
  ) {
    this.respond = async (_req, chunk) => this.ok(chunk);
  }

  ok(chunk: number): RawResponse {
    const ipc = this.chunks[chunk].ipc;
    return { status: 200, headers: {}, body: Buffer.from(this.lz4 ? storedFrame(ipc) : ipc) };
  }

  transport(): Transport {
    const fake = {
      request: async (req: RawRequest): Promise<RawResponse> => {
        this.downloads.push(req);
        const m = /\/chunk\/(\d+)\?v=(\d+)/.exec(req.url.href);
        assert.ok(m, 'a download goes to a link');
        this.inflight += 1;
        this.maxInflight = Math.max(this.maxInflight, this.inflight);
        try {
          return await this.respond(req, Number(m[1]), Number(m[2]));
        } finally {
          this.inflight -= 1;
        }
      },
    };
    return fake as unknown as Transport;
  }

  api(): ApiClient {
    const fake = {
      call: async (op: string, _method: string, path: string): Promise<ResultData> => {
        assert.equal(op, 'GetChunk');
        const n = Number(path.split('/').pop());
        this.chunkFetches.push(n);
        return { external_links: [link(n, this.chunkFetches.length)] };
      },
    };
    return fake as unknown as ApiClient;
  }

  stream(config: Partial<ResultConfig> = {}, first?: ResultData, manifest?: Manifest): ResultStream {
    return new ResultStream(
      { api: this.api(), transport: this.transport(), config: { ...CONFIG, ...config }, statementId: 's1' },
      manifest ?? manifestOf(this.chunks, this.lz4),
      first ?? { external_links: this.chunks.map((_, i) => link(i)) },
    );
  }
}

async function drain(stream: ResultStream): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let c = await stream.nextChunk(); c !== null; c = await stream.nextChunk()) {
    for (const v of tableFromIPC(c).getChild('id') ?? []) ids.push(v as bigint);
  }
  return ids;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i));

function isDataLoss(e: unknown): boolean {
  return e instanceof DataError && (e as SluiceError).code === 'DataLoss' && (e as SluiceError).statementId === 's1';
}

describe('ts backend: result stream', () => {
  it('delivers chunks in order when downloads finish out of order', async () => {
    const fake = new Fake(chunksOf([3, 4, 5, 6]), true);
    fake.respond = async (_req, chunk) => {
      await delay((4 - chunk) * 15);
      return fake.ok(chunk);
    };
    assert.deepEqual(await drain(fake.stream()), range(18));
    assert.equal(fake.maxInflight, 4, 'downloads ran in parallel');
  });

  it('hands overlapping nextChunk calls successive chunks', async () => {
    const fake = new Fake(chunksOf([2, 2, 2]), false);
    fake.respond = async (_req, chunk) => {
      await delay(10);
      return fake.ok(chunk);
    };
    const stream = fake.stream();
    const all = await Promise.all([stream.nextChunk(), stream.nextChunk(), stream.nextChunk(), stream.nextChunk()]);
    const ids = all.flatMap((c) => (c === null ? [] : [...(tableFromIPC(c).getChild('id') ?? [])]));
    assert.deepEqual(ids, range(6));
    assert.equal(all[3], null);
  });

  it('rejects calls queued behind one a cancel interrupted, never reporting the end', async () => {
    const fake = new Fake(chunksOf([2, 2, 2]), false);
    fake.respond = async (_req, chunk) => {
      await delay(50);
      return fake.ok(chunk);
    };
    const stream = fake.stream();
    const cancelledCall = (e: unknown) => e instanceof OperationalError && (e as SluiceError).code === 'Cancelled';
    const calls = [stream.nextChunk(), stream.nextChunk()].map((c) => assert.rejects(c, cancelledCall));
    stream.cancel();
    await Promise.all(calls);
  });

  it('starts nothing after a chunk that failed', async () => {
    const fake = new Fake(chunksOf([1, 1, 1, 1, 1, 1]), false);
    fake.respond = async (_req, chunk) => {
      if (chunk === 1) return { status: 400, headers: {}, body: Buffer.alloc(0) };
      await delay(20);
      return fake.ok(chunk);
    };
    const stream = fake.stream({ maxConcurrentDownloads: 2 });
    await assert.rejects(drain(stream), isDataLoss);
    assert.ok(fake.downloads.length <= 3, `${fake.downloads.length} downloads started`);
    // The failure stays: a later call raises it again instead of reporting the end (or Cancelled).
    await assert.rejects(stream.nextChunk(), isDataLoss);
    await assert.rejects(stream.nextChunk(), isDataLoss);
  });

  it('refuses a result shorter than the manifest promised, on this call and every later one', async () => {
    const chunks = chunksOf([2, 2]);
    const fake = new Fake(chunks, false);
    const stream = fake.stream({}, undefined, { ...manifestOf(chunks, false), total_row_count: 5 });
    const short = (e: unknown) => isDataLoss(e) && /promised 5 rows but 4 arrived/.test((e as Error).message);
    await assert.rejects(drain(stream), short);
    await assert.rejects(stream.nextChunk(), short);
  });

  it('never sends Authorization, and sends the link headers', async () => {
    const fake = new Fake(chunksOf([2]), false);
    await drain(fake.stream());
    const headers = fake.downloads[0].headers ?? {};
    assert.equal(headers['x-amz-sse-key'], 'k');
    assert.ok(!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization'));
  });

  it('runs at most maxConcurrentDownloads at once', async () => {
    const fake = new Fake(chunksOf([1, 1, 1, 1, 1, 1]), false);
    fake.respond = async (_req, chunk) => {
      await delay(10);
      return fake.ok(chunk);
    };
    assert.deepEqual(await drain(fake.stream({ maxConcurrentDownloads: 2 })), range(6));
    assert.equal(fake.maxInflight, 2);
  });

  it('downloads no further ahead than the memory budget allows', async () => {
    const chunks = chunksOf([10, 10, 10]);
    const fake = new Fake(chunks, false);
    const stream = fake.stream({ memoryBudgetBytes: chunks[0].ipc.length + 1 });
    await delay(50);
    assert.equal(fake.downloads.length, 1, 'one chunk fits the budget');
    assert.ok(await stream.nextChunk());
    await delay(50);
    assert.equal(fake.downloads.length, 2, 'consuming a chunk frees budget for the next');
    await drain(stream);
  });

  it('refreshes a refused link, and a link about to expire, by chunk index', async () => {
    const fake = new Fake(chunksOf([2, 2, 2]), true);
    fake.respond = async (_req, chunk, version) => {
      if (chunk === 1 && version === 0) return { status: 403, headers: {}, body: Buffer.from('<Error/>') };
      return fake.ok(chunk);
    };
    const soon = new Date(Date.now() + 5_000).toISOString();
    const first = { external_links: [link(0), link(1), link(2, 0, soon)] };
    assert.deepEqual(await drain(fake.stream({}, first)), range(6));
    assert.deepEqual([...fake.chunkFetches].sort(), [1, 2]);
  });

  it('fetches links it was not given', async () => {
    const fake = new Fake(chunksOf([2, 2, 2]), false);
    assert.deepEqual(await drain(fake.stream({}, { external_links: [link(0)] })), range(6));
    assert.deepEqual([...fake.chunkFetches].sort(), [1, 2]);
  });

  it('retries a failed transfer with the same link, up to maxDownloadAttempts', async () => {
    const fake = new Fake(chunksOf([2, 2]), false);
    let failures = 2;
    fake.respond = async (_req, chunk) => {
      if (chunk === 1 && failures-- > 0) return { status: 503, headers: {}, body: Buffer.alloc(0) };
      return fake.ok(chunk);
    };
    assert.deepEqual(await drain(fake.stream()), range(4));
    assert.deepEqual(fake.chunkFetches, [], 'no link refresh for a transient failure');

    const broken = new Fake(chunksOf([2]), false);
    broken.respond = async () => ({ status: 500, headers: {}, body: Buffer.alloc(0) });
    await assert.rejects(drain(broken.stream({ maxDownloadAttempts: 2 })), (e: unknown) => {
      assert.ok(e instanceof OperationalError, `got ${String(e)}`);
      assert.equal((e as SluiceError).code, 'Unavailable');
      return true;
    });
    assert.equal(broken.downloads.length, 2);
  });

  it('decompresses only when the manifest says LZ4_FRAME', async () => {
    const chunks = chunksOf([3]);
    const plain = new Fake(chunks, false);
    const manifest = manifestOf(chunks, false);
    assert.deepEqual(await drain(plain.stream({ lz4: true }, undefined, manifest)), range(3));
    const framed = new Fake(chunks, true);
    assert.deepEqual(await drain(framed.stream({ lz4: false }, undefined, manifestOf(chunks, true))), range(3));
  });

  it('decodes large LZ4 chunks on a worker thread, with the same checks', async () => {
    const chunks = chunksOf([150_000, 150_000]);
    assert.ok(chunks[0].ipc.length > 1 << 20, 'large enough for the worker');
    const fake = new Fake(chunks, true);
    assert.deepEqual(await drain(fake.stream()), range(300_000));

    const corrupt = new Fake(chunks, true);
    corrupt.respond = async (_req, chunk) => {
      const body = Buffer.from(storedFrame(chunks[chunk].ipc));
      body[body.length - 100] ^= 0xff; // inside the IPC stream: the frame has no checksum
      body.writeUInt32LE(0, 7); // and a zero-length block where data should be
      return { status: 200, headers: {}, body };
    };
    await assert.rejects(drain(corrupt.stream()), isDataLoss);
  });

  it('reads an inline attachment', async () => {
    const chunks = chunksOf([4]);
    const fake = new Fake(chunks, true);
    const first: ResultData = {
      chunk_index: 0,
      attachment: Buffer.from(storedFrame(chunks[0].ipc)).toString('base64'),
    };
    assert.deepEqual(await drain(fake.stream({}, first)), range(4));
    assert.equal(fake.downloads.length, 0);
  });

  it('reads inline JSON_ARRAY rows typed by the manifest', async () => {
    const fake = new Fake([], false);
    const manifest: Manifest = {
      schema: { columns: [{ name: 'id', type_name: 'LONG' }] },
      total_row_count: 3,
      chunks: [{ chunk_index: 0, row_count: 3 }],
    };
    const first: ResultData = { chunk_index: 0, data_array: [['0'], ['1'], ['2']] };
    assert.deepEqual(await drain(fake.stream({}, first, manifest)), range(3));
  });

  it('raises DataLoss when a chunk holds other rows or bytes than the manifest says', async () => {
    const chunks = chunksOf([3, 3]);
    const rows = manifestOf(chunks, false);
    rows.chunks = rows.chunks?.map((c) => ({ ...c, row_count: 4, byte_count: undefined }));
    await assert.rejects(drain(new Fake(chunks, false).stream({}, undefined, rows)), isDataLoss);

    const bytes = manifestOf(chunks, false);
    bytes.chunks = bytes.chunks?.map((c) => ({ ...c, byte_count: (c.byte_count ?? 0) + 8 }));
    await assert.rejects(drain(new Fake(chunks, false).stream({}, undefined, bytes)), isDataLoss);

    const total = manifestOf(chunks, false);
    total.total_row_count = 7;
    await assert.rejects(drain(new Fake(chunks, false).stream({}, undefined, total)), isDataLoss);

    const cut = new Fake(chunks, false);
    cut.respond = async (_req, chunk) => ({
      status: 200,
      headers: {},
      body: Buffer.from(chunks[chunk].ipc.subarray(0, 50)),
    });
    const noCounts = manifestOf(chunks, false);
    noCounts.chunks = noCounts.chunks?.map((c) => ({ chunk_index: c.chunk_index }));
    await assert.rejects(drain(cut.stream({}, undefined, noCounts)), isDataLoss);
  });

  it('stops at once when cancelled, and then reports Cancelled', async () => {
    const fake = new Fake(chunksOf([2, 2]), false);
    // Downloads that never finish by themselves: only the abort ends them.
    fake.respond = () => new Promise(() => undefined);
    const stream = fake.stream();
    const pending = stream.nextChunk();
    await delay(10);
    stream.cancel();
    const cancelledCall = (e: unknown) => (e as SluiceError).code === 'Cancelled';
    await assert.rejects(pending, cancelledCall);
    // Never null: a cancelled stream is not a finished one.
    await assert.rejects(stream.nextChunk(), cancelledCall);
  });
});
