/**
 * The ts backend's configuration: the settings the facade resolved (src/options.ts, the one table
 * of defaults), grouped as the kernel groups them, plus the base URL and warehouse id derived once.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendOptions } from '../backend';
import { baseUrl, warehouseId } from '../endpoint';
import { makeError } from '../errors';
import { withDefaults } from '../options';
import { PACKAGE_ROOT } from '../package-root';
import type { ResolvedProxy } from '../proxy';

export interface RetryConfig {
  /** Retries after the first attempt. */
  maxRetries: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** No retry starts once this much time has passed since the first attempt. */
  budgetMs: number;
}

export interface ResultConfig {
  lz4: boolean;
  maxConcurrentDownloads: number;
  memoryBudgetBytes: number;
  linkExpiryThresholdMs: number;
  maxDownloadAttempts: number;
}

export interface Config {
  baseUrl: string;
  warehouseId: string;
  auth:
    | { kind: 'token'; token: string }
    | { kind: 'oauth-m2m'; clientId: string; clientSecret: string; scope: string }
    | { kind: 'provider'; provider: () => Promise<string> };
  catalog?: string;
  schema?: string;
  sessionConfs: Record<string, string>;
  caPem?: string;
  proxy?: ResolvedProxy;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryConfig;
  pollInitialMs: number;
  pollMaxMs: number;
  waitTimeoutSecs: number;
  results: ResultConfig;
  userAgent: string;
  /** Extra headers of every API request (never of pre-signed downloads). */
  headers: Record<string, string>;
}

/** The package version, for the User-Agent (read once; "unknown" if the manifest is unreadable). */
const VERSION = ((): string => {
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    const version = typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'version') : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
})();

function invalid(message: string): Error {
  return makeError(message, { code: 'InvalidArgument' });
}

export function resolveConfig(options: BackendOptions): Config {
  const o = withDefaults(options);
  const provider = o.tokenProvider;
  const oauth = o.oauthClientId !== undefined || o.oauthClientSecret !== undefined;
  const given = [o.token !== undefined, oauth, provider !== undefined].filter(Boolean).length;
  let auth: Config['auth'];
  if (given !== 1) {
    throw invalid('give exactly one credential: a token, an OAuth client id and secret, or a token provider');
  } else if (o.token !== undefined) {
    if (o.token === '') throw invalid('token must not be empty');
    auth = { kind: 'token', token: o.token };
  } else if (provider !== undefined) {
    auth = { kind: 'provider', provider };
  } else if (o.oauthClientId !== undefined && o.oauthClientSecret !== undefined) {
    auth = { kind: 'oauth-m2m', clientId: o.oauthClientId, clientSecret: o.oauthClientSecret, scope: o.oauthScope };
  } else {
    throw invalid('OAuth needs both a client id and a client secret');
  }
  return {
    baseUrl: baseUrl(o.host),
    warehouseId: warehouseId(o.httpPath),
    auth,
    catalog: o.catalog,
    schema: o.schema,
    sessionConfs: o.sessionConfs ?? {},
    caPem: o.caPem,
    proxy: o.proxy,
    connectTimeoutMs: o.connectTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    retry: {
      maxRetries: o.maxRetries,
      minBackoffMs: o.minBackoffMs,
      maxBackoffMs: o.maxBackoffMs,
      budgetMs: o.retryBudgetMs,
    },
    pollInitialMs: o.pollInitialMs,
    pollMaxMs: o.pollMaxMs,
    waitTimeoutSecs: o.waitTimeoutSecs,
    results: {
      lz4: o.lz4,
      maxConcurrentDownloads: o.maxConcurrentDownloads,
      memoryBudgetBytes: o.memoryBudgetBytes,
      linkExpiryThresholdMs: o.linkExpiryThresholdMs,
      maxDownloadAttempts: o.maxDownloadAttempts,
    },
    userAgent: o.userAgent ?? `sluice/${VERSION} (ts)`,
    headers: o.headers ?? {},
  };
}
