/** The `ts` backend: the same protocol as the Rust kernel, in TypeScript over node:https. */

import type { Backend, BackendConnection, BackendOptions } from '../backend';
import { resolveConfig } from './config';
import { Connection } from './connection';

export const tsBackend: Backend = {
  name: 'ts',
  async connect(options: BackendOptions): Promise<BackendConnection> {
    return Connection.open(resolveConfig(options));
  },
};
