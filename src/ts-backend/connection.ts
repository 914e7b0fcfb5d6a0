/**
 * A connection: one transport, one credential cache and one server session (as
 * crates/kernel/src/connection.rs), handing out statements.
 */

import type { BackendConnection, BackendStatement } from '../backend';
import { interfaceError } from '../errors';
import {
  type CatalogRow,
  type ColumnRow,
  type ColumnsQuery,
  columnsSql,
  mapRows,
  type SchemaRow,
  type SchemasQuery,
  schemasSql,
  show,
  type TableRow,
  type TablesQuery,
  tablesSql,
} from '../metadata';
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
        );
        break;
    }
    const api = new ApiClient(transport, config.baseUrl, new Auth(source), config.retry);
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

  async catalogs(): Promise<CatalogRow[]> {
    return mapRows.catalogs(await show(this.statement(), 'SHOW CATALOGS'));
  }

  async schemas(query: SchemasQuery): Promise<SchemaRow[]> {
    return mapRows.schemas(await show(this.statement(), schemasSql(query)), query);
  }

  async tables(query: TablesQuery): Promise<TableRow[]> {
    return mapRows.tables(await show(this.statement(), tablesSql(query)), query);
  }

  async columns(query: ColumnsQuery): Promise<ColumnRow[]> {
    return mapRows.columns(await show(this.statement(), columnsSql(query)));
  }

  async close(): Promise<void> {
    if (this.session.isClosed) return;
    await this.session.close();
    this.transport.destroy();
  }
}
