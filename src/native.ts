/**
 * Loads the native binding (the generated `index.js` at the package root) and explains a
 * failure precisely instead of surfacing a raw loader error.
 */

import { join } from 'node:path';
import { InterfaceError } from './errors';
import { PACKAGE_ROOT } from './package-root';

export type NativeBinding = typeof import('../index');

let cached: NativeBinding | undefined;

export function loadNative(): NativeBinding {
  if (cached) return cached;
  try {
    cached = require(join(PACKAGE_ROOT, 'index.js')) as NativeBinding;
  } catch (e) {
    const detail = (e instanceof Error ? e.message.split('\n')[0] : String(e)).replace(/\.+$/, '');
    throw new InterfaceError(
      `the sluice native addon could not be loaded for ${process.platform}-${process.arch} ` +
        `(Node ${process.versions.node}): ${detail}. Build it with "npm run build:native", or ` +
        `connect with { backend: 'ts' }, which needs no addon.`,
      { code: 'NotSupported' },
      { cause: e },
    );
  }
  return cached;
}
