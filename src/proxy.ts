/**
 * The HTTP(S) proxy, resolved once for both engines from the `proxy` option or, without it, from
 * HTTPS_PROXY and NO_PROXY in the environment. It carries API calls and pre-signed downloads
 * alike. Its credentials travel apart from its URL, so no URL a message may quote holds them.
 */

import { BlockList, isIP } from 'node:net';

/** The `proxy` option in parts, as @databricks/sql takes it. */
export interface ProxyOptions {
  protocol?: 'http' | 'https';
  host: string;
  port: number;
  auth?: { username: string; password: string };
}

/** The proxy as the backends receive it. */
export interface ResolvedProxy {
  /** `http://host:port` or `https://host:port`, without credentials. */
  url: string;
  username?: string;
  password?: string;
  /** Set for a proxy from the environment: it carries https:// traffic only, as HTTPS_PROXY means. */
  httpsOnly?: boolean;
  /** Hosts reached directly: NO_PROXY's comma-separated list (see `bypassesProxy`). */
  noProxy?: string;
}

/** A reason the proxy option is refused; the caller words it as an option error. */
class ProxyError extends Error {}

function fromUrl(text: string): ResolvedProxy {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `http://${text}`);
  } catch {
    // The text may hold a password: never quote it.
    throw new ProxyError('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyError(`must be an http:// or https:// URL, got ${url.protocol}//`);
  }
  if (url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    throw new ProxyError('must be a bare proxy address: scheme, optional credentials, host and port');
  }
  const resolved: ResolvedProxy = { url: `${url.protocol}//${url.host}` };
  if (url.username !== '') resolved.username = decodeURIComponent(url.username);
  if (url.password !== '') resolved.password = decodeURIComponent(url.password);
  return resolved;
}

function fromParts(o: Record<string, unknown>): ResolvedProxy {
  const { protocol = 'http', host, port, auth } = o;
  for (const key of Object.keys(o)) {
    if (!['protocol', 'host', 'port', 'auth'].includes(key)) throw new ProxyError(`has an unknown key "${key}"`);
  }
  if (protocol !== 'http' && protocol !== 'https') throw new ProxyError('"protocol" must be "http" or "https"');
  if (typeof host !== 'string' || host === '' || /[/@\s]/.test(host)) {
    throw new ProxyError('"host" must be a host name');
  }
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    throw new ProxyError('"port" must be an integer from 1 to 65535');
  }
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const resolved: ResolvedProxy = { url: `${protocol}://${bracketed}:${port}` };
  if (auth !== undefined) {
    const a = auth as Record<string, unknown>;
    if (typeof a !== 'object' || a === null || typeof a.username !== 'string' || typeof a.password !== 'string') {
      throw new ProxyError('"auth" must be { username, password } with string values');
    }
    resolved.username = a.username;
    resolved.password = a.password;
  }
  return resolved;
}

/** Checks the `proxy` option; throws a message (without any credential) saying what is wrong. */
export function parseProxy(option: unknown): ResolvedProxy {
  try {
    if (typeof option === 'string') return fromUrl(option);
    if (typeof option === 'object' && option !== null && !Array.isArray(option)) {
      return fromParts(option as Record<string, unknown>);
    }
    throw new ProxyError('must be a URL or { protocol, host, port, auth }');
  } catch (e) {
    if (e instanceof ProxyError) throw new Error(`option "proxy" ${e.message}`);
    throw e;
  }
}

/** The proxy the environment names for HTTPS traffic, as curl and most tools read it. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ResolvedProxy | undefined {
  const text = env.HTTPS_PROXY ?? env.https_proxy;
  if (text === undefined || text.trim() === '') return undefined;
  let resolved: ResolvedProxy;
  try {
    resolved = fromUrl(text.trim());
  } catch (e) {
    throw new Error(`HTTPS_PROXY in the environment ${(e as Error).message}`);
  }
  resolved.httpsOnly = true;
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  if (noProxy !== undefined && noProxy.trim() !== '') resolved.noProxy = noProxy;
  return resolved;
}

/**
 * Whether `url` is reached directly under a NO_PROXY list, read as the kernel's HTTP library reads
 * it: `*` for every host, an IP address or subnet (`10.0.0.0/8`), or a domain matching itself and
 * its subdomains (a leading dot changes nothing). Ports are not part of an entry.
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (noProxy === undefined) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const [address, prefix] = entry.split('/');
    const entryFamily = isIP(address);
    if (entryFamily !== 0) {
      if (family !== entryFamily) continue;
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const list = new BlockList();
      try {
        if (prefix === undefined) list.addAddress(address, type);
        else list.addSubnet(address, Number(prefix), type);
      } catch {
        continue; // a malformed subnet matches nothing
      }
      if (list.check(host, type)) return true;
      continue;
    }
    const domain = entry.replace(/^\./, '');
    if (family === 0 && (host === domain || host.endsWith(`.${domain}`))) return true;
  }
  return false;
}
