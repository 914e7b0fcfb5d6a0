/** A small HTTPS client for the local warehouse's admin and OAuth routes (test control only). */

import { request } from 'node:https';
import type { LocalWarehouse } from '#dist/local-warehouse';

export interface Counters {
  requests: Record<string, Record<string, number>>;
  token_grants: number;
  chunk_link_fetches: number;
  downloads: number;
  downloads_with_authorization: number;
  sessions_opened: number;
  statements_executed: number;
  /** Gauge: statements whose query executes on the warehouse now. */
  queries_running: number;
}

function call(
  warehouse: LocalWarehouse,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const caPem = warehouse.connectOptions().caPem;
  return new Promise((resolve, reject) => {
    const req = request(
      `${warehouse.info.url}${path}`,
      {
        method,
        ca: caPem,
        headers: { authorization: `Bearer ${warehouse.info.token}`, 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function ok(warehouse: LocalWarehouse, method: string, path: string, body?: unknown): Promise<string> {
  const { status, text } = await call(warehouse, method, path, body === undefined ? undefined : JSON.stringify(body));
  if (status !== 200) throw new Error(`${method} ${path} answered ${status}: ${text}`);
  return text;
}

/** Calls any admin route (the warehouse needs `--enable-admin`) and parses its JSON answer. */
export async function adminRequest(w: LocalWarehouse, method: string, path: string, body?: unknown): Promise<unknown> {
  const text = await ok(w, method, path, body);
  return text === '' ? {} : JSON.parse(text);
}

export const admin = {
  counters: async (w: LocalWarehouse) => JSON.parse(await ok(w, 'GET', '/admin/counters')) as Counters,
  reset: (w: LocalWarehouse) => ok(w, 'POST', '/admin/reset-counters'),
  fault: (w: LocalWarehouse, fault: Record<string, unknown>) => ok(w, 'POST', '/admin/faults', fault),
  clearFaults: (w: LocalWarehouse) => ok(w, 'DELETE', '/admin/faults'),
  revokeTokens: (w: LocalWarehouse, tokens?: string[]) =>
    ok(w, 'POST', '/admin/revoke-tokens', tokens ? { tokens } : {}),
  expireLinks: (w: LocalWarehouse) => ok(w, 'POST', '/admin/expire-links'),
  expireSessions: (w: LocalWarehouse) => ok(w, 'POST', '/admin/expire-sessions'),
  throttle: (w: LocalWarehouse, bytesPerSec: number | null) =>
    ok(w, 'POST', '/admin/throttle', { bytes_per_sec: bytesPerSec }),
};

/** Requests on one route, any status, or with one status. */
export function requests(c: Counters, route: string, status?: number): number {
  const byStatus = c.requests[route] ?? {};
  if (status !== undefined) return byStatus[String(status)] ?? 0;
  return Object.values(byStatus).reduce((a, b) => a + b, 0);
}

/** Client credentials against the warehouse's own OAuth endpoint, as an identity provider would. */
export async function fetchOAuthToken(w: LocalWarehouse, clientId: string, secret: string): Promise<string> {
  const basic = Buffer.from(`${clientId}:${secret}`).toString('base64');
  const { status, text } = await call(w, 'POST', '/oidc/v1/token', 'grant_type=client_credentials&scope=all-apis', {
    authorization: `Basic ${basic}`,
    'content-type': 'application/x-www-form-urlencoded',
  });
  if (status !== 200) throw new Error(`token endpoint answered ${status}`);
  return (JSON.parse(text) as { access_token: string }).access_token;
}
