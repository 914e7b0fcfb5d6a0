/** The local warehouse's address as @databricks/sql's `connect()` options take it. */

import { readFileSync } from 'node:fs';
import type { LocalWarehouse } from '#dist/local-warehouse';

export interface DropInOptions {
  host: string;
  port: number;
  path: string;
  token: string;
  customCaCert?: Buffer;
}

export function dropInOptions(warehouse: LocalWarehouse): DropInOptions {
  const { info } = warehouse;
  return {
    host: info.host,
    port: info.port,
    path: info.http_path,
    token: info.token,
    ...(info.ca_path ? { customCaCert: readFileSync(info.ca_path) } : {}),
  };
}
