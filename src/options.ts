/**
 * Connection options: validated once, up front, with messages that name the offending key.
 */

import { X509Certificate } from 'node:crypto';
import { baseUrl, warehouseId } from './endpoint';
import { ProgrammingError } from './errors';
import { isPlainObject } from './plain-object';
import { type ProxyOptions, parseProxy, proxyFromEnv, type ResolvedProxy } from './proxy';

export interface ConnectOptions {
  /** Workspace host: `host`, `host:port` or `https://host[:port]`. */
  host: string;
  /** HTTP path of the SQL warehouse, e.g. `/sql/1.0/warehouses/abc123`. */
  httpPath: string;
  /** Personal access token. */
  token?: string;
  /**
   * A credential source of your own (the equivalent of a connection factory): returns a
   * ready-to-use token; called again when the warehouse rejects the current one, or ahead of
   * its expiry when the token is a JWT.
   */
  tokenProvider?: () => string | Promise<string>;
  /** OAuth M2M client credentials. */
  oauthClientId?: string;
  oauthClientSecret?: string;
  oauthScope?: string;
  catalog?: string;
  schema?: string;
  /** Session configuration, e.g. `{ TIMEZONE: 'UTC' }`. */
  sessionConfs?: Record<string, string>;
  /** PEM text of the CA certificates to trust instead of the system roots. */
  caPem?: string;
  /** Path of a PEM file with the CA certificates to trust. */
  caPath?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxRetries?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  retryBudgetMs?: number;
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** Server-side wait of the submission: 0 or 5..50 seconds. */
  waitTimeoutSecs?: number;
  lz4?: boolean;
  maxConcurrentDownloads?: number;
  memoryBudgetBytes?: number;
  linkExpiryThresholdMs?: number;
  maxDownloadAttempts?: number;
  userAgent?: string;
  /**
   * HTTP(S) proxy for API calls and result downloads alike: `http://[user:password@]host:port`
   * (or `https://`), or its parts. Without it, HTTPS_PROXY and NO_PROXY in the environment apply
   * (to https:// addresses).
   */
  proxy?: string | ProxyOptions;
  /** Tags of every statement of the session (sent as the QUERY_TAGS session conf), shown in query history. */
  queryTags?: Record<string, string>;
  /**
   * Extra HTTP headers sent on every API request (not on pre-signed result downloads), e.g.
   * `{ 'x-databricks-org-id': '123' }`. Values may be secrets: they are never logged or shown.
   * The headers the driver sets itself (Authorization, Host, Content-Type, ...) are refused.
   */
  headers?: Record<string, string>;
  /** Which engine runs the protocol: the Rust kernel (default) or pure TypeScript. */
  backend?: 'native' | 'ts';
  /** Row shape of fetch results: objects keyed by column name (default) or arrays. */
  rowMode?: 'object' | 'array';
  /** DECIMAL values as exact strings (default) or as numbers. */
  decimalAs?: 'string' | 'number';
  /** DATE values as `Date` at UTC midnight (default) or as `YYYY-MM-DD` text. */
  dateAs?: 'date' | 'string';
  /** TIMESTAMP values as `Date` (default, millisecond precision) or lossless microsecond bigint. */
  timestampAs?: 'date' | 'bigint';
}

type Kind = 'string' | 'number' | 'boolean' | 'record' | 'function' | 'proxy';

const KINDS: Record<keyof ConnectOptions, Kind> = {
  host: 'string',
  httpPath: 'string',
  token: 'string',
  tokenProvider: 'function',
  oauthClientId: 'string',
  oauthClientSecret: 'string',
  oauthScope: 'string',
  catalog: 'string',
  schema: 'string',
  sessionConfs: 'record',
  caPem: 'string',
  caPath: 'string',
  connectTimeoutMs: 'number',
  requestTimeoutMs: 'number',
  maxRetries: 'number',
  minBackoffMs: 'number',
  maxBackoffMs: 'number',
  retryBudgetMs: 'number',
  pollInitialMs: 'number',
  pollMaxMs: 'number',
  waitTimeoutSecs: 'number',
  lz4: 'boolean',
  maxConcurrentDownloads: 'number',
  memoryBudgetBytes: 'number',
  linkExpiryThresholdMs: 'number',
  maxDownloadAttempts: 'number',
  userAgent: 'string',
  proxy: 'proxy',
  queryTags: 'record',
  headers: 'record',
  backend: 'string',
  rowMode: 'string',
  decimalAs: 'string',
  dateAs: 'string',
  timestampAs: 'string',
};

const CHOICES: Partial<Record<keyof ConnectOptions, readonly string[]>> = {
  backend: ['native', 'ts'],
  rowMode: ['object', 'array'],
  decimalAs: ['string', 'number'],
  dateAs: ['date', 'string'],
  timestampAs: ['date', 'bigint'],
};

/** A bad option: a ProgrammingError, so `catch (e) { if (e instanceof sluice.Error) ... }` sees it. */
export class OptionsError extends ProgrammingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`sluice.connect: ${message}`, { code: 'InvalidArgument' }, options);
  }
}

/** Runs a parser of the endpoint, turning its complaint into an OptionsError. */
function parsed(key: string, parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    throw new OptionsError(`option "${key}": ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The largest count or duration an option (of connect or of execute) takes: the longest timer
 * Node runs (a longer one fires at once), within the kernel's 32-bit fields (a larger value
 * would wrap around there).
 */
export const MAX_OPTION = 2 ** 31 - 1;

/**
 * The defaults of the settings both engines take, in one table: the facade fills them in, so the
 * engines receive resolved values. The kernel's own defaults (crates/kernel/src/config.rs, for
 * Rust callers) are pinned to this table by a test there, which reads this block: keep one
 * `key: literal,` per line.
 */
export const CONNECT_DEFAULTS = {
  oauthScope: 'all-apis',
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  maxRetries: 5,
  minBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  retryBudgetMs: 900_000,
  pollInitialMs: 5,
  pollMaxMs: 500,
  waitTimeoutSecs: 0,
  lz4: true,
  maxConcurrentDownloads: 8,
  memoryBudgetBytes: 268_435_456,
  linkExpiryThresholdMs: 30_000,
  maxDownloadAttempts: 5,
} as const satisfies Partial<ConnectOptions>;

export type Defaulted = keyof typeof CONNECT_DEFAULTS;

/** Options of the facade alone (engine choice, row shape, value policy) or resolved by it. */
type FacadeOnly = 'backend' | 'rowMode' | 'decimalAs' | 'dateAs' | 'timestampAs' | 'caPath' | 'tokenProvider';

/** Settings as both engines receive them: validated, defaults filled in, the proxy resolved. */
export type ResolvedSettings = Omit<ConnectOptions, FacadeOnly | Defaulted | 'proxy' | 'queryTags'> & {
  -readonly [K in Defaulted]: NonNullable<ConnectOptions[K]>;
} & { proxy?: ResolvedProxy };

/** `o` with every default filled in where it has no value. */
export function withDefaults<T extends Partial<Record<Defaulted, unknown>>>(o: T): T & typeof CONNECT_DEFAULTS {
  const filled: Record<string, unknown> = { ...o };
  for (const [key, value] of Object.entries(CONNECT_DEFAULTS)) filled[key] ??= value;
  return filled as T & typeof CONNECT_DEFAULTS;
}

/**
 * Query tags as the QUERY_TAGS session conf spells them, `key:value,key:value`, with `\`, `,`
 * and `:` escaped by a backslash inside keys and values.
 */
export function queryTagsText(tags: Record<string, string>): string {
  const escaped = (text: string) => text.replace(/[\\,:]/g, (c) => `\\${c}`);
  return Object.entries(tags)
    .map(([key, value]) => `${escaped(key)}:${escaped(value)}`)
    .join(',');
}

/**
 * The engines' settings from validated options: defaults filled in, the proxy resolved (from the
 * option or the environment), query tags folded into the session confs.
 */
export function resolveSettings(o: ConnectOptions, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const { backend, rowMode, decimalAs, dateAs, timestampAs, caPath, tokenProvider, proxy, queryTags, ...rest } = o;
  const settings: ResolvedSettings = withDefaults(
    Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as typeof rest,
  );
  let resolvedProxy: ResolvedProxy | undefined;
  try {
    resolvedProxy = proxy === undefined ? proxyFromEnv(env) : parseProxy(proxy);
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  if (resolvedProxy) settings.proxy = resolvedProxy;
  if (queryTags !== undefined && Object.keys(queryTags).length > 0) {
    settings.sessionConfs = { ...settings.sessionConfs, QUERY_TAGS: queryTagsText(queryTags) };
  }
  return settings;
}

/** Text sent in an HTTP header: Node refuses anything else with a TypeError, the kernel with a vague error. */
export const HEADER_TEXT = /^[\x20-\x7e]*$/;

/** An HTTP header name: RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers the driver sets itself (or the HTTP layer owns): a user's value would break requests. */
export const DRIVER_HEADERS: readonly string[] = [
  'accept',
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'proxy-authorization',
  'transfer-encoding',
  'user-agent',
];

/** Checks the `headers` option; messages name the header, never its value (it may be a secret). */
function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      throw new OptionsError(`option "headers": ${JSON.stringify(name)} is not a valid HTTP header name`);
    }
    if (DRIVER_HEADERS.includes(name.toLowerCase())) {
      throw new OptionsError(`option "headers": "${name}" is set by the driver and cannot be given`);
    }
    if (!HEADER_TEXT.test(value)) {
      throw new OptionsError(`option "headers": the value of "${name}" must be printable ASCII`);
    }
  }
}

/** Throws unless `pem` holds certificates, each of which parses. */
export function checkPem(pem: string, what: string): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) throw new OptionsError(`${what} is not PEM: no "-----BEGIN CERTIFICATE-----" found`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new OptionsError(`${what} holds a certificate that does not parse: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Limits the server or the protocol sets, checked here so both backends refuse them alike. */
function checkRanges(o: Record<string, unknown>): void {
  const wait = o.waitTimeoutSecs as number | undefined;
  if (wait !== undefined && wait !== 0 && (wait < 5 || wait > 50)) {
    throw new OptionsError(`option "waitTimeoutSecs" must be 0 or between 5 and 50, got ${wait}`);
  }
  for (const [key, value] of Object.entries(o)) {
    // memoryBudgetBytes is a byte count the kernel holds in 64 bits.
    if (
      KINDS[key as keyof ConnectOptions] === 'number' &&
      key !== 'memoryBudgetBytes' &&
      (value as number) > MAX_OPTION
    ) {
      throw new OptionsError(`option "${key}" must be at most ${MAX_OPTION}, got ${value}`);
    }
  }
  // A zero timeout would fail every request in one backend and mean "none" in the other.
  for (const key of [
    'maxConcurrentDownloads',
    'maxDownloadAttempts',
    'memoryBudgetBytes',
    'connectTimeoutMs',
    'requestTimeoutMs',
  ]) {
    if (o[key] === 0) throw new OptionsError(`option "${key}" must be at least 1`);
  }
  for (const key of ['token', 'userAgent']) {
    if (typeof o[key] === 'string' && !HEADER_TEXT.test(o[key] as string)) {
      throw new OptionsError(`option "${key}" must be printable ASCII: it is sent in an HTTP header`);
    }
  }
  if (typeof o.caPem === 'string') checkPem(o.caPem, 'option "caPem"');
  if (o.headers !== undefined) checkHeaders(o.headers as Record<string, string>);
}

/** Checks every key and type; throws an `OptionsError` naming the first problem. */
export function validateOptions(input: unknown): ConnectOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new OptionsError('options must be an object');
  }
  const options = input as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(KINDS, key)) {
      throw new OptionsError(`unknown option "${key}" (known: ${Object.keys(KINDS).join(', ')})`);
    }
    if (value === undefined) continue;
    const kind = KINDS[key as keyof ConnectOptions];
    if (kind === 'proxy') {
      try {
        parseProxy(value);
      } catch (e) {
        throw new OptionsError((e as Error).message);
      }
      continue;
    }
    if (kind === 'record') {
      const ok = isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string');
      if (!ok) throw new OptionsError(`option "${key}" must be an object of string values`);
    } else if (typeof value !== kind) {
      throw new OptionsError(`option "${key}" must be a ${kind}, got ${typeof value}`);
    }
    if (kind === 'number' && (!Number.isFinite(value) || (value as number) < 0 || !Number.isInteger(value))) {
      throw new OptionsError(`option "${key}" must be a non-negative integer, got ${String(value)}`);
    }
    const choices = CHOICES[key as keyof ConnectOptions];
    if (choices && !choices.includes(value as string)) {
      throw new OptionsError(`option "${key}" must be one of ${choices.join(', ')}, got "${String(value)}"`);
    }
  }
  if (typeof options.host !== 'string' || options.host.trim() === '') {
    throw new OptionsError('option "host" is required');
  }
  if (typeof options.httpPath !== 'string' || options.httpPath.trim() === '') {
    throw new OptionsError('option "httpPath" is required');
  }
  const hasToken = options.token !== undefined;
  const hasOAuth = options.oauthClientId !== undefined || options.oauthClientSecret !== undefined;
  const hasProvider = options.tokenProvider !== undefined;
  const credentials = [hasToken, hasOAuth, hasProvider].filter(Boolean).length;
  if (credentials > 1) {
    throw new OptionsError('give one credential: "token", OAuth client credentials, or "tokenProvider"');
  }
  if (credentials === 0) {
    throw new OptionsError(
      'a credential is required: "token", "oauthClientId" with "oauthClientSecret", or "tokenProvider"',
    );
  }
  for (const key of ['token', 'oauthClientId', 'oauthClientSecret']) {
    if (typeof options[key] === 'string' && (options[key] as string).trim() === '') {
      throw new OptionsError(`option "${key}" must not be empty`);
    }
  }
  if (hasOAuth && (options.oauthClientId === undefined || options.oauthClientSecret === undefined)) {
    throw new OptionsError('OAuth needs both "oauthClientId" and "oauthClientSecret"');
  }
  parsed('host', () => baseUrl(options.host as string));
  parsed('httpPath', () => warehouseId(options.httpPath as string));
  checkRanges(options);
  if (options.caPem !== undefined && options.caPath !== undefined) {
    throw new OptionsError('give either "caPem" or "caPath", not both');
  }
  if (options.queryTags !== undefined) {
    if (Object.keys(options.queryTags as object).some((k) => k === '')) {
      throw new OptionsError('option "queryTags" must not have an empty key');
    }
    const confs = Object.keys((options.sessionConfs as object | undefined) ?? {});
    if (confs.some((k) => k.toUpperCase() === 'QUERY_TAGS')) {
      throw new OptionsError('give query tags either as "queryTags" or as sessionConfs.QUERY_TAGS, not both');
    }
  }
  return options as unknown as ConnectOptions;
}
