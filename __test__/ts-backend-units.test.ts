/**
 * Unit tests of the ts backend's pure parts: LZ4 frames (known bytes from the reference `lz4`
 * tool, concatenated frames, stored and dependent blocks, checksums), xxHash32, retry decisions,
 * credential-rejection recognition, SQL error parsing, configuration, and the IPC checks.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { chunkBatches } from '#dist/chunk-batches';
import { baseUrl, warehouseId } from '#dist/endpoint';
import { DataError, InternalError, ProgrammingError, type SluiceError } from '#dist/errors';
import { Auth, isCredentialRejection, jwtRemainingMs, type TokenSource } from '#dist/ts-backend/auth';
import { resolveConfig } from '#dist/ts-backend/config';
import {
  errorClassIn,
  errorFromStatus,
  sqlStateIn,
  statementFailure,
  withStatementId,
} from '#dist/ts-backend/failures';
import { summarizeIpc } from '#dist/ts-backend/ipc';
import { rowsToIpc } from '#dist/ts-backend/json';
import { decodeFrames } from '#dist/ts-backend/lz4';
import { type Plans, plansOf } from '#dist/ts-backend/results';
import { backoffMs, isRetryable, parseRetryAfter } from '#dist/ts-backend/retry';
import { pollWait } from '#dist/ts-backend/statement';
import { schemaFromColumns, schemaOnlyIpc } from '#dist/ts-backend/types';
import { asStatementResponse } from '#dist/ts-backend/wire';
import { xxhash32 } from '#dist/ts-backend/xxhash32';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** `lz4 a.txt`: default flags (independent blocks, content checksum), one compressed block. */
const FRAME_A = '04224d186440a7140000006f68656c6c6f2006000a902c20736c756963652100000000011cbd10';
/** `lz4 --content-size -BX b.txt`: content size in the header and a checksum after each block. */
const FRAME_B =
  '04224d187c402500000000000000bc150000003f616263030002d02d7365636f6e64206672616d655e021ce10000000059235bf6';
/** `lz4 --no-frame-crc c.txt`: no content checksum, one stored (uncompressed) block. */
const FRAME_C = '04224d186040820300008078797a00000000';
/** `lz4 -B4 -BD --content-size big.bin`: 200000 bytes in four dependent 64 KiB blocks. */
const BIG_B64 =
  'BCJNGExAQA0DAAAAAABYsQMAAP/xAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tng5+71/AMKERgfJi00O0JJUFdeZWxz' +
  'eoGIj5adpKuyucDHztXc4+rx+P8GDRQbIikwNz5FTFNaYWhvdn2Ei5KZoKeutbzDytHY3+bt9PsCCRAXHiUsMzpBSE9WXWRrcnmA' +
  'h46VnKOqsbi/xs3U2+Lp8Pf+BQwTGiEoLzY9REtSWWBnbnV8g4qRmJ+mrbS7wsnQ197l7PP6AQgPFh0kKzI5QEdOVVxjanF4f4aN' +
  'lJuiqbC3vsXM09rh6O/2/QQLEhkgJy41PENKUVhfZm10e4KJkJeepayzusHIz9bd5Ovy+QAB///vD0kD////OQ9JB6QPkgf///+C' +
  'D0kEWw/bC////8sPSQQSDyQP////FA9JAxIPSQekD20T////XQ9JBIAPthf///+mD0kENw//Gv//7g9JAzcPSQekD/8b////7x8B' +
  'kSP///+BD5IIXA//G////+8fA/8b////7x8E/xv////vHwW1M////6UPJBA4D/43////7i8AB0c7////Nw+SBzgPkgtbD/8b////' +
  '7x8J2UP////JD5IIFA8iR////xIPSQMUD0kHpA9rS////1sPSQSCD/8b////7x8N/VP////tPwAHDv8b////7x8Pj1v///9/DyQQ' +
  'Xg/YX////8gPSQQVD/8b////7x8S/xv////vHxOza////6MP2wsVD9sPEg/8b////+wA/HMPRXP///81D5IHOg+SC1sP/xv////v' +
  'HxfXe////8cPkggWD/43////7i8SGWmD////WQ+SBxYPkgtbD/8b////7x8b+4v////rAZIID/8b////7x8djZP///99AZIHD5IL' +
  'Ww/Wl////8YPSQQXDx+b////Dw9JAxcPSQekD/8b////7x8hsaP///+hD5IIPA/6p////+oCSQQPQ6v///8zAkkDD0kHpA//G///' +
  '/+8fJdWz////xQ+SCBgP/xv////vHydnu////1cPkgcYD5ILWw//G////+8fKfnD////6QOSCA//G////+8fK4vL////ewOSBw+S' +
  'C1sP1M/////ED0kEGQ/+N////+4vJy7/G////+8fL6/b////nw/bCxkP2w8SD/jf////6ARJBA9B4////zEESQMPSQekD/8b////' +
  '7x8z0+v////DD5IIGg8c7////wwPSQMaD0kHpA9l8////1UPSQSID/8b////7x839/v////nkAAHDhUcIyoxONgCAAAPQP////8w' +
  'D9sLiA/bDxL/DUFIT1ZdZGtyeYCHjpWco6qxuL/GzdTb4unw9/4c8P///9QP0+jAD9Ps////HQ//G////+8fPP8b////7/8OPUVM' +
  'U1phaG92fYSLkpmgp661vMPK0djf5u30+wIc8P///9QPQ6gwD7GgWw+xpP///z8P/xv////vH0D/G////+8fQf8b////7x9C/jf/' +
  '///uLzxDbRP///9dD20XgA//G////+8fRf8b////7x9G/jf////uL0BH/jf////uL0FI/jf////uL0JJ2UDGD9lE////Fw//G///' +
  '/+8fS/43////7i9FTP43////7v8PRk1VXGNqcXh/ho2Um6KpsLe+xczT2uHo7/b9BAsSHPD////UD/1T////7T9BSE/9U////+0/' +
  'QklQ/xv////vH1H+N////+4vS1L9U////+0/RUxT/VP////tP0ZNVP8b////7x9V/G/////sT0FIT1b8b////+xPQklQV/43////' +
  '7i9RWP1T////7T9LUln8b////+xPRUxTWvxv////7E9GTVRb/jf////uL1Vc+4v////rAfuPD/uL////6wH7jw/9U////+0/UVhf' +
  '/G/////sT0tSWWD7i////+sB+48P+4v////rAY54D/1T////7T9VXGP6p////+oB/xsfZPqn////6gH/Gx9l/G/////sT1FYX2b7' +
  'i////+sB+48P+qf////qAf8bH2j6p////+oB/xsfafxv////7E9VXGNq+cP////pAv8bH2v5w////+kC/xsfbPuL////6wH7jw/6' +
  'p////+oB/xsfbvnD////6QL/Gx9v+cP////pAv8bH3D7i////+sB+48P+N/////oA/8bH3L43////+gD/xsfc/qn////6gH/Gx90' +
  '+cP////pAv8bH3X43////+gD/xsfdvjf////6AP/Gx93+qf////qYFVcY2pxeJQCAAAP9/v////nBP8bH3n3+////+cE/xsfevnD' +
  '////6QL/Gx97+N/////oA/8bH3z3+////+cE/xsffff7////5wT/Gx9++cP////pAf43L3h//xv////vH4AkDBEPJBD////MD/jf' +
  '////6AP/Gx+C9/v////nBP8bH4MjKBAPIyz////NDyMoEA8jLP///80P+N/////oA/8bH4YkDBEPJBD////MD/8b////7x+I9/v/' +
  '///nBP8bH4lA/////zAFSQMPSQekD/8b////7x+L/xv////vH4z3+////+cE/xsfjf8b////7x+O/jf////uL4iPIkQPDyJI////' +
  'zg//G////+8fkf43////7i+Lkv43////7i+Mk9okxw/aKP///xYP/jf////uL46V/VP////tP4iPlv8b////7x+X/jf////uL5GY' +
  '/VP////tP4uSmf1T////7T+Mk5r/G////+8fm/1T////7T+OlZz8b////+xPiI+Wnf43////7i+Xnv1T////7T+RmJ/8b////+xP' +
  'i5KZoPxv////7E+Mk5qh/jf////uL5ui/G/////sT46VnKP7i////+sB+48P/VP////tP5eepfxv////7E+RmJ+m+4v////rAfuP' +
  'D/uL////6wH7jw/9U////+0/m6Kp+4v////rAfuPD/qn////6gH/Gx+r/G/////sT5eepaz7i////+sBIWcP+qf////qAf8bH676' +
  'p////+oB/xsfr/xv////7E+boqmw+qf////qAf8bH7H5w////+kC/xsfsvuL////6wH7jw/6p////+oB/xsftPnD////6QL/Gx+1' +
  '+cP////pAv8bH7b7i////+sB+48P+cP////pcI6VnKOqsbgsAAAAD/jf////6AP/Gx+5+qf////qAf8bH7r5w////+kC/xsfu/jf' +
  '/ylQYGdudXwAAAAAawjfHQ==';
/** `lz4 rnd.bin`: 300 incompressible bytes, so a stored block. */
const RND_B64 =
  'BCJNGGRApywBAIDcBGWqH60dWtrlrBseXxNweWz9EP8Zr2AdBKy0HQIrRnhzOvLfX663CFnR7jkQy0iVtcyJKRH/BrZiLt88+TX9' +
  'S5Qoygl8RLMCXpZfs+ptrNQtgW5pr+Dmh0ycBOfSNl0sYMnq9Hn2hqDrkybkYhLVDcuzdxVqajpouo7bdAhGnvPOswr40N1ou/hf' +
  '+iTy0vwYh/tch7q0ODKlmxs9EHz3eNZ/4m34EZEpfpOVyxLFV85a8dQWGNcZvARbfpll8aKUccQqrGqpOMR1x60yOAIfBTssmRr8' +
  '6xXez2i64Hy81h6XG5oLnb6XY9OS/K/fooyXI0Vi690HZXD/WIlqz/fK7j8c6eQKaOXek404nH2911sJ1OfiM0Q/SozEoZDWuLjc' +
  'YV/Rjii+WQ6qUBsAAAAAkv4V2Q==';

function bigInput(): Uint8Array {
  const out = new Uint8Array(200000);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7 + (i >> 10)) & 0xff;
  return out;
}

function rndInput(): Uint8Array {
  const out = new Uint8Array(300);
  let x = 12345;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    out[i] = (x >> 16) & 0xff;
  }
  return out;
}

describe('ts backend: LZ4 frames', () => {
  it('decodes a frame made by the reference tool', () => {
    assert.equal(text(decodeFrames(hex(FRAME_A))), 'hello hello hello hello hello hello, sluice!');
  });

  it('decodes content size, block checksums and stored blocks', () => {
    assert.equal(text(decodeFrames(hex(FRAME_B))), 'abcabcabcabcabcabcabcabc-second frame');
    assert.equal(text(decodeFrames(hex(FRAME_C))), 'xyz');
  });

  it('decodes concatenated frames until the input is used up', () => {
    const all = decodeFrames(hex(FRAME_A + FRAME_B + FRAME_C), 4);
    assert.equal(text(all), 'hello hello hello hello hello hello, sluice!abcabcabcabcabcabcabcabc-second framexyz');
  });

  it('skips skippable frames', () => {
    const skippable = '502a4d18' + '03000000' + 'aabbcc';
    assert.equal(text(decodeFrames(hex(skippable + FRAME_C + skippable))), 'xyz');
  });

  it('decodes dependent multi-block frames and incompressible data', () => {
    assert.deepEqual(decodeFrames(Buffer.from(BIG_B64, 'base64')), bigInput());
    assert.deepEqual(decodeFrames(Buffer.from(RND_B64, 'base64')), rndInput());
    const both = Buffer.concat([Buffer.from(RND_B64, 'base64'), Buffer.from(BIG_B64, 'base64')]);
    assert.deepEqual(decodeFrames(both), new Uint8Array(Buffer.concat([rndInput(), bigInput()])));
  });

  it('rejects corrupt data with a DataLoss error', () => {
    const bad = hex(FRAME_A);
    bad[bad.length - 1] ^= 0xff; // content checksum
    const cases = [bad, hex(FRAME_A).subarray(0, 20), hex('00112233'), hex(`${FRAME_A}0102`), new Uint8Array(0)];
    const header = hex(FRAME_A);
    header[6] ^= 0x01; // header checksum
    cases.push(header);
    const block = hex(FRAME_B);
    block[35] ^= 0x01; // data under a block checksum
    cases.push(block);
    for (const input of cases) {
      assert.throws(
        () => decodeFrames(input),
        (e: unknown) => e instanceof DataError && (e as SluiceError).code === 'DataLoss',
      );
    }
  });
});

describe('ts backend: LZ4 robustness', () => {
  it('fails every corruption and truncation with DataLoss, never another error', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed;
    };
    const a = FRAME_A.length / 2;
    const b = FRAME_B.length / 2;
    const inputs: [Uint8Array, number[]][] = [
      [hex(FRAME_A + FRAME_B + FRAME_C), [a, a + b]],
      [Uint8Array.from(Buffer.from(BIG_B64, 'base64')), []],
    ];
    for (const [input, frameEnds] of inputs) {
      for (let n = 0; n < input.length; n += Math.max(1, input.length >> 8)) {
        // A cut exactly between frames leaves whole frames: that decodes.
        if (frameEnds.includes(n)) continue;
        assert.throws(() => decodeFrames(input.subarray(0, n)), DataError, `truncated to ${n}`);
      }
      for (let k = 0; k < 300; k++) {
        const bad = Uint8Array.from(input);
        bad[next() % bad.length] ^= 1 + (next() % 255);
        try {
          decodeFrames(bad);
        } catch (e) {
          assert.ok(e instanceof DataError, `corruption ${k} raised ${String(e)}`);
        }
      }
    }
  });
});

describe('ts backend: xxHash32', () => {
  it('matches the reference values', () => {
    assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
    assert.equal(xxhash32(Buffer.from('a')), 0x550d7456);
    assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });
});

describe('ts backend: retry rules', () => {
  const policy = { maxRetries: 5, minBackoffMs: 1000, maxBackoffMs: 10000, budgetMs: 900000 };

  it('retries a submission only on 429, 503 with Retry-After, or a failure to connect', () => {
    const op = 'ExecuteStatement';
    assert.equal(isRetryable(op, { kind: 'status', status: 429 }), true);
    assert.equal(isRetryable(op, { kind: 'status', status: 503, retryAfterMs: 1000 }), true);
    assert.equal(isRetryable(op, { kind: 'status', status: 503 }), false);
    assert.equal(isRetryable(op, { kind: 'status', status: 500 }), false);
    assert.equal(isRetryable(op, { kind: 'connect' }), true);
    assert.equal(isRetryable(op, { kind: 'transport' }), false);
  });

  it('retries idempotent calls on transient failures only', () => {
    for (const op of ['GetStatement', 'GetChunk', 'CreateSession'] as const) {
      for (const status of [429, 500, 502, 503, 504]) assert.equal(isRetryable(op, { kind: 'status', status }), true);
      for (const status of [400, 401, 403, 404, 501]) assert.equal(isRetryable(op, { kind: 'status', status }), false);
      assert.equal(isRetryable(op, { kind: 'transport' }), true);
    }
  });

  it('honours and clamps Retry-After, and backs off exponentially with jitter', () => {
    const low = () => 0;
    const high = () => 1;
    assert.equal(backoffMs(policy, 1, 3000, low), 3000 + 150);
    assert.equal(backoffMs(policy, 1, 3000, high), 3000 + 750);
    assert.equal(backoffMs(policy, 1, 600000, low), 10000 + 500);
    assert.equal(backoffMs(policy, 1, 0, low), 1000 + 50);
    assert.equal(backoffMs(policy, 3, undefined, low), 4000 + 200);
    assert.equal(backoffMs(policy, 10, undefined, low), 10000 + 500);
    assert.equal(parseRetryAfter(' 7 '), 7000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('ts backend: credentials', () => {
  it('recognises a rejection from status and body together', () => {
    assert.equal(isCredentialRejection(403, { error_code: 403, message: 'Invalid access token.' }), true);
    assert.equal(
      isCredentialRejection(401, {
        error_code: 401,
        message: 'Credential was not sent or was of an unsupported type for this API.',
      }),
      true,
    );
    assert.equal(isCredentialRejection(403, { error_code: 'PERMISSION_DENIED', message: 'no access' }), false);
    assert.equal(isCredentialRejection(403, {}), false);
    assert.equal(isCredentialRejection(400, { error_code: 403, message: 'Invalid access token.' }), false);
  });

  it('refreshes once for concurrent rejections of one generation', async () => {
    let fetches = 0;
    const source: TokenSource = {
      refreshable: true,
      async fetch() {
        const n = fetches++;
        await new Promise((r) => setTimeout(r, 20));
        return { token: `t${n}` };
      },
    };
    const auth = new Auth(source);
    const first = await auth.current();
    assert.equal(fetches, 1);
    const all = await Promise.all(Array.from({ length: 16 }, () => auth.refreshAfterRejection(first)));
    for (const c of all) assert.deepEqual(c, { token: 't1', generation: first.generation + 1 });
    assert.equal(fetches, 2);
    // A rejection of the old generation after the refresh reuses the new token.
    assert.deepEqual(await auth.refreshAfterRejection(first), { token: 't1', generation: first.generation + 1 });
    assert.equal(fetches, 2);
  });

  it('reads the lifetime of a JWT from its exp claim', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = 1_700_000_000_000;
    assert.equal(jwtRemainingMs(`${b64({})}.${b64({ exp: 1_700_000_100 })}.sig`, now), 100_000);
    assert.equal(jwtRemainingMs(`${b64({})}.${b64({ exp: 1 })}.sig`, now), 0);
    assert.equal(jwtRemainingMs('dapi0123456789', now), undefined);
    assert.equal(jwtRemainingMs('a.not-base64!.c', now), undefined);
    assert.equal(jwtRemainingMs(`${b64({})}.${b64({ exp: 'soon' })}.sig`, now), undefined);
  });

  it('refreshes a JWT ahead of its exp even without expires_in', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    let fetches = 0;
    const auth = new Auth({
      refreshable: true,
      fetch: async () => {
        fetches++;
        return { token: `${b64({})}.${b64({ exp: Math.floor(Date.now() / 1000) + 1 })}.s${fetches}` };
      },
    });
    await auth.current();
    await new Promise((r) => setTimeout(r, 1100));
    await auth.current();
    assert.equal(fetches, 2);
  });

  it('never refreshes a static token', async () => {
    const auth = new Auth({ refreshable: false, fetch: async () => ({ token: 'pat' }) });
    const c = await auth.current();
    assert.equal(c.token, 'pat');
    assert.equal(await auth.refreshAfterRejection(c), null);
  });

  it('fetches again ahead of expiry', async () => {
    let fetches = 0;
    const auth = new Auth({ refreshable: true, fetch: async () => ({ token: `t${fetches++}`, expiresInMs: 50 }) });
    assert.equal((await auth.current()).token, 't0');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal((await auth.current()).token, 't1');
  });
});

describe('ts backend: errors', () => {
  it('parses SQLSTATE and error class from a recorded message', () => {
    const e = statementFailure('s1', {
      state: 'FAILED',
      error: {
        error_code: 'BAD_REQUEST',
        message: "\n[PARSE_SYNTAX_ERROR] Syntax error at or near 'INSER'. SQLSTATE: 42601 (line 1, pos 0)\n",
      },
    });
    assert.ok(e instanceof ProgrammingError);
    assert.equal(e.code, 'SqlError');
    assert.equal(e.sqlState, '42601');
    assert.equal(e.errorClass, 'PARSE_SYNTAX_ERROR');
    assert.equal(e.vendorCode, 'BAD_REQUEST');
    assert.equal(e.statementId, 's1');
    assert.equal(sqlStateIn('x SQLSTATE: 4260'), undefined);
    assert.equal(errorClassIn('no class'), undefined);
  });

  it('leaves errors that are not ours alone when adding a statement id, though Node errors carry a code', () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    assert.equal(withStatementId(epipe, 's1'), epipe);
  });

  it('refuses answers whose known fields have the wrong type, as the kernel does', () => {
    const ok = { statement_id: 's1', status: { state: 'SUCCEEDED' } };
    const column = { name: 'x', type_name: 'INT' };
    assert.equal(asStatementResponse({ ...ok, manifest: null }, 'x').statement_id, 's1', 'null reads as absent');
    for (const bad of [
      { ...ok, status: { state: 'FAILED', error: { error_code: 5, message: 7 } } },
      { ...ok, status: { state: 'FAILED', error: 'boom' } },
      { ...ok, manifest: 'x' },
      { ...ok, manifest: { schema: { columns: 'x' } } },
      { ...ok, manifest: { schema: { columns: [5] } } },
      { ...ok, manifest: { schema: { columns: [{ ...column, name: 5 }] } } },
      { ...ok, manifest: { schema: { columns: [{ ...column, type_name: 5 }] } } },
      { ...ok, manifest: { total_row_count: '3' } },
      { ...ok, manifest: { total_chunk_count: 1.5 } },
      { ...ok, manifest: { truncated: 'yes' } },
      { ...ok, manifest: { chunks: 'x' } },
      { ...ok, result: { attachment: 5 } },
      { ...ok, result: { data_array: 'x' } },
      { ...ok, result: { external_links: [{ chunk_index: 0, external_link: 'https://x', http_headers: 'x' }] } },
    ]) {
      assert.throws(
        () => asStatementResponse(bad, 'execute statement'),
        (e) => e instanceof InternalError && /not the expected JSON/.test(e.message),
        JSON.stringify(bad),
      );
    }
  });

  it('maps statuses and string codes like the kernel', () => {
    assert.equal(errorFromStatus('GetStatement', 404, { error_code: 'NOT_FOUND', message: 'x' }).code, 'NotFound');
    assert.equal(
      errorFromStatus('GetStatement', 403, { error_code: 403, message: 'Invalid access token.' }).code,
      'Unauthenticated',
    );
    assert.equal(errorFromStatus('GetStatement', 403, { error_code: 'PERMISSION_DENIED' }).code, 'PermissionDenied');
    assert.equal(errorFromStatus('GetStatement', 503, {}).code, 'Unavailable');
    const e = errorFromStatus('ExecuteStatement', 429, { message: ' slow down ' });
    assert.equal(e.message, 'execute statement failed with HTTP 429 Too Many Requests: slow down');
    assert.equal(e.retryable, true);
    assert.equal(e.httpStatus, 429);
  });
});

describe('ts backend: configuration', () => {
  it('reads hosts and warehouse ids like the kernel', () => {
    assert.equal(baseUrl('localhost:8443'), 'https://localhost:8443');
    assert.equal(baseUrl('https://adb-1.azuredatabricks.net/'), 'https://adb-1.azuredatabricks.net');
    assert.equal(baseUrl('http://127.0.0.1:1'), 'http://127.0.0.1:1');
    for (const bad of ['', 'ftp://x', 'https://x/some/path']) assert.throws(() => baseUrl(bad), ProgrammingError);
    assert.equal(warehouseId('/sql/1.0/warehouses/abc123'), 'abc123');
    assert.equal(warehouseId('/sql/1.0/endpoints/e1?o=1'), 'e1');
    assert.throws(() => warehouseId('/sql/protocolv1/o/1/cluster'), ProgrammingError);
  });

  it('fills in the defaults', () => {
    const c = resolveConfig({ host: 'h', httpPath: '/sql/1.0/warehouses/w', token: 't' });
    assert.equal(c.waitTimeoutSecs, 0);
    assert.equal(c.pollInitialMs, 5);
    assert.equal(c.results.lz4, true);
    assert.equal(c.results.maxConcurrentDownloads, 8);
    assert.deepEqual(c.retry, { maxRetries: 5, minBackoffMs: 1000, maxBackoffMs: 60000, budgetMs: 900000 });
  });
});

describe('ts backend: polling', () => {
  it('polls back to back while the statement is young, then after an eighth of its age, within 1 ms and the cap', () => {
    assert.equal(pollWait(0, 5, 500), 0);
    assert.equal(pollWait(4.9, 5, 500), 0);
    assert.equal(pollWait(5, 5, 500), 1);
    assert.equal(pollWait(16, 5, 500), 2);
    assert.equal(pollWait(2, 0, 500), 1);
    assert.equal(pollWait(400, 5, 500), 50);
    assert.equal(pollWait(60_000, 5, 500), 500);
  });
});

describe('ts backend: results bookkeeping', () => {
  it('plans chunks from the manifest, else from the first answer, and never lists a mere count', () => {
    const listed = (plans: Plans) => Array.from({ length: plans.count }, (_, i) => plans.at(i));
    assert.deepEqual(
      listed(
        plansOf(
          {
            chunks: [
              { chunk_index: 1, row_count: 2 },
              { chunk_index: 0, row_count: 3, byte_count: 9 },
            ],
          },
          undefined,
          'st',
        ),
      ),
      [
        { index: 0, rows: 3, bytes: 9 },
        { index: 1, rows: 2, bytes: undefined },
      ],
    );
    assert.deepEqual(listed(plansOf({ total_chunk_count: 2 }, undefined, 'st')), [{ index: 0 }, { index: 1 }]);
    assert.deepEqual(listed(plansOf({}, { attachment: '' }, 'st')), [{ index: 0 }]);
    assert.deepEqual(listed(plansOf({}, {}, 'st')), []);
    // A garbage count from the server costs nothing until its chunks are asked for.
    const huge = plansOf({ total_chunk_count: 2 ** 40 }, undefined, 'st');
    assert.equal(huge.count, 2 ** 40);
    assert.deepEqual(huge.at(7), { index: 7 });
    // A chunk listed twice would give its rows twice: the answer is refused instead.
    assert.throws(
      () => plansOf({ chunks: [{ chunk_index: 0 }, { chunk_index: 1 }, { chunk_index: 0 }] }, undefined, 'st'),
      (e: unknown) =>
        e instanceof InternalError && e.statementId === 'st' && /lists chunk 0 twice/.test((e as Error).message),
    );
  });

  it('counts rows in an IPC stream and rejects a cut one', () => {
    const table = tableFromArrays({ a: Int32Array.from([1, 2, 3]), b: ['x', 'y', 'z'] });
    const ipc = tableToIPC(table, 'stream');
    assert.equal(summarizeIpc(ipc, 0).rows, 3);
    assert.throws(() => summarizeIpc(ipc.subarray(0, ipc.length - 20), 0), DataError);
    assert.throws(() => summarizeIpc(new Uint8Array([1, 2, 3]), 0), DataError);
  });

  it('reads a chunk apache-arrow rejects as a DataLoss error, for either backend', () => {
    const ipc = tableToIPC(tableFromArrays({ a: Int32Array.from([1, 2, 3]) }), 'stream');
    assert.equal(chunkBatches({ ipc })[0]?.numRows, 3);
    for (const bad of [ipc.subarray(0, ipc.length - 20), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])]) {
      assert.throws(
        () => chunkBatches({ ipc: bad }),
        (e: unknown) => e instanceof DataError && e.code === 'DataLoss' && /could not be read/.test(e.message),
      );
    }
  });

  it('builds a schema-only IPC stream from manifest columns', () => {
    const ipc = schemaOnlyIpc(
      schemaFromColumns([
        { name: 'id', type_name: 'LONG' },
        { name: 'price', type_name: 'DECIMAL', type_precision: 10, type_scale: 2 },
        { name: 'ts', type_name: 'TIMESTAMP' },
        { name: 'iv', type_name: 'INTERVAL', type_interval_type: 'YEAR TO MONTH' },
        { name: 's', type_name: 'STRING' },
      ]),
    );
    const table = tableFromIPC(ipc);
    assert.equal(table.numRows, 0);
    assert.deepEqual(
      table.schema.fields.map((f) => [f.name, String(f.type)]),
      [
        ['id', 'Int64'],
        ['price', 'Decimal[10e+2]'],
        ['ts', 'Timestamp<MICROSECOND, UTC>'],
        ['iv', 'Interval<YEAR_MONTH>'],
        ['s', 'Utf8'],
      ],
    );
  });
});

describe('ts backend: JSON_ARRAY rows', () => {
  it('types every value from the manifest', () => {
    const ipc = rowsToIpc(
      [
        { name: 'i', type_name: 'INT' },
        { name: 'big', type_name: 'LONG' },
        { name: 'd', type_name: 'DOUBLE' },
        { name: 'b', type_name: 'BOOLEAN' },
        { name: 'day', type_name: 'DATE' },
        { name: 'ts', type_name: 'TIMESTAMP' },
        { name: 'price', type_name: 'DECIMAL', type_precision: 10, type_scale: 2 },
        { name: 's', type_name: 'STRING' },
        { name: 'v', type_name: 'NULL' },
      ],
      [
        ['1', '9007199254740993', '2.5', 'true', '2024-02-29', '2021-01-01T10:00:00.000-08:00', '-12345.6', 'a', null],
        [null, '-9223372036854775808', 'NaN', 'false', null, '2021-06-15 12:34:56.789', '0.01', null, null],
      ],
    );
    const table = tableFromIPC(ipc);
    assert.equal(table.numRows, 2);
    const row = (i: number) => table.schema.fields.map((f) => table.getChild(f.name)?.get(i));
    const [i0, big0, d0, b0, day0, ts0, price0, s0, v0] = row(0);
    assert.deepEqual([i0, big0, d0, b0, s0, v0], [1, 9007199254740993n, 2.5, true, 'a', null]);
    assert.equal(day0, Date.UTC(2024, 1, 29));
    assert.equal(ts0, Date.UTC(2021, 0, 1, 18));
    assert.equal(String(price0), '-1234560');
    const [i1, big1, d1, b1, day1, ts1, price1, s1] = row(1);
    assert.deepEqual(
      [i1, big1, Number.isNaN(d1), b1, day1, s1],
      [null, -9223372036854775808n, true, false, null, null],
    );
    assert.equal(ts1, Date.UTC(2021, 5, 15, 12, 34, 56, 789));
    assert.equal(String(price1), '1');
    assert.equal(summarizeIpc(ipc, 0).rows, 2);
  });

  it('rejects a value that does not parse as its type', () => {
    for (const [type_name, value] of [
      ['INT', 'x'],
      ['BYTE', '300'],
      ['DATE', '2023-02-30'],
      ['BOOLEAN', 'maybe'],
      ['TIMESTAMP', 'yesterday'],
    ]) {
      assert.throws(() => rowsToIpc([{ name: 'c', type_name }], [[value]]), DataError, `${type_name} ${value}`);
    }
    assert.throws(
      () => rowsToIpc([{ name: 'c', type_name: 'DECIMAL', type_precision: 3, type_scale: 1 }], [['123.4']]),
      DataError,
    );
  });
});
