/**
 * The two parts of a warehouse's address, parsed one way for the option checks and the ts
 * backend: the base URL from `host`, and the warehouse id from `httpPath`.
 */

import { programmingError } from './errors';

/** Accepts `host`, `host:port`, `https://host[:port][/]` and `http://…` (plain HTTP only when explicit). */
export function baseUrl(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  if (trimmed === '') throw programmingError('host must not be empty');
  let withScheme: string;
  if (trimmed.startsWith('https://') || trimmed.startsWith('http://')) withScheme = trimmed;
  else if (trimmed.includes('://')) throw programmingError('host must use https:// (or http:// explicitly)');
  else withScheme = `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (e) {
    throw programmingError(`host is not a valid address: ${(e as Error).message}`);
  }
  if (url.hostname === '' || url.pathname !== '/' || url.search !== '' || url.username !== '') {
    throw programmingError('host must be a bare host name with an optional port, without a path');
  }
  // Port 0 cannot be connected to; Node would quietly dial the default port instead.
  if (url.port === '0') throw programmingError('host must not have port 0');
  return withScheme;
}

/** The warehouse id is the segment after `/warehouses/` (or `/endpoints/`) of the HTTP path. */
export function warehouseId(httpPath: string): string {
  for (const marker of ['/warehouses/', '/endpoints/']) {
    const at = httpPath.lastIndexOf(marker);
    if (at >= 0) {
      const id = /^[^?&/]*/.exec(httpPath.slice(at + marker.length))?.[0] ?? '';
      if (id !== '') return id;
    }
  }
  throw programmingError(`httpPath must look like /sql/1.0/warehouses/<id>, got ${JSON.stringify(httpPath)}`);
}
