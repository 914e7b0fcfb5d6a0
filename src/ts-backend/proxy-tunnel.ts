/**
 * HTTPS through an HTTP(S) proxy: an agent whose connections are CONNECT tunnels, TLS to the
 * target inside. A connection is handed over only once the target's TLS handshake is done, so the
 * connect timeout covers the proxy, the tunnel and the handshake; until then nothing was sent.
 */

import * as https from 'node:https';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { ResolvedProxy } from '../proxy';

/** The largest CONNECT answer head read; a proxy sending more is broken. */
const MAX_HEAD_BYTES = 16 * 1024;

/** The Proxy-Authorization value for `proxy`, if it has credentials. */
export function proxyAuthorization(proxy: ResolvedProxy): string | undefined {
  if (proxy.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
}

/** Host and port of a URL, the host without IPv6 brackets. */
export function endpointOf(url: URL): { host: string; port: number } {
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

export class TunnelAgent extends https.Agent {
  private readonly proxyUrl: URL;

  constructor(
    private readonly proxy: ResolvedProxy,
    private readonly connectTimeoutMs: number,
    options: https.AgentOptions,
  ) {
    super(options);
    this.proxyUrl = new URL(proxy.url);
  }

  // Node's Agent takes the socket from the callback when this returns nothing.
  override createConnection(
    requestOptions: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    // An https agent's request options are TLS connect options too (ca, servername, ...).
    const options = requestOptions as tls.ConnectionOptions & https.RequestOptions;
    const host = String(options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const target = `${isIP(host) === 6 ? `[${host}]` : host}:${options.port ?? 443}`;
    const proxy = endpointOf(this.proxyUrl);
    const raw: Socket =
      this.proxyUrl.protocol === 'https:'
        ? tls.connect({ ...proxy, servername: isIP(proxy.host) ? undefined : proxy.host, ca: options.ca })
        : netConnect(proxy);
    let settled = false;
    let secure: tls.TLSSocket | undefined;
    const finish = (err: Error | null, socket?: Socket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      raw.removeListener('readable', onReadable);
      if (err) {
        secure?.destroy();
        raw.destroy();
      } else {
        // The TLS socket on top reports the tunnel's failures from now on.
        raw.on('error', () => undefined);
      }
      callback?.(err, socket as Duplex);
    };
    const timer = setTimeout(
      () => finish(new Error(`could not connect through the proxy within ${this.connectTimeoutMs} ms`)),
      this.connectTimeoutMs,
    );
    raw.once('error', (e) => finish(new Error(`the proxy connection failed: ${e.message}`)));
    raw.once('close', () => finish(new Error('the proxy closed the connection before the tunnel opened')));
    raw.once(this.proxyUrl.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
      const authorization = proxyAuthorization(this.proxy);
      if (authorization) lines.push(`Proxy-Authorization: ${authorization}`);
      raw.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let head = Buffer.alloc(0);
    // Paused-mode reads: no byte after the answer's head is lost before TLS takes the socket over.
    const onReadable = () => {
      for (let chunk: Buffer | null = raw.read(); chunk !== null; chunk = raw.read()) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD_BYTES) finish(new Error('the proxy sent an oversized answer to CONNECT'));
          continue;
        }
        raw.removeListener('readable', onReadable);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1];
        if (status !== '200') {
          finish(new Error(`the proxy refused the tunnel to ${target}: HTTP ${status ?? '(unreadable answer)'}`));
          return;
        }
        const rest = head.subarray(end + 4);
        if (rest.length > 0) raw.unshift(rest);
        secure = tls.connect({
          socket: raw,
          servername: isIP(host) ? undefined : host,
          ca: options.ca,
          rejectUnauthorized: options.rejectUnauthorized,
        });
        const tunnelled = secure;
        tunnelled.once('secureConnect', () => finish(null, tunnelled));
        tunnelled.once('error', (e) => finish(e));
        return;
      }
    };
    raw.on('readable', onReadable);
    return undefined;
  }
}
