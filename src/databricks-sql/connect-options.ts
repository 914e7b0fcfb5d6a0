/**
 * @databricks/sql's connection options as sluice's `connect()` options. What sluice cannot honour
 * is accepted and ignored (the README lists it), never an error.
 */

import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { ConnectOptions } from '../options';
import type { ConnectionOptions, IAuthentication, OpenSessionRequest, ProxyOptions } from './contracts/IDBSQLClient';
import AuthenticationError from './errors/AuthenticationError';
import HiveDriverError from './errors/HiveDriverError';
import { queryTags } from './query-tags';

/** sluice's options for every session of a client, and what the drop-in itself needs. */
export interface ClientSettings {
  base: ConnectOptions;
  preserveBigNumericPrecision: boolean;
  maxRetries: number;
}

/** @databricks/sql's defaults where sluice's differ: 5 attempts, 1 s to 60 s backoff, 15 minutes. */
const DEFAULT_ATTEMPTS = 5;

function pem(value: Buffer | string, what: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new HiveDriverError(`DBSQLClient: ${what} must be a PEM string or Buffer`);
}

/** Node's bundled roots, NODE_EXTRA_CA_CERTS, then `customCaCert`: added to the roots, as theirs is. */
function trustedRoots(customCaCert: Buffer | string): string {
  const extra: string[] = [];
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (path) {
    try {
      extra.push(readFileSync(path, 'utf8'));
    } catch {
      // An unreadable file is ignored, as Node itself does with this variable.
    }
  }
  return [...rootCertificates, ...extra, pem(customCaCert, 'customCaCert')].join('\n');
}

/** `host` (a bare name, `name:port` or a URL) with `port`, as sluice's `host` option. */
function address(host: string, port: number | undefined): string {
  if (typeof host !== 'string' || host.trim() === '') throw new HiveDriverError('DBSQLClient: host is required');
  const url = new URL(host.includes('://') ? host : `https://${host}`);
  if (port !== undefined) url.port = String(port);
  return `${url.protocol}//${url.host}`;
}

function bearer(headers: Record<string, string> | Headers): string {
  const value =
    headers instanceof Headers
      ? headers.get('authorization')
      : Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const token = /^Bearer\s+(.+)$/i.exec(value ?? '')?.[1];
  if (!token) throw new AuthenticationError('custom authentication gave no "Authorization: Bearer" header');
  return token;
}

/** The credential options of sluice's `connect()` for one of @databricks/sql's auth types. */
function credentials(options: ConnectionOptions): Partial<ConnectOptions> {
  switch (options.authType) {
    case undefined:
    case 'access-token':
      if (typeof options.token !== 'string' || options.token === '') {
        throw new AuthenticationError(
          "a non-empty token must be supplied via `token` when using `authType: 'access-token'`",
        );
      }
      return { token: options.token };
    case 'static-token':
      if (typeof options.staticToken !== 'string' || options.staticToken === '') {
        throw new AuthenticationError(
          "a non-empty token must be supplied via `staticToken` when using `authType: 'static-token'`",
        );
      }
      return { token: options.staticToken };
    case 'databricks-oauth':
      if (options.oauthClientSecret === undefined || options.oauthClientId === undefined) {
        throw new AuthenticationError(
          'the sluice drop-in supports OAuth machine-to-machine only: give oauthClientId and oauthClientSecret (the browser flow is not available)',
        );
      }
      return {
        oauthClientId: options.oauthClientId,
        oauthClientSecret: options.oauthClientSecret,
        ...(options.oauthScopes?.length ? { oauthScope: options.oauthScopes.join(' ') } : {}),
      };
    case 'token-provider': {
      const provider = options.tokenProvider;
      return { tokenProvider: async () => (await provider.getToken()).accessToken };
    }
    case 'external-token': {
      const getToken = options.getToken;
      return { tokenProvider: () => getToken() };
    }
    case 'custom': {
      const provider: IAuthentication = options.provider;
      return { tokenProvider: async () => bearer(await provider.authenticate()) };
    }
    default:
      throw new AuthenticationError(`unknown authType ${JSON.stringify((options as { authType: unknown }).authType)}`);
  }
}

/** Their proxy as sluice's: HTTP(S) only; SOCKS is accepted and not used (the README says so). */
function proxyOf(proxy: ProxyOptions | undefined): Partial<ConnectOptions> {
  if (proxy === undefined || (proxy.protocol !== 'http' && proxy.protocol !== 'https')) return {};
  const auth =
    proxy.auth?.username !== undefined
      ? { auth: { username: proxy.auth.username, password: proxy.auth.password ?? '' } }
      : {};
  return { proxy: { protocol: proxy.protocol, host: proxy.host, port: proxy.port, ...auth } };
}

/**
 * `customHeaders`, and the workspace id of a `?o=<id>` in `path` as `x-databricks-org-id` (a
 * header given in `customHeaders` wins), as sluice's `headers`: sent on every API request.
 */
function headersOf(options: ConnectionOptions): Partial<ConnectOptions> {
  const headers: Record<string, string> = {};
  const org = new URLSearchParams(options.path.split('?')[1] ?? '').get('o');
  if (org) headers['x-databricks-org-id'] = org;
  const custom = options.customHeaders;
  if (custom !== undefined) {
    if (typeof custom !== 'object' || custom === null || Array.isArray(custom)) {
      throw new HiveDriverError('DBSQLClient: customHeaders must be an object of header names to values');
    }
    for (const [name, value] of Object.entries(custom)) {
      if (name.toLowerCase() === 'x-databricks-org-id') delete headers['x-databricks-org-id'];
      headers[name] = String(value);
    }
  }
  return Object.keys(headers).length > 0 ? { headers } : {};
}

function positive(value: number | undefined): number | undefined {
  return value === undefined || value <= 0 ? undefined : Math.round(value);
}

export function clientSettings(options: ConnectionOptions): ClientSettings {
  if (typeof options !== 'object' || options === null)
    throw new HiveDriverError('DBSQLClient: options must be an object');
  if ((options.clientCert === undefined) !== (options.clientKey === undefined)) {
    throw new HiveDriverError('DBSQLClient: mutual TLS requires both clientCert and clientKey');
  }
  if (typeof options.path !== 'string' || options.path === '')
    throw new HiveDriverError('DBSQLClient: path is required');
  const attempts = options.retryMaxAttempts ?? DEFAULT_ATTEMPTS;
  const maxRetries = Math.max(0, Math.round(attempts) - 1);
  const base: ConnectOptions = {
    host: address(options.host, options.port),
    // A leading slash added, as theirs does; `?o=<id>` stays out of the warehouse id (it is a header).
    httpPath: options.path.startsWith('/') ? options.path : `/${options.path}`,
    ...credentials(options),
    maxRetries,
    ...(options.customCaCert !== undefined ? { caPem: trustedRoots(options.customCaCert) } : {}),
    ...(positive(options.socketTimeout) ? { requestTimeoutMs: positive(options.socketTimeout) } : {}),
    ...(positive(options.retriesTimeout) ? { retryBudgetMs: positive(options.retriesTimeout) } : {}),
    ...(options.retryDelayMin !== undefined ? { minBackoffMs: Math.max(0, Math.round(options.retryDelayMin)) } : {}),
    ...(positive(options.retryDelayMax) ? { maxBackoffMs: positive(options.retryDelayMax) } : {}),
    ...(options.userAgentEntry ? { userAgent: `sluice-databricks-sql ${options.userAgentEntry}` } : {}),
    ...proxyOf(options.proxy),
    ...headersOf(options),
  };
  return { base, preserveBigNumericPrecision: options.preserveBigNumericPrecision === true, maxRetries };
}

/** The options of one session: the client's, with the request's catalog, schema and configuration. */
export function sessionOptions(base: ConnectOptions, request: OpenSessionRequest): ConnectOptions {
  const confs: Record<string, string> = { ...(request.configuration ?? {}) };
  const tags = queryTags(request.queryTags);
  // Theirs: queryTags win over configuration.QUERY_TAGS.
  if (tags) delete confs.QUERY_TAGS;
  return {
    ...base,
    ...(tags ? { queryTags: tags } : {}),
    ...(request.initialCatalog !== undefined ? { catalog: request.initialCatalog } : {}),
    ...(request.initialSchema !== undefined ? { schema: request.initialSchema } : {}),
    ...(Object.keys(confs).length > 0 ? { sessionConfs: confs } : {}),
  };
}
