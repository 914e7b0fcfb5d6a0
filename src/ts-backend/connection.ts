/**
 * A connection: one transport, one credential cache and one server session (as
 * crates/kernel/src/connection.rs), handing out statements.
 */

import type { BackendConnection, BackendStatement } from '../backend';
import { interfaceError } from '../errors';
import { Auth, ClientCredentials, ProviderToken, StaticToken, type TokenSource } from './auth';
import type { Config } from './config';
import { ApiClient } from './http';
import { Session } from './session';
import { Statement } from './statement';
import { Transport } from './transport';

export class Connection implements BackendConnection {
  constructor(
    private readonly session: Session,
    private readonly transport: Transport,
  ) {}

  static async open(config: Config): Promise<Connection> {
    const transport = new Transport({
      caPem: config.caPem,
      proxy: config.proxy,
      connectTimeoutMs: config.connectTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      userAgent: config.userAgent,
    });
    let source: TokenSource;
    switch (config.auth.kind) {
      case 'token':
        source = new StaticToken(config.auth.token);
        break;
      case 'provider':
        source = new ProviderToken(config.auth.provider);
        break;
      case 'oauth-m2m':
        source = new ClientCredentials(
          transport,
          `${config.baseUrl}/oidc/v1/token`,
          config.auth.clientId,
          config.auth.clientSecret,
          config.auth.scope,
          config.headers,
        );
        break;
    }
    const api = new ApiClient(transport, config.baseUrl, new Auth(source), config.retry, config.headers);
    const session = new Session(api, config);
    try {
      await session.open();
    } catch (e) {
      transport.destroy();
      throw e;
    }
    return new Connection(session, transport);
  }

  statement(): BackendStatement {
    if (this.session.isClosed) throw interfaceError('the connection is closed');
    return new Statement(this.session, this.transport);
  }

  async close(): Promise<void> {
    if (this.session.isClosed) return;
    await this.session.close();
    this.transport.destroy();
  }
}
