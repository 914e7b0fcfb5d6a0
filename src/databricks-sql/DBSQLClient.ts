/**
 * @databricks/sql's DBSQLClient on sluice: `connect()` checks and keeps the options (nothing is
 * sent yet, as theirs); each `openSession()` is a sluice connection under the drop-in's values.
 */

import { EventEmitter } from 'node:events';
import { connectWith } from '../connection';
import { type ClientSettings, clientSettings, sessionOptions } from './connect-options';
import type IDBSQLClient from './contracts/IDBSQLClient';
import type { ClientOptions, ConnectionOptions, IAuthentication, OpenSessionRequest } from './contracts/IDBSQLClient';
import type IDBSQLLogger from './contracts/IDBSQLLogger';
import { LogLevel } from './contracts/IDBSQLLogger';
import type IDBSQLSession from './contracts/IDBSQLSession';
import DBSQLLogger from './DBSQLLogger';
import DBSQLSession from './DBSQLSession';
import { translated } from './error-mapping';
import HiveDriverError from './errors/HiveDriverError';
import { rowSettings } from './values';

/** Options sluice cannot honour: logged once at connect, listed in the README. */
const IGNORED = [
  'checkServerCertificate',
  'clientCert',
  'clientKey',
  'enableMetricViewMetadata',
  'disableRowMaterialization',
  'useKernel',
] as const;

export default class DBSQLClient extends EventEmitter implements IDBSQLClient {
  private static defaultLogger?: IDBSQLLogger;
  private readonly logger: IDBSQLLogger;
  // A #private field: util.inspect never shows it, and it holds the credentials.
  #settings?: ClientSettings;
  private readonly sessions = new Set<DBSQLSession>();

  static getDefaultLogger(): IDBSQLLogger {
    DBSQLClient.defaultLogger ??= new DBSQLLogger();
    return DBSQLClient.defaultLogger;
  }

  constructor(options?: ClientOptions) {
    super();
    this.logger = options?.logger ?? DBSQLClient.getDefaultLogger();
  }

  getLogger(): IDBSQLLogger {
    return this.logger;
  }

  /** Checks and keeps the options; resolves to this client. `authProvider` is the older spelling of `authType: 'custom'`. */
  async connect(options: ConnectionOptions, authProvider?: IAuthentication): Promise<this> {
    const given = authProvider
      ? ({ ...options, authType: 'custom', provider: authProvider } as ConnectionOptions)
      : options;
    this.#settings = clientSettings(given);
    if (given.proxy && given.proxy.protocol !== 'http' && given.proxy.protocol !== 'https') {
      this.logger.log(
        LogLevel.warn,
        `DBSQLClient: a ${given.proxy.protocol} proxy is not supported by the sluice drop-in and is ignored`,
      );
    }
    for (const key of IGNORED) {
      if ((given as unknown as Record<string, unknown>)[key] !== undefined) {
        this.logger.log(LogLevel.warn, `DBSQLClient: option "${key}" is accepted and ignored by the sluice drop-in`);
      }
    }
    return this;
  }

  /** Opens a warehouse session. */
  async openSession(request: OpenSessionRequest = {}): Promise<IDBSQLSession> {
    const settings = this.#settings;
    if (!settings) throw new HiveDriverError('DBSQLClient: not connected');
    try {
      const connection = await translated(settings.maxRetries, () =>
        connectWith(sessionOptions(settings.base, request), rowSettings(settings.preserveBigNumericPrecision)),
      );
      const session = new DBSQLSession(connection, settings.maxRetries, (s) => this.sessions.delete(s));
      this.sessions.add(session);
      return session;
    } catch (e) {
      // 'error' has no listener by default, and emitting it then would throw: theirs guards too.
      if (this.listenerCount('error') > 0) this.emit('error', e);
      throw e;
    }
  }

  /** Closes every session, then emits 'close'. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.sessions].map((s) => s.close()));
    this.#settings = undefined;
    this.emit('close');
  }
}
