/**
 * The ts backend's resolved configuration: the caller's options with the kernel's defaults
 * (crates/kernel/src/config.rs) filled in, plus the base URL and warehouse id derived once.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendOptions } from '../backend';
import { baseUrl, warehouseId } from '../endpoint';
import { makeError } from '../errors';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../options';
import { PACKAGE_ROOT } from '../package-root';

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
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryConfig;
  pollInitialMs: number;
  pollMaxMs: number;
  waitTimeoutSecs: number;
  results: ResultConfig;
  userAgent: string;
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

/** A caller's token function, as the facade passes it (always resolves to a non-empty string). */
type TokenProviderOption = { tokenProvider?: () => Promise<string> };

export function resolveConfig(o: BackendOptions): Config {
  const provider = (o as BackendOptions & TokenProviderOption).tokenProvider;
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
    auth = {
      kind: 'oauth-m2m',
      clientId: o.oauthClientId,
      clientSecret: o.oauthClientSecret,
      scope: o.oauthScope ?? 'all-apis',
    };
  } else {
    throw invalid('OAuth needs both a client id and a client secret');
  }
  // Ranges were checked up front by the facade (options.ts).
  const waitTimeoutSecs = o.waitTimeoutSecs ?? 10;
  const maxConcurrentDownloads = o.maxConcurrentDownloads ?? 8;
  const maxDownloadAttempts = o.maxDownloadAttempts ?? 5;
  const memoryBudgetBytes = o.memoryBudgetBytes ?? 256 * 1024 * 1024;
  return {
    baseUrl: baseUrl(o.host),
    warehouseId: warehouseId(o.httpPath),
    auth,
    catalog: o.catalog,
    schema: o.schema,
    sessionConfs: o.sessionConfs ?? {},
    caPem: o.caPem,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry: {
      maxRetries: o.maxRetries ?? 5,
      minBackoffMs: o.minBackoffMs ?? 1000,
      maxBackoffMs: o.maxBackoffMs ?? 60_000,
      budgetMs: o.retryBudgetMs ?? 900_000,
    },
    pollInitialMs: o.pollInitialMs ?? 20,
    pollMaxMs: o.pollMaxMs ?? 500,
    waitTimeoutSecs,
    results: {
      lz4: o.lz4 !== false,
      maxConcurrentDownloads,
      memoryBudgetBytes,
      linkExpiryThresholdMs: o.linkExpiryThresholdMs ?? 30_000,
      maxDownloadAttempts,
    },
    userAgent: o.userAgent ?? `sluice/${VERSION} (ts)`,
  };
}
