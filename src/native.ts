/**
 * Loads the native binding (the generated `index.js` at the package root) and explains a
 * failure precisely instead of surfacing a raw loader error.
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeError } from './errors';
import { PACKAGE_ROOT } from './package-root';

export type NativeBinding = typeof import('../index');

let cached: NativeBinding | undefined;

const firstLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0].trim().replace(/\.+$/, '');

/**
 * Why each candidate failed, in the order the loader tried them. The generated loader chains
 * them as the cause of a generic error (whose own text is advice about an npm bug), the last
 * attempt first.
 */
function loadReasons(error: unknown): string[] {
  const chain: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && cause !== null && chain.length < 8) {
    chain.push(firstLine(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return chain.length > 0 ? [...new Set(chain.reverse())] : [firstLine(error)];
}

/** The platforms of the prebuilt addons next to the loader (`sluice.<platform>.node`). */
function prebuiltAddons(root: string): string[] {
  try {
    return readdirSync(root)
      .map((name) => /^sluice\.(.+)\.node$/.exec(name)?.[1])
      .filter((platform): platform is string => platform !== undefined)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The message for a failed load, right both for an installed package (which holds prebuilt
 * addons only) and for a source checkout (which builds its own).
 */
export function loadFailureMessage(error: unknown, prebuilt: string[]): string {
  const held =
    prebuilt.length > 0
      ? `This installation holds prebuilt addons for: ${prebuilt.join(', ')}.`
      : 'This installation holds no prebuilt addon.';
  return (
    `the sluice native addon could not be loaded on ${process.platform}-${process.arch} ` +
    `(Node ${process.versions.node}): ${loadReasons(error).join('; ')}. ${held} ` +
    `Connect with { backend: 'ts' }, which needs no addon; in a source checkout, ` +
    `"npm run build:native" builds the addon for this platform.`
  );
}

export function loadNative(): NativeBinding {
  if (cached) return cached;
  try {
    cached = require(join(PACKAGE_ROOT, 'index.js')) as NativeBinding;
  } catch (e) {
    // NotSupported, so the class is the one the error table gives that code: NotSupportedError.
    throw makeError(loadFailureMessage(e, prebuiltAddons(PACKAGE_ROOT)), { code: 'NotSupported' }, e);
  }
  return cached;
}
