/** Starts a local warehouse before a suite's tests and stops it after them. */

import { after, before } from 'node:test';
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
