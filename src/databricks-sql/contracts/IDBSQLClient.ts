import type IDBSQLLogger from './IDBSQLLogger';
import type IDBSQLSession from './IDBSQLSession';

export interface ClientOptions {
  logger?: IDBSQLLogger;
}

export interface ProxyOptions {
  protocol: 'http' | 'https' | 'socks' | 'socks4' | 'socks4a' | 'socks5' | 'socks5h';
  host: string;
  port: number;
  auth?: { username?: string; password?: string };
}

/** A token and when it expires, as token providers return it. */
export interface TokenLike {
  accessToken: string;
}

export interface ITokenProvider {
  getToken(): Promise<TokenLike>;
  getName?(): string;
}

/** A custom authenticator: the headers to send (the drop-in uses its `Authorization: Bearer`). */
export interface IAuthentication {
  authenticate(): Promise<Record<string, string> | Headers>;
}

/** Options the drop-in accepts without honouring them: the README lists them. */
interface IgnoredOptions {
  enableMetricViewMetadata?: boolean;
  disableRowMaterialization?: boolean;
  telemetryEnabled?: boolean;
  telemetryBatchSize?: number;
  telemetryFlushIntervalMs?: number;
  telemetryMaxRetries?: number;
  telemetryAuthenticatedExport?: boolean;
  telemetryCircuitBreakerThreshold?: number;
  telemetryCircuitBreakerTimeout?: number;
  telemetryCloseTimeoutMs?: number;
  telemetryMaxStatementMetrics?: number;
  telemetryMaxPendingMetrics?: number;
  /** @databricks/sql's switch to its Rust kernel: sluice always runs its own engine. */
  useKernel?: boolean;
}

type AuthOptions =
  | { authType?: 'access-token'; token: string }
  | {
      authType: 'databricks-oauth';
      persistence?: unknown;
      azureTenantId?: string;
      oauthClientId?: string;
      oauthClientSecret?: string;
      useDatabricksOAuthInAzure?: boolean;
      oauthScopes?: string[];
      tokenCacheEnabled?: boolean;
    }
  | { authType: 'custom'; provider: IAuthentication }
  | {
      authType: 'token-provider';
      tokenProvider: ITokenProvider;
      enableTokenFederation?: boolean;
      federationClientId?: string;
    }
  | {
      authType: 'external-token';
      getToken: () => Promise<string>;
      enableTokenFederation?: boolean;
      federationClientId?: string;
    }
  | { authType: 'static-token'; staticToken: string; enableTokenFederation?: boolean; federationClientId?: string };

export type ConnectionOptions = {
  host: string;
  port?: number;
  path: string;
  userAgentEntry?: string;
  socketTimeout?: number;
  proxy?: ProxyOptions;
  checkServerCertificate?: boolean;
  customCaCert?: Buffer | string;
  clientCert?: Buffer | string;
  clientKey?: Buffer | string;
  retryMaxAttempts?: number;
  retriesTimeout?: number;
  retryDelayMin?: number;
  retryDelayMax?: number;
  preserveBigNumericPrecision?: boolean;
  customHeaders?: Record<string, string>;
} & IgnoredOptions &
  AuthOptions;

export interface OpenSessionRequest {
  initialCatalog?: string;
  initialSchema?: string;
  configuration?: { [key: string]: string };
  /** Session query tags; they take precedence over `configuration.QUERY_TAGS`. */
  queryTags?: Record<string, string | null | undefined>;
}

export default interface IDBSQLClient {
  connect(options: ConnectionOptions): Promise<IDBSQLClient>;
  openSession(request?: OpenSessionRequest): Promise<IDBSQLSession>;
  close(): Promise<void>;
}
