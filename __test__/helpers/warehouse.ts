/** Starts a local warehouse before a suite's tests and stops it after them. */

import { after, before } from 'node:test';
import type { BackendOptions } from '#dist/backend';
import { type LocalWarehouse, type StartOptions, startLocalWarehouse } from '#dist/local-warehouse';

/** Call at suite level; the returned function gives the running warehouse inside tests. */
export function useWarehouse(options: StartOptions = {}): () => LocalWarehouse {
  let warehouse: LocalWarehouse | undefined;
  before(async () => {
    warehouse = await startLocalWarehouse(options);
  });
  after(async () => {
    await warehouse?.stop();
  });
  return () => {
    if (!warehouse) throw new Error('the local warehouse did not start');
    return warehouse;
  };
}

/** What a backend receives for `w` (the facade-only options left out), for tests below the facade. */
export function backendOptions(w: LocalWarehouse, extra: Partial<BackendOptions> = {}): BackendOptions {
  const c = w.connectOptions();
  return { host: c.host, httpPath: c.httpPath, token: c.token, caPem: c.caPem, ...extra };
}
