/**
 * One HTTP exchange over node:https (node:http only for an explicit http:// host). Chosen over
 * fetch/undici because it needs no dependency, never follows redirects (a pre-signed URL must
 * not lead elsewhere), takes a custom CA per agent, and lets us tell a failure to connect
 * (nothing was sent: safe to retry even a submission) from a failure after the request left.
 */

import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { bypassesProxy, type ResolvedProxy } from '../proxy';
import { endpointOf, proxyAuthorization, TunnelAgent } from './proxy-tunnel';

const IDLE_SOCKET_MS = 60_000;

/**
 * Sockets given a listener for errors that come after their request settled. node:http passes
 * a socket's errors to the request only while it is in flight: when a server answers before
 * reading the whole body (a 413) and closes, the late write's EPIPE lands on the socket with no
 * listener and would crash the process. The answer already settled the request; the error is moot.
 */
const guarded = new WeakSet<Socket>();

function ignoreLateErrors(socket: Socket): void {
  if (guarded.has(socket)) return;
  guarded.add(socket);
  socket.on('error', () => undefined);
}

export interface TransportOptions {
  caPem?: string;
  connectTimeoutMs: number;
  /** Longest silence on the socket while a request is in flight. */
  requestTimeoutMs: number;
  userAgent: string;
  /** Carries API calls and downloads alike, except to hosts its NO_PROXY list names. */
  proxy?: ResolvedProxy;
}

export interface RawRequest {
  url: URL;
  method: 'GET' | 'POST' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** A body longer than this fails with `tooLarge`. */
  maxBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type TransportFailureKind = 'connect' | 'timeout' | 'network' | 'aborted' | 'tooLarge';

/** A request that got no complete answer. Its message never holds the URL (links are secrets). */
export class TransportFailure extends Error {
  constructor(
    readonly kind: TransportFailureKind,
    message: string,
    /** True when the request cannot have reached the server. */
    readonly beforeSend: boolean,
    /** False when no retry can fix it: a host name that does not exist, a certificate not trusted. */
    readonly healable = true,
  ) {
    super(message);
  }
}

/**
 * OpenSSL's certificate verdicts as Node reports them (`CERT_HAS_EXPIRED`,
 * `SELF_SIGNED_CERT_IN_CHAIN`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...) and Node's own name check.
 */
const UNTRUSTED = /CERT|^UNABLE_TO_|SELF_SIGNED/;

/** A failure no retry can fix: NXDOMAIN (ENOTFOUND; EAI_AGAIN may pass) or an untrusted certificate. */
function isHealable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return !(code === 'ENOTFOUND' || (code !== undefined && UNTRUSTED.test(code)));
}

/** Node error messages may quote a host and port, never a path; keep only the code and text. */
function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

export class Transport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  /** https:// through the proxy: CONNECT tunnels. */
  private readonly tunnelAgent?: TunnelAgent;

  constructor(private readonly options: TransportOptions) {
    // Keep-alive so polls and chunk fetches reuse connections; `ca` replaces the system roots,
    // as the kernel trusts only the given CA when one is set.
    // Idle pooled sockets close after 60 s (as the kernel's pool), so a reused socket is
    // rarely one the server already dropped.
    this.httpsAgent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, ca: options.caPem });
    this.httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
    if (options.proxy) {
      this.tunnelAgent = new TunnelAgent(options.proxy, options.connectTimeoutMs, {
        keepAlive: true,
        timeout: IDLE_SOCKET_MS,
        ca: options.caPem,
      });
    }
  }

  /** The proxy `url` goes through, if any. */
  private proxyFor(url: URL): ResolvedProxy | undefined {
    const proxy = this.options.proxy;
    if (!proxy || (proxy.httpsOnly && url.protocol !== 'https:') || bypassesProxy(url, proxy.noProxy)) return undefined;
    return proxy;
  }

  /**
   * The request as sent: direct, through a CONNECT tunnel (https://), or as an absolute-form
   * request to the proxy (http://, as proxies forward plain HTTP).
   */
  private outgoing(req: RawRequest, headers: Record<string, string>): http.ClientRequest {
    const isHttps = req.url.protocol === 'https:';
    const proxy = this.proxyFor(req.url);
    if (!proxy) {
      return (isHttps ? https : http).request(req.url, {
        method: req.method,
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
      });
    }
    if (isHttps) return https.request(req.url, { method: req.method, headers, agent: this.tunnelAgent });
    const proxyUrl = new URL(proxy.url);
    const authorization = proxyAuthorization(proxy);
    const viaHttps = proxyUrl.protocol === 'https:';
    return (viaHttps ? https : http).request({
      ...endpointOf(proxyUrl),
      method: req.method,
      path: req.url.href,
      headers: { ...headers, host: req.url.host, ...(authorization ? { 'proxy-authorization': authorization } : {}) },
      agent: viaHttps ? this.httpsAgent : this.httpAgent,
    });
  }

  request(req: RawRequest): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(new TransportFailure('aborted', 'the request was aborted', true));
        return;
      }
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const outgoing = this.outgoing(req, headers);
      let connected = false;
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (failure: TransportFailure) => {
        if (settled) return;
        settled = true;
        cleanup();
        outgoing.destroy();
        reject(failure);
      };
      const onAbort = () => fail(new TransportFailure('aborted', 'the request was aborted', !connected));
      const cleanup = () => {
        if (connectTimer) clearTimeout(connectTimer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });

      outgoing.on('socket', (socket: Socket) => {
        ignoreLateErrors(socket);
        const markConnected = () => {
          connected = true;
          if (connectTimer) clearTimeout(connectTimer);
        };
        const ready =
          socket instanceof TLSSocket ? !socket.connecting && socket.encrypted && !socket.pending : !socket.connecting;
        if (ready) {
          markConnected();
          return;
        }
        // A connection that never completes is a timeout (as in the kernel), yet nothing was sent.
        connectTimer = setTimeout(
          () =>
            fail(new TransportFailure('timeout', `could not connect within ${this.options.connectTimeoutMs} ms`, true)),
          this.options.connectTimeoutMs,
        );
        socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', markConnected);
      });
      outgoing.setTimeout(this.options.requestTimeoutMs, () =>
        fail(new TransportFailure('timeout', `no answer within ${this.options.requestTimeoutMs} ms`, !connected)),
      );
      let answered = false;
      let sentWhole = false;
      outgoing.on('error', (e) => {
        // A server may answer before reading the whole body (a 413) and close: the rest of the
        // upload then fails with EPIPE or a reset. The answer is what counts; its own events
        // settle the request.
        if (answered) return;
        // Once connected and sent whole, the request may have reached the server (even on a
        // reused socket that turns out closed). One cut before its end was not acted on: a
        // server needs the whole body, so it counts as "not sent" (and may be retried).
        fail(
          new TransportFailure(
            connected ? 'network' : 'connect',
            describeError(e),
            !connected || !sentWhole,
            isHealable(e),
          ),
        );
      });
      outgoing.on('response', (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (piece: Buffer) => {
          length += piece.length;
          if (req.maxBytes !== undefined && length > req.maxBytes) {
            fail(new TransportFailure('tooLarge', `the answer is larger than ${req.maxBytes} bytes`, false));
            return;
          }
          chunks.push(piece);
        });
        response.on('aborted', () => fail(new TransportFailure('network', 'the answer was cut', false)));
        response.on('error', (e) =>
          fail(new TransportFailure('network', `the answer was cut: ${describeError(e)}`, false)),
        );
        response.on('close', () => {
          if (!response.complete) fail(new TransportFailure('network', 'the answer was cut', false));
        });
        response.on('end', () => {
          if (settled) return;
          if (!response.complete) {
            fail(new TransportFailure('network', 'the answer was cut', false));
            return;
          }
          settled = true;
          cleanup();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks, length) });
        });
      });
      outgoing.end(req.body, () => {
        sentWhole = true;
      });
    });
  }

  /** Closes pooled connections. */
  destroy(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
    this.tunnelAgent?.destroy();
  }
}
