/**
 * One download of a pre-signed link (as crates/kernel/src/results/download.rs): only the link's
 * own headers (never `Authorization`), no redirects, a size cap from the manifest, and failures
 * sorted into "the link was refused" (refresh it) and "the transfer failed" (retry it as is).
 */

import { makeError, type SluiceError } from '../errors';
import { dataLoss, transportError } from './failures';
import { type Transport, TransportFailure } from './transport';
import type { ExternalLink } from './wire';

export type DownloadOutcome =
  | { kind: 'ok'; body: Uint8Array }
  /** 401/403/404 from the blob store: the link expired or was revoked. */
  | { kind: 'refused'; status: number }
  /** A timeout, reset or cut transfer, or a transient status: the same link may work again. */
  | { kind: 'transient'; error: SluiceError }
  /** Retrying cannot help. */
  | { kind: 'fatal'; error: SluiceError };

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export async function download(
  transport: Transport,
  link: ExternalLink,
  maxBytes: number | undefined,
  signal: AbortSignal,
): Promise<DownloadOutcome> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(link.http_headers ?? {})) {
    if (!TOKEN_CHARS.test(name) || typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      return { kind: 'fatal', error: dataLoss('a result link carries a header that is not valid HTTP') };
    }
    if (name.toLowerCase() === 'authorization') continue;
    headers[name] = value;
  }
  let url: URL;
  try {
    url = new URL(link.external_link);
  } catch {
    return { kind: 'fatal', error: dataLoss('a result link is not a valid URL') };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { kind: 'fatal', error: dataLoss('a result link is not an http(s) URL') };
  }
  let response: Awaited<ReturnType<Transport['request']>>;
  try {
    response = await transport.request({ url, method: 'GET', headers, signal, maxBytes });
  } catch (e) {
    if (!(e instanceof TransportFailure)) throw e;
    const error = transportError('result download failed', e);
    if (e.kind === 'aborted') throw error;
    if (e.kind === 'tooLarge') {
      return {
        kind: 'fatal',
        error: dataLoss(`a result download is larger than the manifest allows (${maxBytes} bytes)`),
      };
    }
    return { kind: 'transient', error };
  }
  const status = response.status;
  if (status === 200) return { kind: 'ok', body: response.body };
  if (status === 401 || status === 403 || status === 404) return { kind: 'refused', status };
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    return {
      kind: 'transient',
      error: makeError(`result download answered HTTP ${status}`, {
        code: 'Unavailable',
        httpStatus: status,
        retryable: true,
      }),
    };
  }
  return {
    kind: 'fatal',
    error: makeError(`result download answered HTTP ${status}`, { code: 'DataLoss', httpStatus: status }),
  };
}
