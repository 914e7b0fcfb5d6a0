/**
 * A small HTTP proxy on loopback for the proxy tests: CONNECT tunnels (for https://) and
 * absolute-form forwarding (for http://), optional Basic credentials, and a log of what passed.
 */

import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ProxyLog {
  /** `host:port` of every tunnel opened. */
  tunnels: string[];
  /** Requests forwarded in the clear, with their headers and bodies. */
  forwarded: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  /** Requests refused for want of the right credentials. */
  refused: number;
}

export interface TestProxy {
  port: number;
  log: ProxyLog;
  close(): Promise<void>;
}

/**
 * `credentials` (`user:password`): the Basic credentials required. `route` maps a tunnel's
 * `host:port` to where it really goes (so a link to a dead port can still be served through it).
 */
export async function startProxy(
  options: { credentials?: string; route?: (target: string) => string } = {},
): Promise<TestProxy> {
  const log: ProxyLog = { tunnels: [], forwarded: [], refused: 0 };
  const expected = options.credentials && `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const allowed = (header: string | undefined) => !expected || header === expected;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (!allowed(req.headers['proxy-authorization'])) {
      log.refused++;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      log.forwarded.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
      });
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      const upstream = request(req.url ?? '', { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    if (!allowed(req.headers['proxy-authorization'])) {
      log.refused++;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const target = req.url ?? '';
    log.tunnels.push(target);
    const [host, port] = (options.route?.(target) ?? target).split(/:(?=\d+$)/);
    const upstream = connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    log,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
