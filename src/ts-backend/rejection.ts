/** Recognition of a rejected credential, shared by the auth cache and the error mapping. */

import { codeInt, codeStr, messageOf, type PlatformError } from './wire';

/**
 * Recognises, from status and body together, an answer that means "this credential is expired
 * or invalid": the legacy integer bodies real workspaces send (protocol.md §7.1), or the string
 * code `UNAUTHENTICATED`. A 403 about permissions is not one of them.
 */
export function isCredentialRejection(status: number, body: PlatformError): boolean {
  const message = (messageOf(body) ?? '').toLowerCase();
  if (status === 401) return codeInt(body) === 401 || codeStr(body) === 'UNAUTHENTICATED';
  if (status === 403) {
    return (
      (codeInt(body) === 403 || codeStr(body) === 'UNAUTHENTICATED') &&
      (message.includes('invalid access token') || message.includes('expired'))
    );
  }
  return false;
}
