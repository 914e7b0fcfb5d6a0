/**
 * The ts backend's transport and downloads against a local plain-HTTP server: how each failure
 * is classified (not connected, cut, timed out, too large, aborted), that redirects are never
 * followed, and what a download sends.
 */

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DataError, type SluiceError } from '#dist/errors';
import { download } from '#dist/ts-backend/download';
import { Transport, TransportFailure } from '#dist/ts-backend/transport';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('ts backend: transport', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Handler>();
  const seen: IncomingMessage[] = [];
  const transport = new Transport({ connectTimeoutMs: 2000, requestTimeoutMs: 300, userAgent: 'sluice-test' });

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const handler = routes.get(req.url ?? '');
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    transport.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function failure(path: string, extra: { maxBytes?: number; signal?: AbortSignal } = {}) {
    try {
      await transport.request({ url: new URL(`${base}${path}`), method: 'GET', ...extra });
    } catch (e) {
      assert.ok(e instanceof TransportFailure, `got ${String(e)}`);
      return e;
    }
    assert.fail('expected a failure');
  }

  it('answers with status, headers and body, and sends the user agent', async () => {
    routes.set('/ok', (_req, res) => res.writeHead(201, { 'x-a': 'b' }).end('hello'));
    const r = await transport.request({ url: new URL(`${base}/ok`), method: 'GET' });
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-a'], 'b');
    assert.equal(r.body.toString(), 'hello');
    assert.equal(seen.at(-1)?.headers['user-agent'], 'sluice-test');
  });

  it('calls a refused connection "not sent", and a dropped one "sent"', async () => {
    const refused = await (async () => {
      try {
        await transport.request({ url: new URL('http://127.0.0.1:1/'), method: 'POST', body: '{}' });
      } catch (e) {
        return e as TransportFailure;
      }
      assert.fail('expected a failure');
    })();
    assert.equal(refused.kind, 'connect');
    assert.equal(refused.beforeSend, true);

    routes.set('/drop', (req) => req.socket.destroy());
    const dropped = await failure('/drop');
    assert.equal(dropped.kind, 'network');
    assert.equal(dropped.beforeSend, false);
  });

  it('calls a request cut before its body was all sent "not sent", and takes an answer that came first', async () => {
    const body = 'x'.repeat(32 * 1024 * 1024);
    // Refused before the body was read: the connection is reset mid-upload, with no answer.
    routes.set('/reset', (req) => req.socket.resetAndDestroy());
    const cut = await (async () => {
      try {
        await transport.request({ url: new URL(`${base}/reset`), method: 'POST', body });
      } catch (e) {
        return e as TransportFailure;
      }
      assert.fail('expected a failure');
    })();
    assert.equal(cut.kind, 'network');
    assert.equal(cut.beforeSend, true);
    // Answered (413) before the body was read, then reset: the answer counts, not the EPIPE.
    routes.set('/refuse', (req, res) => {
      res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"too large"}');
      setTimeout(() => req.socket.resetAndDestroy(), 50);
    });
    const refused = await transport.request({ url: new URL(`${base}/refuse`), method: 'POST', body });
    assert.equal(refused.status, 413);
  });

  it('times out a silent server, cuts an oversized body, and aborts on the signal', async () => {
    routes.set('/silent', () => undefined);
    const silent = await failure('/silent');
    assert.equal(silent.kind, 'timeout');

    routes.set('/big', (_req, res) => res.end(Buffer.alloc(5000)));
    assert.equal((await failure('/big', { maxBytes: 1000 })).kind, 'tooLarge');

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    assert.equal((await failure('/silent', { signal: controller.signal })).kind, 'aborted');
  });

  it('reports a body cut short as a network failure', async () => {
    routes.set('/cut', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    assert.equal((await failure('/cut')).kind, 'network');
  });

  it('never follows a redirect, and never sends Authorization with a download', async () => {
    routes.set('/moved', (_req, res) => res.writeHead(302, { location: `${base}/ok` }).end());
    const signal = new AbortController().signal;
    const link = {
      chunk_index: 0,
      external_link: `${base}/moved`,
      http_headers: { 'x-amz-key': 'k', Authorization: 'Bearer leak' },
    };
    const outcome = await download(transport, link, undefined, signal);
    assert.equal(outcome.kind, 'fatal');
    assert.equal(seen.at(-1)?.url, '/moved', 'the redirect was not followed');
    assert.equal(seen.at(-1)?.headers['x-amz-key'], 'k');
    assert.equal(seen.at(-1)?.headers.authorization, undefined);
    if (outcome.kind === 'fatal') {
      assert.equal((outcome.error as SluiceError).code, 'DataLoss');
      assert.ok(!outcome.error.message.includes('/moved'), 'the link is a secret');
    }
  });

  it('sorts download answers into refused, transient and fatal', async () => {
    const signal = new AbortController().signal;
    const at = (status: number) => {
      routes.set(`/s${status}`, (_req, res) => res.writeHead(status).end());
      return { chunk_index: 0, external_link: `${base}/s${status}` };
    };
    for (const s of [401, 403, 404])
      assert.equal((await download(transport, at(s), undefined, signal)).kind, 'refused');
    for (const s of [408, 429, 500, 503]) {
      assert.equal((await download(transport, at(s), undefined, signal)).kind, 'transient');
    }
    assert.equal((await download(transport, at(400), undefined, signal)).kind, 'fatal');
    // Not http(s): Node's TypeError once escaped, with its own code passed off as ours.
    const ftp = await download(transport, { chunk_index: 0, external_link: 'ftp://127.0.0.1/x' }, undefined, signal);
    assert.ok(ftp.kind === 'fatal' && ftp.error instanceof DataError && ftp.error.code === 'DataLoss');
    routes.set('/drop2', (req) => req.socket.destroy());
    assert.equal(
      (await download(transport, { chunk_index: 0, external_link: `${base}/drop2` }, undefined, signal)).kind,
      'transient',
      'a reset is retried with the same link',
    );
  });
});
