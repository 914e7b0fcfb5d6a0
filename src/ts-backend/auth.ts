/**
 * Bearer-token sources and the credential cache behind the self-heal contract (as in
 * crates/kernel/src/auth.rs): one current token with a generation number; a refresh after a
 * rejection runs once however many requests were rejected on that generation (single-flight),
 * and callers that lost the race reuse its result. A static token never refreshes.
 */

import { makeError } from '../errors';
import { transportError } from './failures';
import { type Transport, TransportFailure } from './transport';
import { isRecord, type TokenResponse } from './wire';

export { isCredentialRejection } from './rejection';

export interface FetchedToken {
  token: string;
  /** Lifetime when the source knows it. */
  expiresInMs?: number;
}

export interface TokenSource {
  readonly refreshable: boolean;
  fetch(): Promise<FetchedToken>;
}

export class StaticToken implements TokenSource {
  readonly refreshable = false;
  constructor(private readonly token: string) {}
  async fetch(): Promise<FetchedToken> {
    return { token: this.token };
  }
}

/**
 * A caller-supplied function (the equivalent of a connection factory): refreshable, lifetime
 * unknown unless the token is a JWT. Its failures are credential failures.
 */
export class ProviderToken implements TokenSource {
  readonly refreshable = true;
  constructor(private readonly provider: () => Promise<string>) {}
  async fetch(): Promise<FetchedToken> {
    let token: string;
    try {
      token = await this.provider();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw makeError(`the token provider failed: ${reason}`, { code: 'Unauthenticated' }, e);
    }
    return { token };
  }
}

/** OAuth M2M client credentials against `<base>/oidc/v1/token`, client authentication by HTTP Basic. */
export class ClientCredentials implements TokenSource {
  readonly refreshable = true;

  constructor(
    private readonly transport: Transport,
    private readonly tokenUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly scope: string,
    /** The user's extra headers, sent to the workspace's token endpoint as on every API call. */
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  async fetch(): Promise<FetchedToken> {
    const basic = Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64');
    let response: Awaited<ReturnType<Transport['request']>>;
    try {
      response = await this.transport.request({
        url: new URL(this.tokenUrl),
        method: 'POST',
        headers: {
          ...this.extraHeaders,
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: this.scope }).toString(),
      });
    } catch (e) {
      if (e instanceof TransportFailure) throw transportError('OAuth token request failed', e);
      throw e;
    }
    const status = response.status;
    let parsed: TokenResponse;
    try {
      const value: unknown = JSON.parse(response.body.toString('utf8'));
      if (!isRecord(value)) throw new Error('not an object');
      parsed = value;
    } catch {
      throw makeError(`OAuth token endpoint answered HTTP ${status} with a body that is not a token response`, {
        code: 'Unauthenticated',
        httpStatus: status,
      });
    }
    const token = parsed.access_token;
    if (status >= 200 && status < 300 && typeof token === 'string' && token !== '') {
      const raw = parsed.expires_in;
      const secs =
        typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
      return { token, expiresInMs: secs === undefined ? undefined : secs * 1000 };
    }
    const what = typeof parsed.error === 'string' ? parsed.error : 'no access_token';
    const detail = typeof parsed.error_description === 'string' ? parsed.error_description : '';
    const unavailable = status >= 500 || status === 429;
    throw makeError(`OAuth token request was refused (HTTP ${status}): ${what} ${detail}`.trimEnd(), {
      code: unavailable ? 'Unavailable' : 'Unauthenticated',
      httpStatus: status,
      retryable: unavailable,
    });
  }
}

/** The token a request was sent with, and the generation it belongs to. */
export interface Credential {
  token: string;
  generation: number;
}

interface Current extends Credential {
  /** Epoch ms after which the token is fetched again before use. */
  refreshAt?: number;
}

export class Auth {
  private current_: Current | null = null;
  /** The one fetch in flight; everyone who needs a new token awaits it. */
  private inflight: Promise<Credential> | null = null;

  constructor(private readonly source: TokenSource) {}

  get refreshable(): boolean {
    return this.source.refreshable;
  }

  /** The token to send now; fetches one when there is none or the cached one is about to expire. */
  async current(): Promise<Credential> {
    const c = this.current_;
    if (c && (c.refreshAt === undefined || Date.now() < c.refreshAt))
      return { token: c.token, generation: c.generation };
    if (this.inflight) return this.inflight;
    return this.fetchInto((c?.generation ?? 0) + 1);
  }

  /**
   * Called when the server rejected `rejected`'s token as expired or invalid. Returns the
   * credential to retry with, or null when the source cannot refresh.
   */
  async refreshAfterRejection(rejected: Credential): Promise<Credential | null> {
    if (!this.source.refreshable) return null;
    const c = this.current_;
    if (c && c.generation !== rejected.generation) {
      // Another request already refreshed since this one was sent.
      return { token: c.token, generation: c.generation };
    }
    if (this.inflight) return this.inflight;
    return this.fetchInto(rejected.generation + 1);
  }

  private fetchInto(generation: number): Promise<Credential> {
    const run = (async (): Promise<Credential> => {
      try {
        const fetched = await this.source.fetch();
        if (fetched.token === '') {
          throw makeError('the token provider returned an empty token', { code: 'Unauthenticated' });
        }
        // The lifetime is the shorter of `expires_in` and the JWT `exp` claim: `exp` has
        // whole-second precision, so it can end up to a second before `expires_in` says.
        const fromJwt = jwtRemainingMs(fetched.token);
        const lifetime =
          fetched.expiresInMs !== undefined && fromJwt !== undefined
            ? Math.min(fetched.expiresInMs, fromJwt)
            : (fetched.expiresInMs ?? fromJwt);
        let refreshAt: number | undefined;
        if (lifetime !== undefined) {
          // Refresh ahead of expiry: 40 s like the SDKs, but never more than a fifth of a short
          // lifetime, so a token that lives seconds is still used for most of its life.
          const margin = Math.min(40_000, lifetime / 5);
          refreshAt = Date.now() + lifetime - margin;
        }
        this.current_ = { token: fetched.token, generation, refreshAt };
        return { token: fetched.token, generation };
      } finally {
        this.inflight = null;
      }
    })();
    this.inflight = run;
    return run;
  }
}

/** Time left before the `exp` claim of a JWT-shaped token; undefined for opaque tokens. */
export function jwtRemainingMs(token: string, now = Date.now()): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+=*$/.test(parts[1])) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isRecord(claims) || typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return undefined;
    return Math.max(0, claims.exp * 1000 - now);
  } catch {
    return undefined;
  }
}
